import { z } from 'zod';
import type { QueuePolicy } from 'pg-boss';

/**
 * Every background job the product runs. A job exists here first (payload schema and delivery
 * policy); `handlers.ts` must then give it a handler, or the boot fails (see `assertCatalogComplete`).
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly payload: S;
  /** pg-boss queue policy: `singleton` = one active at a time, `stately` = one queued + one active. */
  readonly policy: QueuePolicy;
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  readonly retryBackoff: boolean;
  readonly expireInSeconds: number;
  /** Cron expression (UTC) for periodic jobs. */
  readonly cron?: string;
}

function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return Object.freeze(def);
}

export const housekeeping = defineJob({
  name: 'housekeeping',
  description: 'Deletes expired sessions, stale sign-in rate-limit counters and long-dead invitations.',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retryLimit: 3,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 300,
  cron: '*/15 * * * *',
});

export const jobCatalog = [housekeeping] as const;
export type JobName = (typeof jobCatalog)[number]['name'];
