/**
 * The mailbox data model: what Exchange Online keeps per mailbox and Graph exposes as
 * `mailFolder`, `message`, `attachment` and `outlookCategory` (reference §2.2, §2.4).
 */

export interface EmailAddress {
  name: string;
  address: string;
}
export interface Recipient {
  emailAddress: EmailAddress;
}

export interface FollowupFlag {
  flagStatus: 'notFlagged' | 'flagged' | 'complete';
  startDateTime?: { dateTime: string; timeZone: string };
  dueDateTime?: { dateTime: string; timeZone: string };
  completedDateTime?: { dateTime: string; timeZone: string };
}

export interface ItemBody {
  contentType: 'html' | 'text';
  content: string;
}

/** A single-value extended property (MAPI named property), e.g. `String {guid} Name ProcessedBy`. */
export interface ExtendedProperty {
  id: string;
  value: string;
}

export interface Attachment {
  /** Per-message number, part of the attachment id. */
  no: number;
  kind: 'file' | 'item' | 'reference';
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId: string | null;
  contentLocation: string | null;
  lastModifiedMs: number;
  /** File attachments: the bytes. Item attachments: the attached message's MIME. */
  content?: Buffer;
  /** Reference attachments: the link (OneDrive/SharePoint). */
  sourceUrl?: string;
}

export interface Message {
  /** Per-mailbox number: encoded in both id formats, never reused. */
  no: number;
  folderNo: number;
  /** Bumped by every move: REST ids encode it, so they change on move; immutable ids do not. */
  moveGen: number;
  internetMessageId: string;
  conversationId: string;
  conversationIndex: string;
  receivedMs: number;
  sentMs: number;
  createdMs: number;
  lastModifiedMs: number;
  from: Recipient | null;
  sender: Recipient | null;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  subject: string;
  body: ItemBody;
  /** The part of the body new in this message (we do not diff threads: same as body). */
  importance: 'low' | 'normal' | 'high';
  isRead: boolean;
  isDraft: boolean;
  isDeliveryReceiptRequested: boolean;
  isReadReceiptRequested: boolean;
  flag: FollowupFlag;
  inferenceClassification: 'focused' | 'other';
  categories: string[];
  /** Version counter behind `changeKey` / `@odata.etag`. */
  version: number;
  internetMessageHeaders: { name: string; value: string }[];
  /** Keyed by the normalised property id (see `extendedPropertyKey`). */
  extended: Map<string, ExtendedProperty>;
  attachments: Attachment[];
  nextAttachmentNo: number;
  /** The original RFC 822 bytes when the message came from MIME (served verbatim by `$value`). */
  mime?: Buffer;
  /** Mailbox change sequence of the last change (delta). */
  seq: number;
  /** Sequence at which the message entered its current folder (created / moved in). */
  folderSeq: number;
  /** Sequence of the last change of each property changed after creation (delta sends only these). */
  propSeq: Record<string, number>;
}

/** A message that left a folder (deleted or moved out), for delta `@removed`. */
export interface Removal {
  seq: number;
  restId: string;
  immutableId: string;
  /** The message's number (the A→B→A delta quirk finds a message that came back by it). */
  no?: number;
}

export interface MailFolder {
  no: number;
  displayName: string;
  /** 0 for folders outside the IPM subtree (recoverable items, search folders root). */
  parentNo: number;
  wellKnownName: string | null;
  isHidden: boolean;
  messages: Map<number, Message>;
  removals: Removal[];
  /** Mailbox sequence of the last change that touched this folder (a delta round with nothing newer is empty). */
  changeSeq: number;
}

export interface OutlookCategory {
  id: string;
  displayName: string;
  color: string;
}

export interface Mailbox {
  userId: string;
  tenantId: string;
  /** 16 bytes of the user's object id, embedded in every item id. */
  key: Buffer;
  folders: Map<number, MailFolder>;
  messages: Map<number, Message>;
  nextMessageNo: number;
  nextFolderNo: number;
  /** Change sequence: every create/update/move/delete takes the next value. */
  seq: number;
  masterCategories: OutlookCategory[];
}

export type ChangeType = 'created' | 'updated' | 'deleted';

/** A change the store reports to subscriptions. */
export interface MailChange {
  mailbox: Mailbox;
  folderNo: number;
  message: Message;
  changeType: ChangeType;
}
