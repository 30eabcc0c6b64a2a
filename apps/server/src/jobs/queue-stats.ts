/**
 * Keeps PostgreSQL's statistics on pg-boss's job table fresh while jobs pour in.
 *
 * pg-boss fetches the next jobs with a query whose plan depends on how many rows the planner thinks
 * are waiting. A backfill queues thousands of ingestion jobs within seconds, long before autovacuum
 * analyses the table again (a minute at best, and never after only 10 % more rows on a big table).
 * On stale statistics the planner expects two waiting jobs, sorts all of them, and runs the stately
 * policy's "is this key active?" probe against every one: 30 ms per fetch with 6,000 waiting instead
 * of 3 ms, and the fetches took two thirds of the database's time in the throughput benchmark.
 * So after every `threshold` jobs this process queued, it analyses the table again, at most once
 * per `minIntervalMs`, in the background.
 */
export class QueueStats {
  private queuedSince = 0;
  private lastRun = 0;
  private running: Promise<void> | null = null;

  private readonly analyze: () => Promise<void>;
  private readonly onError: (err: unknown) => void;
  private readonly threshold: number;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(opts: {
    analyze: () => Promise<void>;
    onError: (err: unknown) => void;
    threshold?: number;
    minIntervalMs?: number;
    now?: () => number;
  }) {
    this.analyze = opts.analyze;
    this.onError = opts.onError;
    this.threshold = opts.threshold ?? 1000;
    this.minIntervalMs = opts.minIntervalMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Counts jobs just queued; starts an ANALYZE when enough have been queued since the last one. */
  queued(n: number): void {
    this.queuedSince += n;
    if (this.running || this.queuedSince < this.threshold || this.now() - this.lastRun < this.minIntervalMs)
      return;
    this.queuedSince = 0;
    this.lastRun = this.now();
    this.running = this.analyze()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
      });
  }

  /** The ANALYZE in progress, if any (shutdown waits for it). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}
