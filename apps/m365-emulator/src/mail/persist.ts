import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { guidBytes } from './ids.ts';
import type { Attachment, MailFolder, Mailbox, Message, Removal } from './model.ts';
import { extendedPropertyKey, type MailStore } from './store.ts';

/**
 * The mail of every mailbox as JSON, so that a sandbox tenant's mail, categories and sent items
 * survive a restart (issue 22 §1.7) instead of being generated again. Bytes (MIME, attachments) are
 * base64; delta tokens are not kept (a client's old deltaLink answers SyncStateNotFound, as an
 * evicted one does on Microsoft), the removals they read are.
 */
interface SavedAttachment extends Omit<Attachment, 'content'> {
  content?: string;
}
interface SavedMessage extends Omit<Message, 'extended' | 'attachments' | 'mime'> {
  extended: { id: string; value: string }[];
  attachments: SavedAttachment[];
  mime?: string;
}
interface SavedFolder extends Omit<MailFolder, 'messages'> {
  removals: Removal[];
}
interface SavedMailbox extends Omit<Mailbox, 'key' | 'folders' | 'messages'> {
  folders: SavedFolder[];
  messages: SavedMessage[];
}
export interface MailData {
  version: 1;
  mailboxes: SavedMailbox[];
}

function saveMessage(msg: Message): SavedMessage {
  const { extended, attachments, mime, ...rest } = msg;
  return {
    ...rest,
    extended: [...extended.values()],
    attachments: attachments.map(({ content, ...a }) => ({
      ...a,
      ...(content ? { content: content.toString('base64') } : {}),
    })),
    ...(mime ? { mime: mime.toString('base64') } : {}),
  };
}

function loadMessage(saved: SavedMessage): Message {
  const { extended, attachments, mime, ...rest } = saved;
  const msg: Message = {
    ...rest,
    extended: new Map(extended.map((e) => [extendedPropertyKey(e.id), e])),
    attachments: attachments.map(({ content, ...a }) => ({
      ...a,
      ...(content !== undefined ? { content: Buffer.from(content, 'base64') } : {}),
    })),
  };
  if (mime !== undefined) msg.mime = Buffer.from(mime, 'base64');
  return msg;
}

export function mailToData(store: MailStore): MailData {
  return {
    version: 1,
    mailboxes: store.all().map((m) => {
      const { key: _key, folders, messages, ...rest } = m;
      return {
        ...rest,
        folders: [...folders.values()].map(({ messages: _messages, ...f }) => f),
        messages: [...messages.values()].map(saveMessage),
      };
    }),
  };
}

export function mailFromData(store: MailStore, data: MailData): void {
  for (const saved of data.mailboxes) {
    const { folders, messages, ...rest } = saved;
    const m: Mailbox = { ...rest, key: guidBytes(saved.userId), folders: new Map(), messages: new Map() };
    for (const f of folders) m.folders.set(f.no, { ...f, messages: new Map() });
    for (const sm of messages) {
      const msg = loadMessage(sm);
      m.messages.set(msg.no, msg);
      m.folders.get(msg.folderNo)?.messages.set(msg.no, msg);
    }
    store.restore(m);
  }
}

/** A cheap fingerprint of the mail: unchanged mail is not written again (the sandbox saves every minute). */
export function mailFingerprint(store: MailStore): string {
  return store
    .all()
    .map(
      (m) =>
        `${m.userId}:${m.seq}:${m.nextMessageNo}:${m.folders.size}:${JSON.stringify(m.masterCategories)}`,
    )
    .join('|');
}

/** The mail file that goes with a directory snapshot file. */
export function mailFileFor(snapshotFile: string): string {
  return `${snapshotFile.replace(/\.json$/i, '')}.mail.json`;
}

/** Writes the mail file through a temporary file and a rename (a crash leaves the previous one). */
export function writeMailFile(file: string, store: MailStore): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(mailToData(store)));
  renameSync(`${file}.tmp`, file);
}

/** Loads the mail file if there is one; false when there is none. */
export function readMailFile(file: string, store: MailStore): boolean {
  if (!existsSync(file)) return false;
  const data = JSON.parse(readFileSync(file, 'utf8')) as MailData;
  if (data.version !== 1) return false;
  mailFromData(store, data);
  return true;
}
