import type { OutflowAction } from '@mailroom/contracts';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { connectors } from './connectors.ts';
import { documentTypes } from './taxonomy.ts';
import { workspaces } from './workspaces.ts';

/** Where documents land. Every workspace has an "Inbox" (created with it). */
export const inboxes = pgTable(
  'inboxes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The inbox created with the workspace: people who join are put on its access list (decision 0006). */
    isDefault: boolean('is_default').notNull().default(false),
    /** What Mailroom writes back to Outlook for the documents in this inbox (core/outflow.ts). */
    outflow: jsonb('outflow').$type<OutflowAction[]>().notNull().default([]),
    /** Archived: kept with its documents, offered to no rule. */
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('inboxes_workspace_name_key').on(t.workspaceId, sql`lower(${t.name})`)],
);

/** A mailbox of the tenant that a connector reads (a user's own, or a shared one). */
export const mailboxes = pgTable(
  'mailboxes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    connectorId: uuid('connector_id')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    /** Entra object id of the mailbox's user. */
    graphUserId: text('graph_user_id').notNull(),
    address: text('address').notNull(),
    displayName: text('display_name').notNull(),
    kind: text('kind', { enum: ['user', 'shared', 'room', 'unknown'] })
      .notNull()
      .default('unknown'),
    /** Result of the last access test. */
    access: text('access', {
      enum: ['readable', 'mailbox_blocked_by_policy', 'mailbox_no_rights', 'mailbox_not_enabled', 'unknown'],
    })
      .notNull()
      .default('unknown'),
    accessDetail: text('access_detail'),
    accessCheckedAt: timestamp('access_checked_at', { withTimezone: true }),
    /**
     * Set on a mailbox that another connector of the workspace also read before a mailbox could be
     * read by only one (migration 0012, decision 0015): kept with its documents, its folders off.
     */
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('mailboxes_connector_user_key').on(t.connectorId, t.graphUserId),
    // One reader per mailbox in a workspace (issue 19 §2): the same email never makes two documents.
    // Entra object ids are GUIDs unique across tenants, so the id stands for tenant + mailbox.
    uniqueIndex('mailboxes_workspace_user_key')
      .on(t.workspaceId, t.graphUserId)
      .where(sql`${t.disabledAt} is null`),
  ],
);

/**
 * A folder Mailroom reads, with its (minimal) inflow rule and its delta cursor. The cursor only moves
 * in the transaction that records the page's messages (sync/delta-round.ts), or, where reconciliation's
 * probe found nothing new, by a compare-and-set on the cursor it read (sync/quiet-probes.ts).
 */
export const monitoredFolders = pgTable(
  'monitored_folders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    mailboxId: uuid('mailbox_id')
      .notNull()
      .references(() => mailboxes.id, { onDelete: 'cascade' }),
    graphFolderId: text('graph_folder_id').notNull(),
    displayName: text('display_name').notNull(),
    // The inflow rule (minimal): where documents go, from when, and whether it runs at all.
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id),
    processFrom: timestamp('process_from', { withTimezone: true }).notNull(),
    active: boolean('active').notNull().default(false),
    // The rest of the rule, applied at ingestion (core/inflow-rules.ts): changing it affects new mail only.
    filterInflow: boolean('filter_inflow').notNull().default(false),
    /**
     * Write the hidden "processed" marker on each message in Outlook (product.md §3; on by default, as
     * the seed's product does). Off saves one request per email as Microsoft counts them (issue 22 §2.6);
     * exactly-once never depends on it (the work items do that).
     */
    writeMarker: boolean('write_marker').notNull().default(true),
    documentTypeId: uuid('document_type_id').references(() => documentTypes.id, { onDelete: 'set null' }),
    tagIds: uuid('tag_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /** What Mailroom writes back to Outlook for the documents this rule creates (core/outflow.ts). */
    outflow: jsonb('outflow').$type<OutflowAction[]>().notNull().default([]),
    /** Where the next delta request goes: a nextLink mid-round, or the deltaLink between rounds. */
    cursor: text('cursor'),
    cursorKind: text('cursor_kind', { enum: ['next', 'delta'] }),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    lastError: text('last_error'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
    /**
     * The newest `receivedDateTime` a delta round recorded here (never later than the round): a folder
     * with recent mail is "hot" and polled every few seconds (sync/hot-folders.ts, decision 0021), since
     * Microsoft takes up to 3 minutes to notify. A backfill of old mail does not make a folder hot.
     */
    lastMailAt: timestamp('last_mail_at', { withTimezone: true }),
    /** When a hot folder's next polling round is due (claimed by one worker process at a time). */
    nextPollAt: timestamp('next_poll_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('monitored_folders_mailbox_folder_key').on(t.mailboxId, t.graphFolderId),
    index('monitored_folders_workspace_idx').on(t.workspaceId),
    // The poller reads the hot folders only: idle folders cost it nothing (10,000 folders, issue 22).
    index('monitored_folders_hot_idx')
      .on(t.lastMailAt)
      .where(sql`${t.active} and ${t.lastMailAt} is not null`),
  ],
);

/**
 * One message seen in one monitored folder: the unit of work. Unique on (folder, immutable id), so a
 * message is recorded — and processed — at most once per folder, whatever Graph or a crash replays.
 */
export const mailMessages = pgTable(
  'mail_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    folderId: uuid('folder_id')
      .notNull()
      .references(() => monitoredFolders.id, { onDelete: 'cascade' }),
    graphMessageId: text('graph_message_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }),
    subject: text('subject'),
    /** From the delta page: attachments are listed only when Graph says there are some (null: not known, list them). */
    hasAttachments: boolean('has_attachments'),
    /** pending → done (a document exists), failed (with the reason; Retry re-queues it), or gone (moved or deleted before it could be read: the delta of its new folder is the truth). */
    state: text('state', { enum: ['pending', 'done', 'failed', 'gone'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Set when Graph reported it removed from (or moved out of) the folder; the document stays. */
    removedAt: timestamp('removed_at', { withTimezone: true }),
    markerWritten: boolean('marker_written').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('mail_messages_folder_message_key').on(t.folderId, t.graphMessageId),
    index('mail_messages_folder_state_idx').on(t.folderId, t.state),
  ],
);

export interface StoredAttachment {
  name: string;
  contentType: string;
  size: number;
  kind: 'file' | 'item' | 'reference';
  /** Content address in the blob store (file and item attachments). */
  sha256?: string;
  /** Reference attachments are links, not content (also an email's `message/external-body` stubs). */
  url?: string;
  isInline?: boolean;
  /** The MIME part's Content-ID (without `<>`): the body's `cid:` images show this attachment. */
  contentId?: string;
  /** Named but not stored: beyond the attachments kept per email (decision 0014); the `.eml` has it. */
  notKept?: boolean;
}

export interface Recipient {
  name: string | null;
  address: string;
}

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const documentStatuses = ['new', 'approved', 'bounced', 'deleted', 'filtered'] as const;

/** What an email became. Unique on its work item: one document per (folder, message). */
export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id),
    /** The email's work item; null for a document uploaded through the API (`origin` 'upload'). */
    messageId: uuid('message_id').references(() => mailMessages.id, { onDelete: 'cascade' }),
    /** 'email': read from a mailbox; 'upload': sent to the API (an `.eml` or any file, issue 21 §2). */
    origin: text('origin', { enum: ['email', 'upload'] })
      .notNull()
      .default('email'),
    subject: text('subject').notNull(),
    fromAddress: text('from_address'),
    fromName: text('from_name'),
    to: jsonb('to').$type<Recipient[]>().notNull(),
    cc: jsonb('cc').$type<Recipient[]>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /** The email's own `Date` header (when the sender says it was sent); null when absent or unreadable. */
    sentAt: timestamp('sent_at', { withTimezone: true }),
    internetMessageId: text('internet_message_id'),
    /** Sanitised HTML (no scripts, no remote content) and the plain text. */
    bodyHtml: text('body_html'),
    /** The parser found no body: `body_text` is the raw text of the email's parts ("shown as plain text"). */
    bodyAsPlainText: boolean('body_as_plain_text').notNull().default(false),
    bodyText: text('body_text'),
    /** The original `.eml`; null only for an uploaded file that is not an email. */
    emlSha256: text('eml_sha256'),
    emlSize: bigint('eml_size', { mode: 'number' }),
    attachments: jsonb('attachments').$type<StoredAttachment[]>().notNull(),
    /** Denormalised origin, so that the inbox list filters by mailbox without joins. */
    mailboxId: uuid('mailbox_id'),
    /** new → approved | bounced | deleted; filtered = kept out of the inbox by the rule (with the reason). */
    status: text('status', { enum: documentStatuses }).notNull().default('new'),
    filterReason: text('filter_reason'),
    documentTypeId: uuid('document_type_id').references(() => documentTypes.id, { onDelete: 'set null' }),
    tagIds: uuid('tag_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /** Reprocessing re-applies the rules and makes a new version; the history keeps the old ones. */
    version: integer('version').notNull().default(1),
    /** Subject, sender and attachment names, split into words: what inbox search looks in. */
    searchText: text('search_text').notNull().default(''),
    search: tsvector('search').generatedAlwaysAs(sql`to_tsvector('simple', search_text)`),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Any change to the row (a trigger sets it: no code path can forget): what integrators poll with
     * `updatedSince` (issue 21).
     */
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** One more on every change (the same trigger): the document's ETag, for `If-Match` preconditions. */
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    uniqueIndex('documents_message_key').on(t.messageId),
    index('documents_workspace_updated_idx').on(t.workspaceId, t.updatedAt, t.id),
    index('documents_inbox_time_idx').on(t.inboxId, t.receivedAt, t.id),
    // Inbox view at a million documents (bench/inbox.ts): newest first within an inbox and status,
    // across inboxes of a workspace, by mailbox; tags and words through GIN.
    index('documents_inbox_status_time_idx').on(t.inboxId, t.status, t.receivedAt, t.id),
    index('documents_workspace_time_idx').on(t.workspaceId, t.receivedAt, t.id),
    index('documents_mailbox_time_idx').on(t.mailboxId, t.receivedAt, t.id),
    index('documents_tags_idx').using('gin', t.tagIds),
    index('documents_search_idx').using('gin', t.search),
  ],
);
