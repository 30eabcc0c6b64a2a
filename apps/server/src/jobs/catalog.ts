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

const ConnectorPayload = z.object({ connectorId: z.uuid() }).strict();

export const connectorSetup = defineJob({
  name: 'connector.setup',
  description: 'After a connection: reads the organisation, the mailbox and the directory size, then marks the connector connected.',
  payload: ConnectorPayload,
  policy: 'stately',
  retryLimit: 5,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 300,
});

export const connectorHealth = defineJob({
  name: 'connector.health',
  description: 'Probes one connection (token + one Graph read), feeds the health state machine, and schedules the next probe.',
  payload: ConnectorPayload,
  // One queued and one running per connector: probes never pile up.
  policy: 'stately',
  retryLimit: 2,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 120,
});

export const connectorHealthSweep = defineJob({
  name: 'connector.health-sweep',
  description: 'Safety net: restarts the probe chain of any connection whose check is overdue, and sends secret expiry warnings.',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retryLimit: 1,
  retryDelaySeconds: 60,
  retryBackoff: false,
  expireInSeconds: 300,
  cron: '*/5 * * * *',
});

export const jobCatalog = [housekeeping, connectorSetup, connectorHealth, connectorHealthSweep] as const;
export type JobName = (typeof jobCatalog)[number]['name'];
