import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/store.ts';
import type { TokenBroker } from '../connectors/token-broker.ts';
import type { Db } from '../db/client.ts';
import type { graphSubscriptions } from '../db/schema/index.ts';
import type { InflowRouter } from '../documents/inflow.ts';
import type { MailClient } from '../microsoft/mail-client.ts';

export interface SyncDeps {
  db: Db;
  broker: TokenBroker;
  mail: MailClient;
  blobs: BlobStore;
  /** Applies the folder's inflow rule (built in server.ts: reprocessing a document uses the same one). */
  inflow: InflowRouter;
  logger: Logger;
  /** Queues ingestion of recorded messages of one mailbox (the job layer provides it). */
  enqueueIngest: (messageIds: string[], mailboxId: string) => Promise<void>;
  /** Queues a (coalesced) marker-writing round for a folder. */
  enqueueMarkers: (folderId: string) => Promise<void>;
  /** Queues outflow runs planned by a document's `document.created` (after its transaction). */
  enqueueOutflow?: (runIds: string[]) => Promise<void>;
  /** Sync saw a sign that the connector may have lost access (a refused token, a 401 or 403): probe it soon. */
  accessSignal?: (connectorId: string) => void;
  /**
   * Hot folders are polled (decision 0021): a round that records new mail brings the folder's next
   * polling round this close (ms). Undefined: no polling.
   */
  hotPollMinMs?: number;
  /** A round recorded new mail in this folder (wakes this process's hot-folder poller). */
  onNewMail?: (folderId: string) => void;
  /** How many failed ingestions before a message is shown as failed (it can still be retried). */
  maxIngestAttempts?: number;
  /** The time bound on reading one message (tests make it short); `INGEST_MESSAGE_TIMEOUT_MS` by default. */
  ingestTimeoutMs?: number;
}

/** What a round did, for logs, tests and benchmarks. */
export interface RoundResult {
  pages: number;
  recorded: number;
  removed: number;
  resynced: boolean;
  /** The round reached the end of the delta (false: inactive folder, or a named problem). */
  ok: boolean;
  /** What push's `afterRound` needs, as the round read it (saves reading it again; issue 22 §3). */
  pushContext?: PushContext;
}

/** A folder's push situation: whether Microsoft notifies about it, and its subscription row. */
export interface PushContext {
  active: boolean;
  authMode: 'delegated' | 'organization' | 'own_app' | null;
  accountOid: string | null;
  graphUserId: string;
  subscription: typeof graphSubscriptions.$inferSelect | undefined;
}
