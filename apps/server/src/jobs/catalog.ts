import { z } from 'zod';
import type { QueuePolicy } from 'pg-boss';

/**
 * Every background job the product runs. A job exists here first (payload schema and delivery
 * policy); `registry.ts` must then give it a handler, or the boot fails (see `assertCatalogComplete`).
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
  /**
   * A running job proves it is alive this often (pg-boss heartbeats, minimum 10 s). A worker killed
   * mid-job stops beating, and the job is retried after this long instead of after `expireInSeconds`.
   */
  readonly heartbeatSeconds?: number;
  /**
   * Once a worker process is gone without stopping (a SIGKILL, a lost machine), its running jobs of
   * such a kind — those whose heartbeat (every second) is this old — are retried at once by the other
   * workers: seconds, not 20 (jobs/runtime.ts, StaleJobReclaimer). Only for kinds that may run twice.
   */
  readonly reclaimAfterSeconds?: number;
  /** Cron expression (UTC) for periodic jobs. */
  readonly cron?: string;
  /** Jobs of this kind run side by side in one worker process (default 1). */
  readonly concurrency?: number;
  /**
   * Each of the `concurrency` pollers takes up to this many jobs at once and runs them side by side
   * (default 1). A poller waits for its next poll after every fetch unless that fetch came back
   * full: with one job per fetch, a backlog drains at `concurrency` jobs per polling interval
   * whatever the jobs cost (16 per 0.5 s capped ingestion at 32 emails/s). A full batch fetches
   * again at once.
   */
  readonly batchSize?: number;
  /**
   * At most this many jobs of one group (a mailbox, for ingestion) run at once in a process; the
   * pollers pass over a busy group's jobs and take another's, so one mailbox's backlog cannot hold
   * every worker while it waits on its 4 Graph slots.
   */
  readonly groupConcurrency?: number;
  /**
   * How late a job nobody announced may start on an idle queue: a retry after its delay, a job sent
   * to start later (the next health probe). The queue's first poller looks this often (default 60 s),
   * the others every 2 minutes (jobs/runtime.ts, `pollers`). A job sent to start now wakes the
   * pollers at once in every process (PostgreSQL LISTEN/NOTIFY, in PGlite too), whatever this says:
   * the push path's latency budget needs it; idle polling was 0.07 of the 0.11 cores of an idle
   * `npm start` (issue 22 §3, decision 0022).
   */
  readonly pollingIntervalSeconds?: number;
}

function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return Object.freeze(def);
}

export const housekeeping = defineJob({
  name: 'housekeeping',
  description:
    'Deletes expired sessions, stale sign-in rate-limit counters, long-dead invitations and Graph slot leases expired a minute ago.',
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
  description:
    'After a connection: reads the organisation, the mailbox and the directory size, then marks the connector connected.',
  payload: ConnectorPayload,
  policy: 'stately',
  retryLimit: 5,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 300,
  heartbeatSeconds: 10,
  // A person is watching the setup progress: sent, it starts at once (NOTIFY); a retry within 10 s.
  pollingIntervalSeconds: 10,
});

export const connectorHealth = defineJob({
  name: 'connector.health',
  description:
    'Probes one connection (token + one Graph read), feeds the health state machine, and schedules the next probe.',
  payload: ConnectorPayload,
  // One queued and one running per connector: probes never pile up.
  policy: 'stately',
  retryLimit: 2,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 120,
  heartbeatSeconds: 10,
  // Each probe queues the next one 45 s later, which nothing announces: picked up within 5 s, so a
  // lost access still shows within a minute (decision 0015).
  pollingIntervalSeconds: 5,
});

export const connectorHealthSweep = defineJob({
  name: 'connector.health-sweep',
  description:
    'Safety net: restarts the probe chain of any connection whose check is overdue, and sends secret expiry warnings.',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retryLimit: 1,
  retryDelaySeconds: 60,
  retryBackoff: false,
  expireInSeconds: 300,
  cron: '*/5 * * * *',
});

export const folderSync = defineJob({
  name: 'folder.sync',
  description:
    "One delta round of one monitored folder. The only writer of the folder's cursor: one running, one queued at most (triggers coalesce).",
  payload: z.object({ folderId: z.uuid() }).strict(),
  policy: 'stately',
  retryLimit: 10,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 1800,
  heartbeatSeconds: 10,
  // Idempotent: a killed worker's job is retried within seconds (jobs/runtime.ts, decision 0016).
  reclaimAfterSeconds: 2,
  // Rounds wait on Graph, not the CPU (one mailbox's requests are capped by its 4 slots): with 4, a
  // burst of notifications over many mailboxes queued behind each other (latency p99 in seconds).
  // 8 pollers × 4 per fetch run 32 side by side. Fetched 4 at a time, a burst of rounds costs a fetch
  // and a completion per 4 rounds, not per round; a round's folder starts its next round when the
  // fetch's last round ends, which only the next round of that same folder waits for. (Quiet folders'
  // reconciliation rounds are not jobs at all: `sync.reconcile` probes them, decision 0026.)
  concurrency: 8,
  batchSize: 4,
  // Retries start within 10 s of being due; sent rounds start at once.
  pollingIntervalSeconds: 10,
});

export const messageIngest = defineJob({
  name: 'message.ingest',
  description:
    'Turns one recorded message into one document (message, MIME, attachments, marker). Idempotent.',
  payload: z.object({ messageId: z.uuid() }).strict(),
  policy: 'stately',
  // Throttling and outages retry with backoff for a long time; a message never fails on a 429.
  retryLimit: 20,
  retryDelaySeconds: 2,
  retryBackoff: true,
  expireInSeconds: 900,
  heartbeatSeconds: 10,
  // Idempotent: a killed worker's job is retried within seconds (jobs/runtime.ts, decision 0016).
  reclaimAfterSeconds: 2,
  // Graph concurrency per mailbox is capped separately (4 slots); jobs wait on the network, not the
  // CPU, so many of them keep every mailbox busy at once: 12 pollers × 8 jobs (96 side by side), at
  // most 12 per mailbox. A job holds its mailbox's place until its whole fetch is settled, and spends
  // only about 40 % of that in its Graph request (the rest: its turn for a slot, the MIME stored and
  // parsed, the save, the fetch's slowest): with 6 per mailbox a 10-mailbox backfill kept half the
  // slots busy and used 71 % of the request ceiling; with 12 (3 per slot) it took 77 s instead of
  // 124 s, at 99.8 % (bench/README.md). A job sent wakes every idle poller of the queue (pg-boss
  // NOTIFY), all but one fetching nothing: 16 pollers made 6 empty fetches per email on the push
  // path, 8 half as many. `batchSize` stays below the group limit (decision 0007).
  concurrency: 12,
  batchSize: 8,
  groupConcurrency: 12,
  pollingIntervalSeconds: 10,
});

export const syncReconcile = defineJob({
  name: 'sync.reconcile',
  description:
    'Reconciliation: every active folder not synced within the interval is probed (quiet: its cursor written at once) or gets a delta round.',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retryLimit: 1,
  retryDelaySeconds: 30,
  retryBackoff: false,
  expireInSeconds: 120,
  cron: '* * * * *',
});

const FolderPayload = z.object({ folderId: z.uuid() }).strict();

export const folderMarkers = defineJob({
  name: 'folder.markers',
  description:
    "Writes the hidden 'processed' marker on a folder's new documents' messages, 20 per $batch. Coalesced per folder.",
  payload: FolderPayload,
  policy: 'stately',
  // Throttling retries for a long time; a marker is a courtesy to the mailbox, never a reason to fail a document.
  retryLimit: 20,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 600,
  heartbeatSeconds: 10,
  // Idempotent: a killed worker's job is retried within seconds (jobs/runtime.ts, decision 0016).
  reclaimAfterSeconds: 2,
  // 8 folders' markers at once, but one `$batch` at a time for mailboxes still being read
  // (sync/marker-gate.ts, decision 0027): after a backfill the markers of 10 mailboxes drain about 4
  // times as fast as with 2 jobs, and during it they take no more of the mailboxes' slots than before.
  concurrency: 8,
  pollingIntervalSeconds: 10,
});

export const subscriptionEnsure = defineJob({
  name: 'subscription.ensure',
  description:
    "Creates, renews, recreates or deletes one folder's Graph change-notification subscription, then wakes a delta round.",
  payload: FolderPayload,
  policy: 'stately',
  // Transient trouble (throttling, Microsoft's validation timing out) retries; named problems are recorded and shown.
  retryLimit: 8,
  retryDelaySeconds: 10,
  retryBackoff: true,
  expireInSeconds: 300,
  heartbeatSeconds: 10,
  // A creation mostly waits: on Graph, and on Microsoft validating both URLs against us. At 4 at
  // a time, 10,000 folders took over 15 minutes to get theirs; 4 pollers × 8 run 32 side by side
  // (each mailbox's Graph requests stay capped by its 4 slots).
  concurrency: 4,
  batchSize: 8,
  pollingIntervalSeconds: 10,
});

export const subscriptionSweep = defineJob({
  name: 'subscription.sweep',
  description:
    'Safety net for push: renews subscriptions days before expiry, retries failed ones, creates missing ones, deletes those of folders no longer read.',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retryLimit: 1,
  retryDelaySeconds: 60,
  retryBackoff: false,
  expireInSeconds: 300,
  cron: '*/5 * * * *',
});

export const outflowRun = defineJob({
  name: 'outflow.run',
  description:
    'Carries out one outflow intent in Outlook (category, forward, move), idempotently; schedules its own retries with backoff.',
  payload: z.object({ runId: z.uuid() }).strict(),
  // One queued and one running per run (singletonKey = run id): a forward is never attempted twice at once.
  policy: 'stately',
  // pg-boss retries only what the runner could not record: a crash or a database outage mid-attempt.
  retryLimit: 5,
  retryDelaySeconds: 5,
  retryBackoff: true,
  // Far longer than an attempt takes (Graph calls time out after 2 minutes): a live attempt is never run twice.
  expireInSeconds: 900,
  heartbeatSeconds: 10,
  concurrency: 4,
  // The runner schedules its own retries (15 s and up): they start within 10 s of being due.
  pollingIntervalSeconds: 10,
});

export const outflowSweep = defineJob({
  name: 'outflow.sweep',
  description:
    'Safety net for outflow: queues pending intents that are overdue (a kick lost to a crash, a worker that died mid-attempt).',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retryLimit: 1,
  retryDelaySeconds: 30,
  retryBackoff: false,
  expireInSeconds: 120,
  cron: '* * * * *',
});

export const documentRetention = defineJob({
  name: 'document.retention',
  description:
    "Erases documents older than their workspace's retention, with their history and the files no other document uses; 200 per transaction, a pause between transactions.",
  payload: z.object({}).strict(),
  policy: 'singleton',
  retryLimit: 2,
  retryDelaySeconds: 60,
  retryBackoff: true,
  // A run stops starting batches after 4 minutes (documents/retention.ts); the next one goes on.
  expireInSeconds: 900,
  heartbeatSeconds: 30,
  cron: '23 * * * *',
});

export const blobSweep = defineJob({
  name: 'blob.sweep',
  description:
    'Erases the files of the blob store no document uses and nobody stored for a day (a refused upload, an email that failed for good); 10 minutes a run, the next run goes on where it stopped.',
  // `cursor`: where the previous run stopped reading the store (BlobStore.list).
  payload: z.object({ cursor: z.string().min(1).max(4096).optional() }).strict(),
  policy: 'singleton',
  retryLimit: 2,
  retryDelaySeconds: 300,
  retryBackoff: true,
  // A run stops reading the store after 10 minutes (documents/orphan-blobs.ts).
  expireInSeconds: 1_200,
  heartbeatSeconds: 30,
  cron: '41 2 * * *',
});

export const jobCatalog = [
  housekeeping,
  connectorSetup,
  connectorHealth,
  connectorHealthSweep,
  folderSync,
  messageIngest,
  syncReconcile,
  folderMarkers,
  subscriptionEnsure,
  subscriptionSweep,
  outflowRun,
  outflowSweep,
  documentRetention,
  blobSweep,
] as const;
export type JobName = (typeof jobCatalog)[number]['name'];
