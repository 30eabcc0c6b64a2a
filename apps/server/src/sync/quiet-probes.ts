import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { blocksReading } from '../core/connector-health.ts';
import { rowsOf, type Db } from '../db/client.ts';
import { monitoredFolders } from '../db/schema/index.ts';
import { asError } from '../lib/errors.ts';
import { withTimeout } from '../lib/with-timeout.ts';
import { pushContextOf, selectFolderRows, type FolderRow } from './delta-round.ts';
import type { PushContext, SyncDeps } from './deps.ts';

/** Folders read (and their cursors written) per statement. */
const CHUNK = 200;
/** Probes in flight at once: as many as a worker process runs delta rounds side by side (8 × 4). */
const IN_FLIGHT = 32;
/**
 * No chunk is probed after this (the job expires at 120 s and runs again a minute later): the folders
 * left get their rounds queued, as reconciliation did before it probed.
 */
const PROBE_BUDGET_MS = 60_000;
/**
 * A probe not answered by then hands its folder to a full round, whose job has 30 minutes: a mailbox
 * paused by Microsoft's Retry-After, or waiting behind a backfill for its 4 slots, must not hold the
 * chunk (and the other mailboxes' folders in it) past the job's expiry. The late answer is dropped.
 */
const PROBE_WAIT_MS = 15_000;

/** The active folders whose last round is older than `due`, in id order after `after`. */
const DUE = (db: Db) =>
  selectFolderRows(db)
    .where(
      and(
        eq(monitoredFolders.active, true),
        or(
          isNull(monitoredFolders.lastSyncAt),
          sql`${monitoredFolders.lastSyncAt} < ${sql.placeholder('due')}::timestamptz`,
        ),
        gt(monitoredFolders.id, sql.placeholder('after')),
      ),
    )
    .orderBy(asc(monitoredFolders.id))
    .limit(sql.placeholder('limit'))
    .prepare('reconcile_due_folders');

export interface ReconcileHooks {
  /** Queues full delta rounds (the `folder.sync` job, the cursor's usual writer). */
  queueRounds: (folderIds: string[]) => Promise<void>;
  /** A probed folder had nothing new: what a round that reached the end hands to push. */
  afterQuiet: (folderId: string, push: PushContext) => Promise<void>;
}

export interface ReconcileResult {
  /** Folders due. */
  due: number;
  /** Probed, nothing new, cursor and round's end written here. */
  quiet: number;
  /** Handed to a full round. */
  rounds: number;
}

/**
 * Reconciliation (the delta query is the truth, push only a hint) without a job per idle folder
 * (issue 22 §3, decision 0026). A due folder with nothing pending is *probed*: its delta link read,
 * and when the answer is an empty last page its new delta link and the round's end are written for
 * a whole chunk in one statement — but only where the cursor is still the one probed (compare and
 * set), so a round that moved it meanwhile keeps what it wrote. Anything else — new mail, a next
 * page, an error, work stranded by a crash, markers due, a folder never read, a mailbox or connector
 * in trouble, a cursor that moved — gets a full `folder.sync` round as before. A probe records
 * nothing, so the probe that loses the race or dies half-way loses nothing.
 */
export class QuietProbes {
  private readonly d: SyncDeps;
  private readonly due: ReturnType<typeof DUE>;
  private readonly waitMs: number;
  private readonly budgetMs: number;
  private readonly chunk: number;
  /** The options are the constants above, smaller in tests. */
  constructor(deps: SyncDeps, opts: { probeWaitMs?: number; probeBudgetMs?: number; chunk?: number } = {}) {
    this.d = deps;
    this.due = DUE(deps.db);
    this.waitMs = opts.probeWaitMs ?? PROBE_WAIT_MS;
    this.budgetMs = opts.probeBudgetMs ?? PROBE_BUDGET_MS;
    this.chunk = opts.chunk ?? CHUNK;
  }

  async reconcile(due: Date, hooks: ReconcileHooks): Promise<ReconcileResult> {
    const started = Date.now();
    const result: ReconcileResult = { due: 0, quiet: 0, rounds: 0 };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.due.execute({ due: due.toISOString(), after, limit: this.chunk });
      if (!rows.length) return result;
      after = rows[rows.length - 1]!.f.id;
      result.due += rows.length;
      const overBudget = Date.now() - started > this.budgetMs;
      const quiet = overBudget ? [] : await this.probeChunk(rows.filter(probeable));
      const quietIds = new Set(quiet.map((r) => r.f.id));
      const rounds = rows.filter((r) => !quietIds.has(r.f.id)).map((r) => r.f.id);
      if (rounds.length) await hooks.queueRounds(rounds);
      for (const row of quiet) await hooks.afterQuiet(row.f.id, pushContextOf(row));
      result.quiet += quiet.length;
      result.rounds += rounds.length;
    }
  }

  /** Probes the folders, 32 at a time; returns those found quiet whose cursor this wrote. */
  private async probeChunk(rows: FolderRow[]): Promise<FolderRow[]> {
    const next = new Map<string, string>();
    let i = 0;
    const worker = async () => {
      while (i < rows.length) {
        const row = rows[i++]!;
        const link = await this.probe(row);
        if (link !== undefined) next.set(row.f.id, link);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, rows.length) }, worker));
    if (!next.size) return [];
    const moves = rows
      .filter((r) => next.has(r.f.id))
      .map((r) => ({ id: r.f.id, old: r.f.cursor, next: next.get(r.f.id) }));
    // Compare and set: only where the cursor is still the one probed and the folder still active. A
    // delta link as JSON: it may hold commas and quotes, which an array literal would need escaped.
    const written = rowsOf<{ id: string }>(
      await this.d.db.execute(sql`update ${monitoredFolders} as f
        set cursor = v.next, cursor_kind = 'delta', last_sync_at = now(), last_error = null, last_error_at = null
        from jsonb_to_recordset(${JSON.stringify(moves)}::jsonb) as v(id uuid, old text, next text)
        where f.id = v.id and f.cursor = v.old and f.active
        returning f.id`),
    );
    const ids = new Set(written.map((w) => w.id));
    return rows.filter((r) => ids.has(r.f.id));
  }

  /** The folder's new delta link when its delta link answers an empty last page; else undefined. */
  private async probe({ f, m }: FolderRow): Promise<string | undefined> {
    try {
      const token = await this.d.broker.graphToken(m.connectorId);
      const page = await withTimeout(this.d.mail.deltaPage(token, m.graphUserId, f.cursor!), this.waitMs);
      return !page.value.length && !page.nextLink && page.deltaLink ? page.deltaLink : undefined;
    } catch (err) {
      // The full round reads it again and records (and classifies) what went wrong.
      this.d.logger.debug({ folderId: f.id, err: asError(err).message }, 'probe failed; full round queued');
      return undefined;
    }
  }
}

/**
 * Whether a folder can be probed: read before (its cursor a delta link), no error on it, nothing left
 * from a crash, no markers due, its mailbox readable and its connector not cut off. The rest are what
 * a full round does more than read the delta (`DeltaRounds.syncFolder`).
 */
function probeable({ f, m, c, stranded, markersDue }: FolderRow): boolean {
  return (
    f.active &&
    f.cursorKind === 'delta' &&
    f.cursor !== null &&
    f.lastError === null &&
    !stranded &&
    !markersDue &&
    !m.disabledAt &&
    m.access === 'readable' &&
    !blocksReading(c)
  );
}
