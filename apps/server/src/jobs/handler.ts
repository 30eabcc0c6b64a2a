import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';

export interface JobContext {
  readonly db: Db;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Handles one job's (already validated) payload. Throwing makes pg-boss retry per the catalog. */
export type JobHandler<P = unknown> = (payload: P, ctx: JobContext) => Promise<void>;
