import { createHash, randomBytes } from 'node:crypto';
import type { User } from '../tenant/model.ts';
import { guidBytes, ids } from './ids.ts';
import type {
  Attachment,
  ChangeType,
  ExtendedProperty,
  FollowupFlag,
  ItemBody,
  MailChange,
  MailFolder,
  Mailbox,
  Message,
  Recipient,
} from './model.ts';

/** What a new message may say; the rest gets Exchange's defaults. */
export interface MessageInit {
  subject?: string;
  body?: ItemBody;
  from?: Recipient | null;
  sender?: Recipient | null;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  receivedMs?: number;
  sentMs?: number;
  isRead?: boolean;
  isDraft?: boolean;
  importance?: 'low' | 'normal' | 'high';
  flag?: FollowupFlag;
  categories?: string[];
  internetMessageId?: string;
  conversationId?: string;
  internetMessageHeaders?: { name: string; value: string }[];
  singleValueExtendedProperties?: ExtendedProperty[];
  attachments?: AttachmentInit[];
  inferenceClassification?: 'focused' | 'other';
  mime?: Buffer;
}

export interface AttachmentInit {
  kind?: 'file' | 'item' | 'reference';
  name: string;
  contentType?: string;
  content?: Buffer;
  isInline?: boolean;
  contentId?: string | null;
  sourceUrl?: string;
}

/** Folders every Exchange mailbox has: [wellKnownName, displayName, parentWellKnown, hidden]. */
const DEFAULT_FOLDERS: [string, string, string | null, boolean][] = [
  ['msgfolderroot', 'Top of Information Store', null, false],
  ['inbox', 'Inbox', 'msgfolderroot', false],
  ['drafts', 'Drafts', 'msgfolderroot', false],
  ['sentitems', 'Sent Items', 'msgfolderroot', false],
  ['deleteditems', 'Deleted Items', 'msgfolderroot', false],
  ['junkemail', 'Junk Email', 'msgfolderroot', false],
  ['outbox', 'Outbox', 'msgfolderroot', false],
  ['archive', 'Archive', 'msgfolderroot', false],
  ['conversationhistory', 'Conversation History', 'msgfolderroot', false],
  ['syncissues', 'Sync Issues', 'msgfolderroot', true],
  ['conflicts', 'Conflicts', 'syncissues', true],
  ['localfailures', 'Local Failures', 'syncissues', true],
  ['serverfailures', 'Server Failures', 'syncissues', true],
  ['scheduled', 'Scheduled', 'msgfolderroot', true],
  // Outside the IPM subtree: reachable by well-known name only.
  ['searchfolders', 'Finder', null, true],
  ['recoverableitemsdeletions', 'Deletions', null, true],
];

export type ChangeListener = (c: MailChange) => void;

/** Message numbers recorded as used ahead of handing them out, a block at a time. */
const NUMBER_BLOCK = 100_000;

/** Every mailbox of the emulated Exchange Online, in memory. */
export class MailStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly byKey = new Map<string, Mailbox>();
  private readonly listeners: ChangeListener[] = [];
  private readonly now: () => number;
  /**
   * Message numbers (in both id formats) come from one counter that starts where no earlier run of
   * this emulator can have reached (issue 22 §1.7: Exchange never reuses an id, and a client that kept
   * an id across an emulator restart must not find another message under it): see `continueNumbers`.
   */
  private nextNo = 1;
  private reservedTo = Infinity;
  private reserve: ((upTo: number) => void) | undefined;

  constructor(now: () => number) {
    this.now = now;
  }

  /**
   * Message numbers from `floor` on; with `reserve`, numbers are taken in blocks and each block is
   * recorded (`reserve(end)`, synchronously) before its first number is handed out, so a restart —
   * even after a kill — starts past every number used.
   */
  continueNumbers(floor: number, reserve?: (upTo: number) => void): void {
    this.nextNo = Math.max(this.nextNo, floor);
    this.reserve = reserve;
    this.reservedTo = reserve ? this.nextNo : Infinity;
  }

  private allocateNo(): number {
    if (this.nextNo >= this.reservedTo) {
      this.reservedTo = this.nextNo + NUMBER_BLOCK;
      this.reserve!(this.reservedTo);
    }
    return this.nextNo++;
  }

  onChange(fn: ChangeListener): void {
    this.listeners.push(fn);
  }

  private emit(mailbox: Mailbox, folderNo: number, message: Message, changeType: ChangeType): void {
    for (const l of this.listeners) l({ mailbox, folderNo, message, changeType });
  }

  clear(): void {
    this.mailboxes.clear();
    this.byKey.clear();
  }

  /** The user's mailbox, created (empty, default folders) on first use. */
  mailbox(user: User): Mailbox {
    let m = this.mailboxes.get(user.id);
    if (m) return m;
    m = {
      userId: user.id,
      tenantId: user.tenantId,
      key: guidBytes(user.id),
      folders: new Map(),
      messages: new Map(),
      nextMessageNo: 1,
      nextFolderNo: 1,
      seq: 0,
      masterCategories: defaultCategories(),
    };
    const byName = new Map<string, number>();
    for (const [wk, name, parent, hidden] of DEFAULT_FOLDERS) {
      const f = this.addFolder(m, name, parent ? byName.get(parent)! : 0, hidden, wk);
      byName.set(wk, f.no);
    }
    this.mailboxes.set(user.id, m);
    this.byKey.set(m.key.toString('hex'), m);
    return m;
  }

  /** Puts back a mailbox saved earlier (`mail/persist.ts`). */
  restore(m: Mailbox): void {
    this.mailboxes.set(m.userId, m);
    this.byKey.set(m.key.toString('hex'), m);
    for (const no of m.messages.keys()) this.nextNo = Math.max(this.nextNo, no + 1);
  }

  existing(userId: string): Mailbox | undefined {
    return this.mailboxes.get(userId);
  }

  all(): Mailbox[] {
    return [...this.mailboxes.values()];
  }

  addFolder(
    m: Mailbox,
    displayName: string,
    parentNo: number,
    isHidden = false,
    wellKnownName: string | null = null,
  ): MailFolder {
    const f: MailFolder = {
      no: m.nextFolderNo++,
      displayName,
      parentNo,
      wellKnownName,
      isHidden,
      messages: new Map(),
      removals: [],
      changeSeq: 0,
    };
    m.folders.set(f.no, f);
    return f;
  }

  wellKnown(m: Mailbox, name: string): MailFolder | undefined {
    const n = name.toLowerCase();
    for (const f of m.folders.values()) if (f.wellKnownName === n) return f;
    return undefined;
  }

  childFolders(m: Mailbox, parentNo: number, includeHidden: boolean): MailFolder[] {
    return [...m.folders.values()].filter(
      (f) => f.parentNo === parentNo && (includeHidden || !f.isHidden) && f.parentNo !== 0,
    );
  }

  // ---- ids ----
  restId(m: Mailbox, msg: Message): string {
    return ids.rest(m.key, msg.no, msg.folderNo, msg.moveGen);
  }
  immutableId(m: Mailbox, msg: Message): string {
    return ids.immutable(m.key, msg.no);
  }
  folderId(m: Mailbox, f: MailFolder | number): string {
    return ids.folder(m.key, typeof f === 'number' ? f : f.no);
  }
  attachmentId(m: Mailbox, msg: Message, a: Attachment): string {
    return ids.attachment(m.key, msg.no, a.no);
  }

  // ---- messages ----
  addMessage(m: Mailbox, folder: MailFolder, init: MessageInit): Message {
    const now = this.now();
    const seq = ++m.seq;
    const subject = init.subject ?? '';
    // The mailbox's own count still seeds generated content (same demo mail every run).
    m.nextMessageNo++;
    const msg: Message = {
      no: this.allocateNo(),
      folderNo: folder.no,
      moveGen: 0,
      internetMessageId:
        init.internetMessageId ?? `<${randomBytes(12).toString('hex')}@emulator.outlook.local>`,
      conversationId: init.conversationId ?? conversationIdFor(m, subject),
      conversationIndex: Buffer.concat([Buffer.from([0x01]), randomBytes(21)]).toString('base64'),
      receivedMs: init.receivedMs ?? now,
      sentMs: init.sentMs ?? init.receivedMs ?? now,
      createdMs: init.receivedMs ?? now,
      lastModifiedMs: init.receivedMs ?? now,
      from: init.from ?? null,
      sender: init.sender ?? init.from ?? null,
      toRecipients: init.toRecipients ?? [],
      ccRecipients: init.ccRecipients ?? [],
      bccRecipients: init.bccRecipients ?? [],
      replyTo: init.replyTo ?? [],
      subject,
      body: init.body ?? { contentType: 'html', content: '' },
      importance: init.importance ?? 'normal',
      isRead: init.isRead ?? false,
      isDraft: init.isDraft ?? false,
      isDeliveryReceiptRequested: false,
      isReadReceiptRequested: false,
      flag: init.flag ?? { flagStatus: 'notFlagged' },
      inferenceClassification: init.inferenceClassification ?? 'focused',
      categories: init.categories ?? [],
      version: 1,
      internetMessageHeaders: init.internetMessageHeaders ?? [],
      extended: new Map(),
      attachments: [],
      nextAttachmentNo: 1,
      seq,
      folderSeq: seq,
      propSeq: {},
    };
    if (init.mime) msg.mime = init.mime;
    for (const p of init.singleValueExtendedProperties ?? [])
      msg.extended.set(extendedPropertyKey(p.id), { ...p });
    for (const a of init.attachments ?? []) this.attach(msg, a, now);
    m.messages.set(msg.no, msg);
    folder.messages.set(msg.no, msg);
    folder.changeSeq = seq;
    this.emit(m, folder.no, msg, 'created');
    return msg;
  }

  private attach(msg: Message, a: AttachmentInit, now: number): Attachment {
    const kind = a.kind ?? 'file';
    const att: Attachment = {
      no: msg.nextAttachmentNo++,
      kind,
      name: a.name,
      contentType: a.contentType ?? (kind === 'item' ? 'message/rfc822' : 'application/octet-stream'),
      size: a.content?.length ?? 0,
      isInline: a.isInline ?? false,
      contentId: a.contentId ?? null,
      contentLocation: null,
      lastModifiedMs: now,
    };
    if (a.content) att.content = a.content;
    if (a.sourceUrl) att.sourceUrl = a.sourceUrl;
    msg.attachments.push(att);
    return att;
  }

  /** Adds an attachment to an existing message (a draft): an update for delta. */
  addAttachment(m: Mailbox, msg: Message, a: AttachmentInit): Attachment {
    const att = this.attach(msg, a, this.now());
    this.touch(m, msg, ['hasAttachments']);
    return att;
  }

  /** Records an update of the given properties (already applied by the caller). */
  touch(m: Mailbox, msg: Message, props: readonly string[]): void {
    const seq = ++m.seq;
    msg.seq = seq;
    msg.version++;
    msg.lastModifiedMs = Math.max(this.now(), msg.lastModifiedMs + 1);
    for (const p of props) msg.propSeq[p] = seq;
    m.folders.get(msg.folderNo)!.changeSeq = seq;
    this.emit(m, msg.folderNo, msg, 'updated');
  }

  /** Moves a message: a new REST id, a removal in the old folder, a creation in the new one. */
  move(m: Mailbox, msg: Message, dest: MailFolder): Message {
    if (dest.no === msg.folderNo) return msg;
    const from = m.folders.get(msg.folderNo)!;
    const seq = ++m.seq;
    from.messages.delete(msg.no);
    from.removals.push({
      seq,
      restId: this.restId(m, msg),
      immutableId: this.immutableId(m, msg),
      no: msg.no,
    });
    from.changeSeq = seq;
    dest.changeSeq = seq;
    this.emit(m, from.no, msg, 'deleted');
    msg.folderNo = dest.no;
    msg.moveGen++;
    msg.seq = seq;
    msg.folderSeq = seq;
    msg.version++;
    msg.lastModifiedMs = Math.max(this.now(), msg.lastModifiedMs + 1);
    dest.messages.set(msg.no, msg);
    this.emit(m, dest.no, msg, 'created');
    return msg;
  }

  /** A copy is a new item (new ids, same content) in the destination folder. */
  copy(m: Mailbox, msg: Message, dest: MailFolder): Message {
    const c = this.addMessage(m, dest, {
      subject: msg.subject,
      body: { ...msg.body },
      from: msg.from,
      sender: msg.sender,
      toRecipients: msg.toRecipients,
      ccRecipients: msg.ccRecipients,
      bccRecipients: msg.bccRecipients,
      replyTo: msg.replyTo,
      receivedMs: msg.receivedMs,
      sentMs: msg.sentMs,
      isRead: msg.isRead,
      isDraft: msg.isDraft,
      importance: msg.importance,
      flag: { ...msg.flag },
      categories: [...msg.categories],
      internetMessageId: msg.internetMessageId,
      conversationId: msg.conversationId,
      internetMessageHeaders: msg.internetMessageHeaders,
      singleValueExtendedProperties: [...msg.extended.values()],
      attachments: msg.attachments.map((a) => ({
        kind: a.kind,
        name: a.name,
        contentType: a.contentType,
        isInline: a.isInline,
        contentId: a.contentId,
        ...(a.content ? { content: a.content } : {}),
        ...(a.sourceUrl ? { sourceUrl: a.sourceUrl } : {}),
      })),
      ...(msg.mime ? { mime: msg.mime } : {}),
    });
    return c;
  }

  /** Hard delete (DELETE /messages/{id} lands in Recoverable Items; not visible to delta any more). */
  remove(m: Mailbox, msg: Message): void {
    const bin = this.wellKnown(m, 'recoverableitemsdeletions')!;
    this.move(m, msg, bin);
  }

  /** Finds a message by a REST or immutable id's fields (stale REST ids do not resolve). */
  findMessage(m: Mailbox, no: number, rest?: { folderNo: number; moveGen: number }): Message | undefined {
    const msg = m.messages.get(no);
    if (!msg) return undefined;
    if (rest && (rest.folderNo !== msg.folderNo || rest.moveGen !== msg.moveGen)) return undefined;
    return msg;
  }

  mailboxByKey(key: Buffer): Mailbox | undefined {
    return this.byKey.get(key.toString('hex'));
  }

  /** Number of messages kept (for the control API / benchmarks). */
  count(): number {
    let n = 0;
    for (const m of this.mailboxes.values()) n += m.messages.size;
    return n;
  }
}

/**
 * Extended property ids compare case-insensitively except the `Name` part (reference §2.4):
 * `String {GUID} Name ProcessedBy` — type and GUID lower-cased, name kept.
 */
export function extendedPropertyKey(id: string): string {
  const m = /^\s*(\S+)\s+(\{[^}]+\}|[0-9a-f-]{36})\s+(name|id)\s+(.+?)\s*$/i.exec(id);
  if (!m) return id.trim().toLowerCase();
  const kind = m[3]!.toLowerCase();
  return `${m[1]!.toLowerCase()} ${m[2]!.toLowerCase().replace(/[{}]/g, '')} ${kind} ${kind === 'name' ? m[4] : m[4]!.toLowerCase()}`;
}

/** Same conversation for the same subject without RE:/FW: prefixes. */
function conversationIdFor(m: Mailbox, subject: string): string {
  const topic = subject
    .replace(/^((re|fw|fwd|aw|tr)\s*:\s*)+/i, '')
    .trim()
    .toLowerCase();
  const h = createHash('sha256').update(m.key).update(topic).digest();
  return Buffer.concat([Buffer.from([0x00, 0x03, 0x24, 0x00, 0x10]), m.key, h.subarray(0, 16)])
    .toString('base64')
    .replace(/\//g, '-')
    .replace(/\+/g, '_');
}

function defaultCategories() {
  return [
    { id: 'a4b1f3d0-0000-4000-8000-000000000001', displayName: 'Red category', color: 'preset0' },
    { id: 'a4b1f3d0-0000-4000-8000-000000000002', displayName: 'Orange category', color: 'preset1' },
    { id: 'a4b1f3d0-0000-4000-8000-000000000003', displayName: 'Yellow category', color: 'preset3' },
    { id: 'a4b1f3d0-0000-4000-8000-000000000004', displayName: 'Green category', color: 'preset4' },
    { id: 'a4b1f3d0-0000-4000-8000-000000000005', displayName: 'Blue category', color: 'preset7' },
    { id: 'a4b1f3d0-0000-4000-8000-000000000006', displayName: 'Purple category', color: 'preset8' },
  ];
}
