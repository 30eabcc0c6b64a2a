import { simpleParser, type AddressObject } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Message, Recipient } from './model.ts';
import type { AttachmentInit, MessageInit } from './store.ts';

/** MIME ↔ message. Parsing uses mailparser (a real MIME parser); the original bytes are kept for `$value`. */

function recipients(a: AddressObject | AddressObject[] | undefined): Recipient[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  const out: Recipient[] = [];
  for (const obj of list) {
    for (const v of obj.value) {
      if (v.address) out.push({ emailAddress: { name: v.name || v.address, address: v.address } });
      for (const g of v.group ?? [])
        if (g.address) out.push({ emailAddress: { name: g.name || g.address, address: g.address } });
    }
  }
  return out;
}

/** Thrown for bytes that are not a message at all. */
export class InvalidMimeError extends Error {}

/** Parses an RFC 822 message (.eml) into what the store needs, keeping the original bytes. */
export async function messageFromMime(raw: Buffer): Promise<MessageInit> {
  if (raw.length === 0) throw new InvalidMimeError('empty MIME content');
  const mail = await simpleParser(raw, { skipImageLinks: true, keepCidLinks: true });
  if (mail.headerLines.length === 0) throw new InvalidMimeError('no MIME headers');
  const from = recipients(mail.from)[0] ?? null;
  const senderHeader = mail.headers.get('sender') as AddressObject | undefined;
  const attachments: AttachmentInit[] = mail.attachments.map((a) => ({
    kind: a.contentType === 'message/rfc822' ? 'item' : 'file',
    name: a.filename ?? (a.contentType === 'message/rfc822' ? 'Attached message' : 'attachment'),
    contentType: a.contentType,
    content: a.content,
    isInline: a.contentDisposition === 'inline' && !!a.cid,
    contentId: a.cid ?? null,
  }));
  const headers = mail.headerLines.map((h) => {
    const i = h.line.indexOf(':');
    return {
      name: h.line.slice(0, i).trim(),
      value: h.line
        .slice(i + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    };
  });
  const importanceHeader = String(
    mail.headers.get('importance') ?? mail.headers.get('x-priority') ?? '',
  ).toLowerCase();
  const init: MessageInit = {
    subject: mail.subject ?? '',
    body: mail.html
      ? { contentType: 'html', content: mail.html }
      : { contentType: 'text', content: mail.text ?? '' },
    from,
    sender: recipients(senderHeader)[0] ?? from,
    toRecipients: recipients(mail.to),
    ccRecipients: recipients(mail.cc),
    bccRecipients: recipients(mail.bcc),
    replyTo: recipients(mail.replyTo),
    internetMessageHeaders: headers,
    attachments,
    importance:
      importanceHeader.startsWith('high') || importanceHeader.startsWith('1')
        ? 'high'
        : importanceHeader.startsWith('low') || importanceHeader.startsWith('5')
          ? 'low'
          : 'normal',
    mime: raw,
  };
  if (mail.messageId) init.internetMessageId = mail.messageId;
  if (mail.date) init.sentMs = mail.date.getTime();
  return init;
}

const addr = (r: Recipient | null) =>
  r ? { name: r.emailAddress.name, address: r.emailAddress.address } : undefined;
const addrs = (list: Recipient[]) =>
  list.map((r) => ({ name: r.emailAddress.name, address: r.emailAddress.address }));

/** The MIME of a message: its original bytes, or composed from its properties (nodemailer's MailComposer). */
export async function mimeOf(msg: Message): Promise<Buffer> {
  if (msg.mime) return msg.mime;
  const opts: Mail.Options = {
    subject: msg.subject,
    messageId: msg.internetMessageId,
    date: new Date(msg.sentMs),
    to: addrs(msg.toRecipients),
    cc: addrs(msg.ccRecipients),
    attachments: msg.attachments
      .filter((a) => a.kind !== 'reference')
      .map((a) => ({
        filename: a.name,
        content: a.content ?? Buffer.alloc(0),
        contentType: a.contentType,
        ...(a.contentId ? { cid: a.contentId } : {}),
        contentDisposition: a.isInline ? 'inline' : 'attachment',
      })),
    headers: { 'X-MS-Exchange-Organization-Emulated': 'true' },
  };
  const from = addr(msg.from);
  if (from) opts.from = from;
  if (msg.replyTo.length) opts.replyTo = addrs(msg.replyTo);
  if (msg.body.contentType === 'html') opts.html = msg.body.content;
  else opts.text = msg.body.content;
  // Composed once and kept: Exchange serves the same MIME on every $value (a client may hash it).
  msg.mime = await new MailComposer(opts).compile().build();
  return msg.mime;
}

/** Composes raw MIME from simple fields (generator, CLI). */
export function composeMime(opts: Mail.Options): Promise<Buffer> {
  return new MailComposer(opts).compile().build();
}
