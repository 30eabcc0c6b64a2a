import { z } from 'zod';

/** A mailbox of the tenant as the directory shows it, before or after it is chosen. */
export const DirectoryEntry = z.object({
  graphUserId: z.string(),
  address: z.string(),
  displayName: z.string(),
  kind: z.enum(['user', 'shared', 'room', 'unknown']),
});
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;
export const DirectoryList = z.object({ items: z.array(DirectoryEntry) });
export type DirectoryList = z.infer<typeof DirectoryList>;

export const mailboxAccessValues = ['readable', 'mailbox_blocked_by_policy', 'mailbox_no_rights', 'mailbox_not_enabled', 'unknown'] as const;
export const MailboxAccess = z.enum(mailboxAccessValues);
export type MailboxAccess = z.infer<typeof MailboxAccess>;

export const AccessTestRequest = z.object({ graphUserIds: z.array(z.string().min(1).max(200)).min(1).max(50) });
export const AccessTestResult = z.object({
  items: z.array(z.object({ graphUserId: z.string(), access: MailboxAccess, detail: z.string().nullable() })),
});
export type AccessTestResult = z.infer<typeof AccessTestResult>;

/** Confirm: the connector reads exactly these mailboxes (others are removed, with their folders). */
export const SetMailboxesRequest = z.object({ mailboxes: z.array(DirectoryEntry).max(500) });
export type SetMailboxesRequest = z.infer<typeof SetMailboxesRequest>;

/**
 * How new mail reaches Mailroom for a folder: pushed by Microsoft (change notifications), or found by
 * the reconciliation round every `pollMinutes` (which also runs alongside push, as a safety net).
 */
export const FolderDelivery = z.object({
  mode: z.enum(['push', 'polling']),
  /** Why it is polled: push off, a delegated shared mailbox (Microsoft sends nothing), being set up, or failed (see `detail`). */
  reason: z.enum(['inactive', 'disabled', 'delegated_shared_mailbox', 'setting_up', 'failed']).nullable(),
  detail: z.string().nullable(),
  pollMinutes: z.number(),
  subscriptionExpiresAt: z.iso.datetime().nullable(),
  lastNotificationAt: z.iso.datetime().nullable(),
  /** Notifications refused (wrong clientState) for this folder's subscription. */
  rejectedNotifications: z.number().int(),
});
export type FolderDelivery = z.infer<typeof FolderDelivery>;

export const FolderStatus = z.object({
  id: z.uuid(),
  graphFolderId: z.string(),
  displayName: z.string(),
  inboxId: z.uuid(),
  processFrom: z.iso.datetime(),
  active: z.boolean(),
  lastSyncAt: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
  processedToday: z.number().int(),
  processedTotal: z.number().int(),
  /** Recorded, not yet processed (a backlog while catching up). */
  pending: z.number().int(),
  failed: z.number().int(),
  delivery: FolderDelivery,
});
export type FolderStatus = z.infer<typeof FolderStatus>;

export const Mailbox = z.object({
  id: z.uuid(),
  connectorId: z.uuid(),
  graphUserId: z.string(),
  address: z.string(),
  displayName: z.string(),
  kind: z.enum(['user', 'shared', 'room', 'unknown']),
  access: MailboxAccess,
  accessDetail: z.string().nullable(),
  accessCheckedAt: z.iso.datetime().nullable(),
  folders: z.array(FolderStatus),
});
export type Mailbox = z.infer<typeof Mailbox>;
export const MailboxList = z.object({ items: z.array(Mailbox) });
export type MailboxList = z.infer<typeof MailboxList>;

export const GraphFolderEntry = z.object({
  graphFolderId: z.string(),
  displayName: z.string(),
  childFolderCount: z.number().int(),
  totalItemCount: z.number().int().nullable(),
});
export const FolderTree = z.object({ items: z.array(GraphFolderEntry) });
export type FolderTree = z.infer<typeof FolderTree>;

/** The folders to monitor, each with its (minimal) inflow rule. Nothing is read until `active`. */
export const MonitoredFolderInput = z.object({
  graphFolderId: z.string().min(1).max(500),
  displayName: z.string().min(1).max(255),
  inboxId: z.uuid().optional(),
  processFrom: z.iso.datetime().optional(),
  active: z.boolean().optional(),
});
export const SetFoldersRequest = z.object({ folders: z.array(MonitoredFolderInput).max(100) });
export type SetFoldersRequest = z.infer<typeof SetFoldersRequest>;

export const UpdateFolderRequest = z.object({ inboxId: z.uuid().optional(), processFrom: z.iso.datetime().optional(), active: z.boolean().optional() });
export type UpdateFolderRequest = z.infer<typeof UpdateFolderRequest>;

export const Inbox = z.object({ id: z.uuid(), name: z.string(), createdAt: z.iso.datetime() });
export type Inbox = z.infer<typeof Inbox>;
export const InboxList = z.object({ items: z.array(Inbox) });
export type InboxList = z.infer<typeof InboxList>;
export const CreateInboxRequest = z.object({ name: z.string().trim().min(1, { message: 'Enter a name.' }).max(80) });

export const Recipient = z.object({ name: z.string().nullable(), address: z.string() });
export const DocumentAttachment = z.object({
  index: z.number().int(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  kind: z.enum(['file', 'item', 'reference']),
  url: z.string().nullable(),
});
export const DocumentSummary = z.object({
  id: z.uuid(),
  inboxId: z.uuid(),
  subject: z.string(),
  from: Recipient.nullable(),
  receivedAt: z.iso.datetime(),
  attachmentCount: z.number().int(),
  mailbox: z.string(),
  folder: z.string(),
});
export type DocumentSummary = z.infer<typeof DocumentSummary>;
export const DocumentList = z.object({ items: z.array(DocumentSummary), nextCursor: z.string().nullable() });
export type DocumentList = z.infer<typeof DocumentList>;
export const Document = DocumentSummary.extend({
  to: z.array(Recipient),
  cc: z.array(Recipient),
  internetMessageId: z.string().nullable(),
  /** Sanitised: no scripts, no remote content. */
  bodyHtml: z.string().nullable(),
  bodyText: z.string().nullable(),
  emlSize: z.number().int(),
  attachments: z.array(DocumentAttachment),
});
export type Document = z.infer<typeof Document>;

export const FailedMessage = z.object({ id: z.uuid(), subject: z.string().nullable(), receivedAt: z.iso.datetime().nullable(), attempts: z.number().int(), lastError: z.string().nullable() });
export const FailedMessageList = z.object({ items: z.array(FailedMessage) });

/** Sandbox only: deliver a generated email into a mailbox of the sandbox tenant. */
export const TestEmailRequest = z.object({ address: z.email(), sender: z.enum(['internal', 'external']), attachments: z.boolean() });
export type TestEmailRequest = z.infer<typeof TestEmailRequest>;
