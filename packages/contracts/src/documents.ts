import { z } from 'zod';
import { said } from './said.ts';
import { OutflowRun } from './outflow.ts';
import { Metadata } from './inboxes.ts';
import { IsoTime } from './time.ts';

export const documentStatusValues = ['new', 'approved', 'bounced', 'deleted', 'filtered'] as const;
export const DocumentStatus = z.enum(documentStatusValues);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

export const Recipient = z.object({ name: z.string().nullable(), address: z.string() });
export const DocumentAttachment = z.object({
  index: z.number().int(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  kind: z.enum(['file', 'item', 'reference']),
  url: z.string().nullable(),
  /** PDF and raster images can be previewed (served inline, `?inline=1`); everything else downloads. */
  previewable: z.boolean(),
  /**
   * The name held bidirectional control characters, which can disguise its real extension
   * (`invoice\u202Efdp.exe` shows as "invoiceexe.pdf"). They were left out of `name` and of the
   * download's name; show a warning on this attachment.
   */
  bidiControlsRemoved: z.boolean(),
  /** Shown in the body (a `cid:` image); `contentId` is what the body's `cid:` reference names. */
  inline: z.boolean(),
  contentId: z.string().nullable(),
  /**
   * Named but not stored: Mailroom keeps the first 1,000 attachments of an email; the `.eml` holds
   * this one (it cannot be downloaded on its own).
   */
  notKept: z.boolean(),
});
export const DocumentSummary = z.object({
  id: z.uuid(),
  inboxId: z.uuid(),
  subject: z.string(),
  from: Recipient.nullable(),
  receivedAt: z.iso.datetime(),
  /** The email's own `Date` header: when the sender says it was sent (null: none, or unreadable). */
  sentAt: z.iso.datetime().nullable(),
  /** The last change to the document (status, type, tags, metadata, a new version): what `updatedSince` compares. */
  updatedAt: z.iso.datetime(),
  /** One more on every change: the `ETag`; send it back in `If-Match` to act only on what you read. */
  revision: z.number().int(),
  attachmentCount: z.number().int(),
  /** `email`: read from a mailbox (`mailbox` and `folder` say which); `upload`: sent to the API. */
  origin: z.enum(['email', 'upload']),
  mailbox: z.string(),
  folder: z.string(),
  status: DocumentStatus,
  /** Why the rule kept it out of the inbox (status `filtered`). */
  filterReason: z.string().nullable(),
  documentTypeId: z.uuid().nullable(),
  tagIds: z.array(z.uuid()),
});
export type DocumentSummary = z.infer<typeof DocumentSummary>;
export const DocumentList = z.object({ items: z.array(DocumentSummary), nextCursor: z.string().nullable() });
export type DocumentList = z.infer<typeof DocumentList>;

/**
 * GET documents. Without `status`, the inbox shows what needs or had work: new, approved and bounced
 * (deleted and filtered ones are asked for by status). Newest first; pass `nextCursor` back as `cursor`.
 */
export const DocumentQuery = z.object({
  inboxId: z.uuid().optional(),
  status: DocumentStatus.optional(),
  documentTypeId: z.uuid().optional(),
  tagId: z.uuid().optional(),
  mailboxId: z.uuid().optional(),
  /** Received on or after / before (ISO times). */
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  /** Sent (the email's `Date` header) on or after / before (ISO times); documents without one are left out. */
  sentFrom: IsoTime.optional(),
  sentTo: IsoTime.optional(),
  /** Words in the subject, the sender or attachment names (each a prefix; all must match). */
  q: z.string().max(200).optional(),
  /**
   * Changed on or after this time, whatever their status (deleted ones too), oldest change first: how
   * an integration catches up. Pass `nextCursor` back until it is null, then keep the last `updatedAt`.
   */
  updatedSince: IsoTime.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DocumentQuery = z.infer<typeof DocumentQuery>;

export const HistoryEntry = z.object({
  id: z.uuid(),
  at: z.iso.datetime(),
  kind: z.string(),
  actor: z.string().nullable(),
  version: z.number().int(),
  details: z.record(z.string(), z.unknown()),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const Document = DocumentSummary.extend({
  to: z.array(Recipient),
  cc: z.array(Recipient),
  internetMessageId: z.string().nullable(),
  /** Sanitised: no scripts, no remote content (remote images only with `?images=1`). */
  bodyHtml: z.string().nullable(),
  /** The body refers to remote images that were left out. */
  hasRemoteImages: z.boolean(),
  bodyText: z.string().nullable(),
  /**
   * The email's body could not be read as MIME (a part without a blank line after its headers, a
   * `Content-Type: text` without subtype): `bodyText` is its raw text, shown as plain text.
   */
  bodyAsPlainText: z.boolean(),
  /** Null for an uploaded file that is not an email: there is no `.eml` to download. */
  emlSize: z.number().int().nullable(),
  attachments: z.array(DocumentAttachment),
  metadata: z.record(z.string(), z.string()),
  version: z.number().int(),
  mailboxId: z.uuid().nullable(),
  folderId: z.uuid().nullable(),
  history: z.array(HistoryEntry),
  /** The outflow actions this document's events set off, with their state. */
  outflow: z.array(OutflowRun),
});
export type Document = z.infer<typeof Document>;

export const DocumentAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('approve') }),
  z.object({ action: z.literal('delete') }),
  z.object({
    action: z.literal('bounce'),
    reason: z
      .string()
      .trim()
      .min(1, { message: said('Say why.', 'Dites pourquoi.') })
      .max(1000),
  }),
  z.object({ action: z.literal('reprocess') }),
  /** A filtered email let into its inbox by hand. */
  z.object({ action: z.literal('release') }),
  /** A deleted document back from the trash (kept until the workspace's retention), as it was before. */
  z.object({ action: z.literal('restore') }),
  /** A bounced document back to work (new). */
  z.object({ action: z.literal('reopen') }),
]);
export type DocumentAction = z.infer<typeof DocumentAction>;

export const UpdateDocumentRequest = z.object({
  documentTypeId: z.uuid().nullable().optional(),
  tagIds: z.array(z.uuid()).max(50).optional(),
  metadata: Metadata.optional(),
});
export type UpdateDocumentRequest = z.infer<typeof UpdateDocumentRequest>;

/** Emails a folder's rule filtered (newest first) and how many today. */
export const FilteredList = z.object({ today: z.number().int(), items: z.array(DocumentSummary) });
export type FilteredList = z.infer<typeof FilteredList>;

/** The workspace's mailboxes (id and address), for the inbox's mailbox filter. */
export const MailboxOptions = z.object({ items: z.array(z.object({ id: z.uuid(), address: z.string() })) });
export type MailboxOptions = z.infer<typeof MailboxOptions>;
