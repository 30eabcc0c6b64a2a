import { z } from 'zod';
import { ProblemCause } from './connection.ts';
import { RuleFields } from './inboxes.ts';
import { OutflowPermissions } from './outflow.ts';
import { IsoTime } from './time.ts';

/** A mailbox of the tenant as the directory shows it, before or after it is chosen. */
export const DirectoryEntry = z.object({
  graphUserId: z.string(),
  address: z.string(),
  displayName: z.string(),
  kind: z.enum(['user', 'shared', 'room', 'unknown']),
});
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;
/** Another connector of the workspace that reads a mailbox (a mailbox has one reader per workspace). */
export const MailboxReader = z.object({
  mailboxId: z.uuid(),
  connectorId: z.uuid(),
  connectorName: z.string(),
});
export type MailboxReader = z.infer<typeof MailboxReader>;
export const DirectoryListEntry = DirectoryEntry.extend({ readBy: MailboxReader.nullable() });
export type DirectoryListEntry = z.infer<typeof DirectoryListEntry>;
export const DirectoryList = z.object({ items: z.array(DirectoryListEntry) });
export type DirectoryList = z.infer<typeof DirectoryList>;

export const mailboxAccessValues = [
  'readable',
  'mailbox_blocked_by_policy',
  'mailbox_no_rights',
  'mailbox_not_enabled',
  'unknown',
] as const;
export const MailboxAccess = z.enum(mailboxAccessValues);
export type MailboxAccess = z.infer<typeof MailboxAccess>;

export const AccessTestRequest = z.object({
  graphUserIds: z.array(z.string().min(1).max(200)).min(1).max(50),
});
/**
 * What keeps an app-only connection out of a mailbox, when the answer tells: a (legacy) application
 * access policy, or RBAC for Applications — the app has no tenant-wide mail permission in Entra, and
 * no role assignment's management scope holds the mailbox.
 */
export const MailboxDenial = z.enum(['application_access_policy', 'rbac_scope']);
export type MailboxDenial = z.infer<typeof MailboxDenial>;
export const AccessTestResult = z.object({
  items: z.array(
    z.object({
      graphUserId: z.string(),
      access: MailboxAccess,
      detail: z.string().nullable(),
      deniedBy: MailboxDenial.nullable(),
    }),
  ),
});
export type AccessTestResult = z.infer<typeof AccessTestResult>;

/** Confirm: the connector reads exactly these mailboxes (others are removed, with their folders). */
export const SetMailboxesRequest = z.object({ mailboxes: z.array(DirectoryEntry).max(500) });
export type SetMailboxesRequest = z.infer<typeof SetMailboxesRequest>;
/** The connector (of the same workspace) that reads the mailbox from now on. */
export const MoveMailboxRequest = z.object({ connectorId: z.uuid() });
export type MoveMailboxRequest = z.infer<typeof MoveMailboxRequest>;

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

/**
 * The connector's own problem (a refused sign-in, withdrawn consent, a bad secret…) while it has lost
 * access: its mailboxes and folders are not read until it is fixed, whatever their last check said.
 */
export const ConnectorBlock = z.object({
  connectorId: z.uuid(),
  cause: ProblemCause,
  since: z.iso.datetime().nullable(),
});
export type ConnectorBlock = z.infer<typeof ConnectorBlock>;

export const FolderStatus = z.object({
  id: z.uuid(),
  graphFolderId: z.string(),
  displayName: z.string(),
  inboxId: z.uuid(),
  processFrom: z.iso.datetime(),
  active: z.boolean(),
  ...RuleFields.shape,
  /** Emails this folder's rule kept out of the inbox today (listed at the folder's /filtered). */
  filteredToday: z.number().int(),
  lastSyncAt: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
  processedToday: z.number().int(),
  processedTotal: z.number().int(),
  /** Recorded, not yet processed (a backlog while catching up). */
  pending: z.number().int(),
  failed: z.number().int(),
  delivery: FolderDelivery,
  /** Not read while the connector has lost access (see ConnectorBlock). */
  blockedBy: ConnectorBlock.nullable(),
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
  /** What outflow actions the connection may run on this mailbox (the rule editor warns before saving). */
  outflowPermissions: OutflowPermissions,
  /** Not read while the connector has lost access: shown instead of `access` (see ConnectorBlock). */
  blockedBy: ConnectorBlock.nullable(),
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
  /** Mail received from then on is read. A new folder without it starts at 00:00 UTC today; the web
   *  app sends the start of the user's own day. An existing folder keeps its date when it is left out. */
  processFrom: IsoTime.optional(),
  active: z.boolean().optional(),
});
export const SetFoldersRequest = z.object({ folders: z.array(MonitoredFolderInput).max(100) });
export type SetFoldersRequest = z.infer<typeof SetFoldersRequest>;

export const UpdateFolderRequest = z.object({
  inboxId: z.uuid().optional(),
  processFrom: IsoTime.optional(),
  active: z.boolean().optional(),
  ...RuleFields.partial().shape,
});
export type UpdateFolderRequest = z.infer<typeof UpdateFolderRequest>;

export const FailedMessage = z.object({
  id: z.uuid(),
  subject: z.string().nullable(),
  receivedAt: z.iso.datetime().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
});
export const FailedMessageList = z.object({ items: z.array(FailedMessage) });

/** Sandbox only: deliver a generated email into a mailbox of the sandbox tenant. */
export const TestEmailRequest = z.object({
  address: z.email(),
  sender: z.enum(['internal', 'external']),
  attachments: z.boolean(),
});
export type TestEmailRequest = z.infer<typeof TestEmailRequest>;
