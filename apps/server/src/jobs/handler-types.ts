import type { Logger } from 'pino';
import type { z } from 'zod';
import type { BlobStore } from '../blobs/store.ts';
import type { ConnectorService } from '../connectors/service.ts';
import type { Db } from '../db/client.ts';
import type { SyncEngine } from '../sync/engine.ts';
import type { PushService } from '../sync/push-service.ts';
import type { OutflowRunner } from '../documents/outflow-runner.ts';
import type { JobDefinition } from './catalog.ts';

/** What every handler gets, the queue's own tests included. */
export interface BaseJobContext {
  readonly db: Db;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * The product's handlers' context: every member is there, because the runtime starts working only
 * once the composition root has built them all (no "job context has no …" at run time).
 */
export interface JobContext extends BaseJobContext {
  readonly connectors: ConnectorService;
  /** Sends a follow-up job (the health probe chain). */
  readonly send: (
    name: string,
    payload: object,
    options: { singletonKey?: string; startAfterSeconds?: number },
  ) => Promise<void>;
  /** Sends many jobs of one kind in one insert (the reconciliation's thousands of rounds). */
  readonly sendMany: (name: string, items: { payload: object; singletonKey?: string }[]) => Promise<void>;
  readonly healthIntervalMs: number;
  readonly sync: SyncEngine;
  readonly reconcileIntervalMs: number;
  readonly push: PushService;
  readonly outflow: OutflowRunner;
  /** The `.eml` and attachment files (retention erases the ones no document uses any more). */
  readonly blobs: BlobStore;
}

/** A job's payload, as its catalog schema checked it. */
export type PayloadOf<J extends JobDefinition> = z.infer<J['payload']>;

/** Handles one job's (already validated) payload. Throwing makes pg-boss retry per the catalog. */
export type JobHandler<P = unknown, C extends BaseJobContext = JobContext> = (
  payload: P,
  ctx: C,
) => Promise<void>;

/**
 * Handles a fetch's jobs together (a job kind with `batchSize` > 1 may have one): returns, per job in
 * order, nothing when it is done or the error to retry that job with. Ingestion uses it to write a
 * batch of documents in one transaction.
 */
export interface BatchJobHandler<P = unknown, C extends BaseJobContext = JobContext> {
  batch: (payloads: P[], ctx: C) => Promise<(Error | undefined)[]>;
}

export type AnyJobHandler<P = unknown, C extends BaseJobContext = JobContext> =
  JobHandler<P, C> | BatchJobHandler<P, C>;

/** A catalog's handlers: one per job name, each typed by that job's payload schema. */
export type HandlersOf<Catalog extends readonly JobDefinition[], C extends BaseJobContext = JobContext> = {
  readonly [J in Catalog[number] as J['name']]: AnyJobHandler<PayloadOf<J>, C>;
};
