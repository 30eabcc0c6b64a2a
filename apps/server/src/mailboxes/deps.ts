import type { TokenBroker } from '../connectors/token-broker.ts';
import type { Db } from '../db/client.ts';
import type { MailClient } from '../microsoft/mail-client.ts';

/** The push subscriptions a mailbox or folder that is no longer read must give up. */
export interface FolderPush {
  readonly enabled: boolean;
  releaseFolders(folderIds: string[]): Promise<void>;
  releaseMailboxes(mailboxIds: string[]): Promise<void>;
}

/**
 * What the mailboxes module takes, built once in server.ts: the database, the connections' tokens,
 * the paced Graph mail client (its folder and plain JSON reads), push subscriptions, and the job
 * queue through three narrow calls.
 */
export interface MailboxDeps {
  readonly db: Db;
  readonly broker: TokenBroker;
  readonly mail: Pick<MailClient, 'json' | 'folders'>;
  readonly push: FolderPush;
  /** How often every folder is reconciled, shown on a folder that is polled. */
  readonly reconcileMs: number;
  /** Queues one folder's delta round (Sync now). */
  readonly syncFolder: (folderId: string) => Promise<void>;
  /** Queues the delta rounds of many folders in one statement. */
  readonly syncFolders: (folderIds: string[]) => Promise<void>;
  /** Puts a failed message back in the queue (the engine's retry). */
  readonly retryMessage: (messageId: string) => Promise<void>;
}
