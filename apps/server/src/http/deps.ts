import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { ConnectorService } from '../connectors/service.ts';
import type { SandboxTenant } from '../sandbox/tenant.ts';
import type { BlobStore } from '../blobs/store.ts';
import type { SyncEngine } from '../sync/engine.ts';
import type { PushService } from '../sync/push-service.ts';
import type { OutflowRunner } from '../documents/outflow-runner.ts';
import type { ActionDeps } from '../documents/actions.ts';
import type { Database } from '../db/client.ts';
import type { MailboxDeps } from '../mailboxes/deps.ts';
import type { JobContext } from '../jobs/handler-types.ts';
import type { SessionPolicy } from '../db/repos/sessions.ts';
import type { Vault } from '../security/vault.ts';

/** What route modules may use. Passed explicitly: no globals. */
export interface HttpDeps {
  readonly config: Config;
  readonly database: Database;
  readonly vault: Vault;
  readonly logger: Logger;
  readonly sessionPolicy: SessionPolicy;
  readonly connectors: ConnectorService;
  /** Present in sandbox mode (the built-in Microsoft 365 emulator). */
  readonly sandbox: SandboxTenant | undefined;
  readonly sync: SyncEngine;
  readonly push: PushService;
  readonly outflow: OutflowRunner;
  /** What document actions need (reprocess runs the folder's rule through the ingestion's InflowRouter). */
  readonly documentActions: ActionDeps;
  /** Mailboxes, folders and their rules (the paced Graph mail client and the token broker inside). */
  readonly mailboxes: MailboxDeps;
  readonly blobs: BlobStore;
  /** Queues a job by catalog name. */
  readonly send: (
    name: string,
    payload: object,
    options: { singletonKey?: string; startAfterSeconds?: number },
  ) => Promise<void>;
  /** Queues many jobs of one kind in one statement (the same call the jobs get). */
  readonly sendMany: NonNullable<JobContext['sendMany']>;
}
