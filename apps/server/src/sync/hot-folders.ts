import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { pollGapMs, type HotPolling } from '../core/hot-polling.ts';
import { rowsOf, type Db } from '../db/client.ts';
import { bigintArray, uuidArray } from '../db/sql-arrays.ts';
import { asError } from '../lib/errors.ts';

export interface HotFolderDeps {
  db: Db;
  polling: HotPolling;
  /** Queues folder rounds (the `folder.sync` job: one running and one queued per folder at most). */
  queueRounds: (folderIds: string[]) => Promise<void>;
  logger: Logger;
  now?: () => Date;
}

/** When nothing is hot, how soon to look again (a round elsewhere may make a folder hot). */
const IDLE_LOOK_MS = 10_000;
/** At most this many folders' rounds are queued by one look (the rest at the next one, at once). */
const CLAIM_LIMIT = 500;

/**
 * Polls hot folders (core/hot-polling.ts, decision 0021): every worker process runs one; a due folder
 * is claimed by one of them (`for update skip locked`, its next round's time written in the same
 * transaction), and its round is queued as any other, so the folder's cursor keeps its one writer.
 * It sleeps until the next hot folder is due, or 10 s when none is: idle folders cost one indexed
 * statement per 10 s per process, whatever their number.
 */
export class HotFolderPoller {
  private readonly d: HotFolderDeps;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (a wake only ever brings it closer). */
  private lookAt = Infinity;
  private looking: Promise<void> | undefined;
  private stopped = true;
  constructor(deps: HotFolderDeps) {
    this.d = deps;
  }

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  start(): void {
    if (this.d.polling.windowMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * A round in this process found new mail: its folder's next round is due sooner than planned. Only
   * ever earlier: re-armed on every wake, a busy process's 20 productive rounds a second pushed the
   * look back each time and it never came (emails 8–11 s late instead of ≤ 5 s).
   */
  wake(): void {
    if (!this.stopped && !this.looking && Date.now() + this.d.polling.minMs < this.lookAt)
      this.schedule(this.d.polling.minMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.looking;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.lookAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.lookAt = Infinity;
      this.looking ??= this.look()
        .then((nextMs) => {
          if (!this.stopped) this.schedule(nextMs);
        })
        .finally(() => (this.looking = undefined));
    }, ms);
    this.timer.unref();
  }

  private async look(): Promise<number> {
    try {
      const { queued, nextDueAt } = await this.tick();
      if (queued === CLAIM_LIMIT) return 0;
      if (!nextDueAt) return IDLE_LOOK_MS;
      return Math.min(IDLE_LOOK_MS, Math.max(50, nextDueAt.getTime() - this.now().getTime()));
    } catch (err) {
      this.d.logger.warn({ err: asError(err) }, 'hot folders could not be read; looking again soon');
      return this.d.polling.maxMs;
    }
  }

  /**
   * Claims the hot folders that are due, writes when each is due next, queues their rounds; returns
   * how many and when the next hot folder is due (for tests: one look, at `now`).
   */
  async tick(): Promise<{ queued: number; nextDueAt: Date | undefined }> {
    const p = this.d.polling;
    const now = this.now();
    const hotSince = new Date(now.getTime() - p.windowMs);
    const due = await this.d.db.transaction(async (tx) => {
      const rows = rowsOf<{ id: string; last_mail_at: Date | string; hot_in_mailbox: number }>(
        await tx.execute(sql`
          with hot as (
            select id, mailbox_id, last_mail_at, next_poll_at, last_sync_at
              from monitored_folders
             where active and last_mail_at is not null and last_mail_at >= ${hotSince}
          ), due as (
            select id from hot
             where coalesce(next_poll_at, '-infinity') <= ${now}
             order by next_poll_at nulls first
             limit ${CLAIM_LIMIT}
          )
          select f.id, f.last_mail_at,
                 (select count(*)::int from hot h where h.mailbox_id = f.mailbox_id) as hot_in_mailbox
            from monitored_folders f
           where f.id in (select id from due)
             for update of f skip locked`),
      );
      if (!rows.length) return [];
      const next = rows.map((r) =>
        Math.round(
          now.getTime() +
            pollGapMs(p, Math.max(0, now.getTime() - new Date(r.last_mail_at).getTime()), r.hot_in_mailbox),
        ),
      );
      await tx.execute(sql`
        update monitored_folders f set next_poll_at = to_timestamp(n.at / 1000.0)
          from unnest(${uuidArray(rows.map((r) => r.id))}, ${bigintArray(next)}) as n(id, at)
         where f.id = n.id`);
      return rows.map((r) => r.id);
    });
    if (due.length) await this.d.queueRounds(due);
    const [soonest] = rowsOf<{ at: Date | string | null }>(
      await this.d.db.execute(sql`
        select min(coalesce(next_poll_at, ${now})) as at from monitored_folders
         where active and last_mail_at is not null and last_mail_at >= ${hotSince}`),
    );
    return { queued: due.length, nextDueAt: soonest?.at ? new Date(soonest.at) : undefined };
  }
}
