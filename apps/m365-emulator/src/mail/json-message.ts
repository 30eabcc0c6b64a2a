import { GraphHttpError } from '../graph/errors.ts';
import type { ExtendedProperty, FollowupFlag, ItemBody, Recipient } from './model.ts';
import type { AttachmentInit, MessageInit } from './store.ts';

/** Graph message JSON (POST /messages, sendMail, the control API) → what the store needs. */

const invalid = (msg: string) => new GraphHttpError(400, 'ErrorInvalidRequest', msg);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function recipient(v: unknown, field: string): Recipient {
  const e = isObj(v) && isObj(v.emailAddress) ? v.emailAddress : undefined;
  if (!e || typeof e.address !== 'string' || !e.address.includes('@'))
    throw invalid(`At least one recipient in '${field}' is not valid.`);
  return { emailAddress: { name: typeof e.name === 'string' ? e.name : e.address, address: e.address } };
}

function recipients(v: unknown, field: string): Recipient[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(`'${field}' must be an array of recipients.`);
  return v.map((r) => recipient(r, field));
}

function body(v: unknown): ItemBody | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw invalid("'body' must be an object.");
  const type = String(v.contentType ?? 'text').toLowerCase();
  return {
    contentType: type === 'html' ? 'html' : 'text',
    content: typeof v.content === 'string' ? v.content : '',
  };
}

export function attachmentFromJson(a: unknown): AttachmentInit {
  if (!isObj(a)) throw invalid('An attachment must be an object.');
  const type = String(a['@odata.type'] ?? '#microsoft.graph.fileAttachment').toLowerCase();
  const name = typeof a.name === 'string' ? a.name : 'attachment';
  if (type.endsWith('referenceattachment'))
    return {
      kind: 'reference',
      name,
      contentType: 'application/octet-stream',
      sourceUrl: String(a.sourceUrl ?? ''),
    };
  if (type.endsWith('itemattachment'))
    return {
      kind: 'item',
      name,
      contentType: 'message/rfc822',
      content: Buffer.from(JSON.stringify(a.item ?? {})),
    };
  let content: Buffer;
  if (typeof a.contentBytes === 'string') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(a.contentBytes.replace(/\s/g, '')))
      throw invalid('Invalid base64 string for attachment content.');
    content = Buffer.from(a.contentBytes, 'base64');
  } else content = Buffer.alloc(0);
  return {
    kind: 'file',
    name,
    contentType: typeof a.contentType === 'string' ? a.contentType : 'application/octet-stream',
    content,
    isInline: a.isInline === true,
    contentId: typeof a.contentId === 'string' ? a.contentId : null,
  };
}

export function messageInitFromJson(v: unknown): MessageInit {
  if (!isObj(v)) throw invalid('The message must be a JSON object.');
  const init: MessageInit = {};
  if (v.subject !== undefined) init.subject = String(v.subject ?? '');
  const b = body(v.body);
  if (b) init.body = b;
  if (v.from) init.from = recipient(v.from, 'from');
  if (v.sender) init.sender = recipient(v.sender, 'sender');
  for (const f of ['toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo'] as const) {
    const r = recipients(v[f], f);
    if (r) init[f] = r;
  }
  if (typeof v.receivedDateTime === 'string') init.receivedMs = Date.parse(v.receivedDateTime);
  if (typeof v.sentDateTime === 'string') init.sentMs = Date.parse(v.sentDateTime);
  if (typeof v.isRead === 'boolean') init.isRead = v.isRead;
  if (v.importance === 'low' || v.importance === 'normal' || v.importance === 'high')
    init.importance = v.importance;
  if (Array.isArray(v.categories)) init.categories = v.categories.map(String);
  if (isObj(v.flag)) init.flag = v.flag as unknown as FollowupFlag;
  if (typeof v.internetMessageId === 'string') init.internetMessageId = v.internetMessageId;
  if (Array.isArray(v.internetMessageHeaders))
    init.internetMessageHeaders = v.internetMessageHeaders
      .filter(isObj)
      .map((h) => ({ name: String(h.name), value: String(h.value) }));
  if (Array.isArray(v.singleValueExtendedProperties))
    init.singleValueExtendedProperties = v.singleValueExtendedProperties
      .filter(isObj)
      .map((e) => ({ id: String(e.id), value: String(e.value) }) as ExtendedProperty);
  if (Array.isArray(v.attachments)) init.attachments = v.attachments.map(attachmentFromJson);
  if (v.inferenceClassification === 'other' || v.inferenceClassification === 'focused')
    init.inferenceClassification = v.inferenceClassification;
  return init;
}
