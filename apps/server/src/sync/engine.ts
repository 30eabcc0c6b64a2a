import { DeltaRounds } from './delta-round.ts';
import type { RoundResult, SyncDeps } from './deps.ts';
import { Ingestion, type IngestOutcome } from './ingestion.ts';
import { checkQuietMailboxes } from './mailbox-checks.ts';
import { MarkerWriter } from './markers.ts';
import { QuietProbes, type ReconcileHooks, type ReconcileResult } from './quiet-probes.ts';

export type { RoundResult, SyncDeps } from './deps.ts';
export type { IngestOutcome } from './ingestion.ts';
export type { ReconcileHooks, ReconcileResult } from './quiet-probes.ts';

/**
 * The exactly-once engine (architecture invariants 1–3, decision 0005), in three parts: the delta
 * round that records work (`delta-round.ts`), the ingestion that turns each work item into one
 * document (`ingestion.ts`), and the hidden markers written afterwards (`markers.ts`). This facade is
 * what the job handlers call.
 */
export class SyncEngine {
  private readonly rounds: DeltaRounds;
  private readonly ingestion: Ingestion;
  private readonly markers: MarkerWriter;
  private readonly probes: QuietProbes;
  private readonly deps: SyncDeps;
  constructor(deps: SyncDeps) {
    this.deps = deps;
    this.rounds = new DeltaRounds(deps);
    this.ingestion = new Ingestion(deps, deps.inflow);
    this.markers = new MarkerWriter(deps);
    this.probes = new QuietProbes(deps);
  }

  /** One delta round of one folder. The caller (a singleton job per folder) is the only writer of its cursor. */
  syncFolder(folderId: string): Promise<RoundResult> {
    return this.rounds.syncFolder(folderId);
  }
  /**
   * Reconciliation: every active folder whose last round ended before `due` is probed (nothing
   * pending: its delta link read, and its cursor written when nothing is new) or handed to a full round.
   */
  reconcile(due: Date, hooks: ReconcileHooks): Promise<ReconcileResult> {
    return this.probes.reconcile(due, hooks);
  }
  /** Turns one recorded message into one document; throws when it should be retried. */
  ingest(messageId: string): Promise<IngestOutcome> {
    return this.ingestion.ingest(messageId);
  }
  /** Turns a fetch's recorded messages into documents (per message: what happened, or the error to retry with). */
  ingestMany(messageIds: string[]): Promise<(IngestOutcome | Error)[]> {
    return this.ingestion.ingestMany(messageIds);
  }
  /** Puts a failed message back in the queue (the user's Retry button). */
  retry(messageId: string): Promise<void> {
    return this.ingestion.retry(messageId);
  }
  /** Reads the connector's mailboxes not checked for `olderThanMs` (the probe's mailbox-level part). */
  checkQuietMailboxes(
    connectorId: string,
    olderThanMs: number,
  ): Promise<{ checked: number; changed: number }> {
    return checkQuietMailboxes(this.deps, connectorId, olderThanMs);
  }
  /** Writes the hidden markers of a folder's processed messages, 20 per `$batch`. */
  writeMarkers(folderId: string, limit?: number): Promise<{ written: number; left: number }> {
    return this.markers.writeMarkers(folderId, limit);
  }
}
