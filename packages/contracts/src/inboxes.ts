import { z } from 'zod';
import { said } from './said.ts';
import { OutflowActions } from './outflow.ts';

/** Inbox, document type and tag names: refused in words past 80 characters, never cut (issue 19 §5). */
export const NAME_MAX = 80;
const Name = z
  .string()
  .trim()
  .min(1, { message: said('Enter a name.', 'Saisissez un nom.') })
  .max(NAME_MAX, {
    message: said(`Use at most ${NAME_MAX} characters.`, `Utilisez au plus ${NAME_MAX} caractères.`),
  });

/** An inbox as the people on its access list see it. */
export const Inbox = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: z.iso.datetime(),
  /** Created with the workspace; people who join are put on its access list (decision 0006). */
  isDefault: z.boolean(),
  archived: z.boolean(),
  /** Document types offered first in this inbox. */
  documentTypeIds: z.array(z.uuid()),
});
export type Inbox = z.infer<typeof Inbox>;
export const InboxList = z.object({ items: z.array(Inbox) });
export type InboxList = z.infer<typeof InboxList>;

/** Workspace settings → Inboxes (admins): every inbox, with its access list. */
/** Workspace settings → Inboxes (admins): every inbox, with its access list and its outflow actions. */
export const ManagedInbox = Inbox.extend({ memberIds: z.array(z.uuid()), outflow: OutflowActions });
export type ManagedInbox = z.infer<typeof ManagedInbox>;
export const ManagedInboxList = z.object({ items: z.array(ManagedInbox) });
export type ManagedInboxList = z.infer<typeof ManagedInboxList>;

/** The creator is always put on the access list of an inbox they create. */
export const CreateInboxRequest = z.object({
  name: Name,
  memberIds: z.array(z.uuid()).max(1000).optional(),
  documentTypeIds: z.array(z.uuid()).max(200).optional(),
});
export type CreateInboxRequest = z.infer<typeof CreateInboxRequest>;
export const UpdateInboxRequest = z.object({
  name: Name.optional(),
  archived: z.boolean().optional(),
  /** The whole access list (replaces it). */
  memberIds: z.array(z.uuid()).max(1000).optional(),
  documentTypeIds: z.array(z.uuid()).max(200).optional(),
  /** What Mailroom writes back to Outlook for the documents in this inbox (replaces the list). */
  outflow: OutflowActions.optional(),
});
export type UpdateInboxRequest = z.infer<typeof UpdateInboxRequest>;

export const DocumentType = z.object({ id: z.uuid(), name: z.string(), createdAt: z.iso.datetime() });
export type DocumentType = z.infer<typeof DocumentType>;
export const DocumentTypeList = z.object({ items: z.array(DocumentType) });
export type DocumentTypeList = z.infer<typeof DocumentTypeList>;
export const Tag = DocumentType;
export type Tag = DocumentType;
export const TagList = DocumentTypeList;
export type TagList = DocumentTypeList;
export const NameRequest = z.object({ name: Name });
export type NameRequest = z.infer<typeof NameRequest>;

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,63}$/, {
    message: said('Enter a domain such as contoso.com.', 'Saisissez un domaine tel que contoso.com.'),
  });
/** Senders from these domains are internal for inflow filtering (besides the tenant's own domains). */
export const InflowSettings = z.object({ internalDomains: z.array(Domain).max(100) });
export type InflowSettings = z.infer<typeof InflowSettings>;

export const MetadataKey = z.string().trim().min(1).max(64);
export const Metadata = z
  .record(MetadataKey, z.string().max(1000))
  .refine((m) => Object.keys(m).length <= 50, {
    message: said('At most 50 entries.', '50 entrées au plus.'),
  });

/** An inflow rule beyond inbox, start date and active: filtering and what every new document gets. */
export const RuleFields = z.object({
  /** Skip internal senders and automated mail (auto-replies, delivery reports, bulk and list mail). */
  filterInflow: z.boolean(),
  /**
   * Write a hidden "processed" marker (naming the folder) on each message in Outlook. On by default;
   * off saves one Graph request per email as Microsoft counts them. Exactly-once never depends on it.
   */
  writeMarker: z.boolean(),
  documentTypeId: z.uuid().nullable(),
  tagIds: z.array(z.uuid()).max(50),
  metadata: Metadata,
  /** What Mailroom writes back to Outlook for the documents this rule creates (replaces the list). */
  outflow: OutflowActions,
});
export type RuleFields = z.infer<typeof RuleFields>;
