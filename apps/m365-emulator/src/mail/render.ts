import { createHash } from 'node:crypto';
import { GraphHttpError } from '../graph/errors.ts';
import type { Attachment, MailFolder, Mailbox, Message } from './model.ts';
import type { MailStore } from './store.ts';

/** How a response renders items: id format (Prefer IdType), body type (Prefer outlook.body-content-type). */
export interface RenderOpts {
  immutable: boolean;
  bodyType: 'html' | 'text' | null;
  /** Mail.ReadBasic only: no body, preview, attachments or extended properties. */
  basic?: boolean;
}

const NOT_BASIC = new Set(['body', 'uniqueBody', 'bodyPreview']);

/** Returned by GET without `$select`, in Graph's order. */
export const MESSAGE_DEFAULT_PROPS = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
] as const;
/** Only when `$select`ed. */
const MESSAGE_EXTRA_PROPS = ['uniqueBody', 'internetMessageHeaders'];
const ALL_PROPS = [...MESSAGE_DEFAULT_PROPS, ...MESSAGE_EXTRA_PROPS];

/** Validates a `$select` list against the message type (Outlook's error on unknown names). */
export function parseMessageSelect(select: string | null | undefined): string[] | null {
  if (!select) return null;
  const out: string[] = [];
  for (const raw of select.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    const p =
      ALL_PROPS.find((x) => x.toLowerCase() === s.toLowerCase()) ??
      (s.toLowerCase() === 'singlevalueextendedproperties' ? 'singleValueExtendedProperties' : undefined);
    if (!p)
      throw new GraphHttpError(
        400,
        'RequestBroker--ParseUri',
        `Could not find a property named '${s}' on type 'microsoft.graph.message'.`,
      );
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

export const graphTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function changeKey(msg: Message): string {
  const h = createHash('sha1').update(`${msg.no}:${msg.version}`).digest().subarray(0, 16);
  return Buffer.concat([Buffer.from([0x09, 0, 0, 0, 0x16, 0, 0, 0]), h]).toString('base64');
}

export function etag(msg: Message): string {
  return `W/"${changeKey(msg)}"`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A plain-text rendering of HTML (enough for previews and `Prefer: outlook.body-content-type="text"`). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (m, e: string) =>
      e.startsWith('#x')
        ? String.fromCodePoint(parseInt(e.slice(2), 16))
        : e.startsWith('#')
          ? String.fromCodePoint(Number(e.slice(1)))
          : (ENTITIES[e.toLowerCase()] ?? m),
    )
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function textToHtml(text: string): string {
  return `<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div>${escapeHtml(text).replace(/\r?\n/g, '<br>')}</div></body></html>`;
}

export function bodyPreview(msg: Message): string {
  const text = msg.body.contentType === 'html' ? htmlToText(msg.body.content) : msg.body.content;
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

function bodyAs(msg: Message, type: 'html' | 'text' | null) {
  const want = type ?? 'html';
  if (want === msg.body.contentType) return { contentType: want, content: msg.body.content };
  return want === 'text'
    ? { contentType: 'text', content: htmlToText(msg.body.content) }
    : { contentType: 'html', content: textToHtml(msg.body.content) };
}

const fmt = (r: { emailAddress: { name: string; address: string } }) =>
  `${r.emailAddress.name} <${r.emailAddress.address}>`;

/** Headers of a message created without MIME (JSON, generated): what Exchange would have stamped. Built on demand to keep messages small. */
function synthesizedHeaders(msg: Message): { name: string; value: string }[] {
  const h = [
    {
      name: 'Received',
      value: `from ${msg.from?.emailAddress.address.split('@')[1] ?? 'localhost'} by emulator.outlook.local with HTTPS; ${new Date(msg.receivedMs).toUTCString()}`,
    },
    { name: 'Date', value: new Date(msg.sentMs).toUTCString() },
    { name: 'Message-ID', value: msg.internetMessageId },
    { name: 'Subject', value: msg.subject },
    { name: 'MIME-Version', value: '1.0' },
    {
      name: 'Content-Type',
      value: msg.body.contentType === 'html' ? 'text/html; charset="utf-8"' : 'text/plain; charset="utf-8"',
    },
  ];
  if (msg.from) h.splice(1, 0, { name: 'From', value: fmt(msg.from) });
  if (msg.toRecipients.length) h.splice(2, 0, { name: 'To', value: msg.toRecipients.map(fmt).join(', ') });
  return h;
}

/** Renders one message property. */
function prop(store: MailStore, m: Mailbox, msg: Message, name: string, o: RenderOpts): unknown {
  switch (name) {
    case 'id':
      return o.immutable ? store.immutableId(m, msg) : store.restId(m, msg);
    case 'createdDateTime':
      return graphTime(msg.createdMs);
    case 'lastModifiedDateTime':
      return graphTime(msg.lastModifiedMs);
    case 'changeKey':
      return changeKey(msg);
    case 'categories':
      return [...msg.categories];
    case 'receivedDateTime':
      return graphTime(msg.receivedMs);
    case 'sentDateTime':
      return graphTime(msg.sentMs);
    case 'hasAttachments':
      return msg.attachments.some((a) => !a.isInline);
    case 'bodyPreview':
      return bodyPreview(msg);
    case 'parentFolderId':
      return store.folderId(m, msg.folderNo);
    case 'webLink':
      return `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(store.restId(m, msg))}&exvsurl=1&viewmodel=ReadMessageItem`;
    case 'body':
    case 'uniqueBody':
      return bodyAs(msg, o.bodyType);
    case 'flag':
      return { ...msg.flag };
    case 'singleValueExtendedProperties':
      return [...msg.extended.values()].map((e) => ({ ...e }));
    case 'internetMessageHeaders':
      return msg.internetMessageHeaders.length
        ? msg.internetMessageHeaders.map((h) => ({ ...h }))
        : synthesizedHeaders(msg);
    default:
      return (msg as unknown as Record<string, unknown>)[name] ?? null;
  }
}

/** A message as Graph returns it (`@odata.etag` first), with the selected (or default) properties. */
export function messageResource(
  store: MailStore,
  m: Mailbox,
  msg: Message,
  o: RenderOpts,
  select: string[] | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': etag(msg) };
  const props = select ?? MESSAGE_DEFAULT_PROPS;
  out.id = prop(store, m, msg, 'id', o);
  for (const p of props) {
    if (p === 'id' || p === 'singleValueExtendedProperties' || (o.basic && NOT_BASIC.has(p))) continue;
    out[p] = prop(store, m, msg, p, o);
  }
  return out;
}

/** Only the named properties (delta updates carry changed properties only). */
export function messageProps(
  store: MailStore,
  m: Mailbox,
  msg: Message,
  o: RenderOpts,
  props: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.message',
    '@odata.etag': etag(msg),
    id: prop(store, m, msg, 'id', o),
  };
  for (const p of props) if (p !== 'id' && !(o.basic && NOT_BASIC.has(p))) out[p] = prop(store, m, msg, p, o);
  return out;
}

export function folderResource(store: MailStore, m: Mailbox, f: MailFolder): Record<string, unknown> {
  let unread = 0;
  for (const msg of f.messages.values()) if (!msg.isRead) unread++;
  let children = 0;
  for (const c of m.folders.values()) if (c.parentNo === f.no) children++;
  return {
    id: store.folderId(m, f),
    displayName: f.displayName,
    parentFolderId: store.folderId(m, f.parentNo),
    childFolderCount: children,
    unreadItemCount: unread,
    totalItemCount: f.messages.size,
    sizeInBytes: 0,
    isHidden: f.isHidden,
  };
}

export function attachmentResource(
  store: MailStore,
  m: Mailbox,
  msg: Message,
  a: Attachment,
  withContent: boolean,
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    '@odata.type': `#microsoft.graph.${a.kind}Attachment`,
    '@odata.mediaContentType': a.contentType,
    id: store.attachmentId(m, msg, a),
    lastModifiedDateTime: graphTime(a.lastModifiedMs),
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline,
  };
  if (a.kind === 'file') {
    base.contentId = a.contentId;
    base.contentLocation = a.contentLocation;
    if (withContent) base.contentBytes = (a.content ?? Buffer.alloc(0)).toString('base64');
  }
  if (a.kind === 'reference') {
    base.sourceUrl = a.sourceUrl ?? null;
    base.providerType = 'oneDriveBusiness';
    base.permission = 'view';
    base.isFolder = false;
  }
  return base;
}
