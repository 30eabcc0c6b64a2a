import type { Logger } from 'pino';
import type { ConnectorService } from '../connectors/service.ts';
import type { Db } from '../db/client.ts';
import type { SyncEngine } from '../sync/engine.ts';
import type { PushService } from '../sync/push.ts';
import type { OutflowRunner } from '../documents/outflow-runner.ts';

export interface JobContext {
  readonly db: Db;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Absent in processes that do not talk to Microsoft (tests of the queue itself). */
  readonly connectors?: ConnectorService;
  /** Sends a follow-up job (the health probe chain). */
  readonly send?: (name: string, payload: object, options: { singletonKey?: string; startAfterSeconds?: number }) => Promise<void>;
  /** Sends many jobs of one kind in one insert (the reconciliation's thousands of rounds). */
  readonly sendMany?: (name: string, items: { payload: object; singletonKey?: string }[]) => Promise<void>;
  readonly healthIntervalMs?: number;
  readonly sync?: SyncEngine;
  readonly reconcileIntervalMs?: number;
  readonly push?: PushService;
  readonly outflow?: OutflowRunner;
}

/** Handles one job's (already validated) payload. Throwing makes pg-boss retry per the catalog. */
export type JobHandler<P = unknown> = (payload: P, ctx: JobContext) => Promise<void>;

/**
 * Handles a fetch's jobs together (a job kind with `batchSize` > 1 may have one): returns, per job in
 * order, nothing when it is done or the error to retry that job with. Ingestion uses it to write a
 * batch of documents in one transaction.
 */
export interface BatchJobHandler<P = unknown> {
  batch: (payloads: P[], ctx: JobContext) => Promise<(Error | undefined)[]>;
}

export type AnyJobHandler = JobHandler | BatchJobHandler;
