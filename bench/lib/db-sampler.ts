// What Mailroom's database was doing during a chaos run, every second: statements waiting on a lock,
// and the longest-running statement (its age and first words). A stall of every process at once
// that comes from the database (a lock held across a restart) shows here.
import type pg from 'pg';

export interface DbSample {
  /** Seconds since the run began. */
  t: number;
  /** Mailroom's statements waiting on a lock (heavyweight: rows, tables, advisory). */
  lockWaits: number;
  /** Statements running (not idle). */
  active: number;
  /** The oldest running statement: its age in seconds and its start. */
  oldestSeconds: number;
  oldest: string | null;
}

export class DbSampler {
  readonly samples: DbSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly sql: pg.Pool;
  private readonly t0: number;
  private readonly database: string;

  constructor(sql: pg.Pool, database: string, t0: number) {
    this.sql = sql;
    this.database = database;
    this.t0 = t0;
  }

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { rows } = await this.sql.query<{
        lock_waits: number;
        active: number;
        oldest_seconds: number | null;
        oldest: string | null;
      }>(
        `select count(*) filter (where wait_event_type = 'Lock')::int as lock_waits,
                count(*)::int as active,
                max(extract(epoch from now() - query_start))::float8 as oldest_seconds,
                (array_agg(left(regexp_replace(query, '\\s+', ' ', 'g'), 160) order by query_start))[1] as oldest
           from pg_stat_activity
          where datname = $1 and state = 'active' and pid <> pg_backend_pid()
            and query not ilike 'LISTEN%' and backend_type = 'client backend'`,
        [this.database],
      );
      const r = rows[0]!;
      this.samples.push({
        t: Math.round((Date.now() - this.t0) / 100) / 10,
        lockWaits: r.lock_waits,
        active: r.active,
        oldestSeconds: Math.round((r.oldest_seconds ?? 0) * 10) / 10,
        oldest: r.oldest,
      });
    } catch {
      // The database is restarting: no sample this second.
    } finally {
      this.busy = false;
    }
  }
}
