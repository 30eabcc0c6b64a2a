import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type HeaderValue } from 'mailparser';
import { nameForUnnamedPart } from '../core/file-names.ts';
import type { Recipient, StoredAttachment } from '../db/schema/index.ts';
import { decodeKeepingMalformed } from './encoded-words.ts';
import { rawBodyText } from './raw-body.ts';
import { isUuencoded, UudecodeStream } from './uudecode.ts';

/** What a document needs from an email, read from its original MIME (so Graph is asked for the MIME only). */
export interface MimeSummary {
  subject: string | null;
  from: Recipient | null;
  to: Recipient[];
  cc: Recipient[];
  date: Date | null;
  messageId: string | null;
  html: string | null;
  text: string | null;
  /**
   * The parser found no body and `text` is the raw text of the email's textual parts (a part without
   * a blank line after its headers, `Content-Type: text` without subtype): shown "as plain text".
   */
  bodyFromRawText: boolean;
  /** Header names in lower case → raw values (inflow rules read Auto-Submitted, Precedence, List-Unsubscribe…). */
  headers: Record<string, string>;
  /** The MIME's attachment parts, stored as they were read (only when a store was given). */
  attachments: MimeAttachment[];
}

export interface MimeAttachment {
  /** The part's file name, or one made from its content type when it gives none (`givenName` null). */
  name: string;
  givenName: string | null;
  contentType: string;
  size: number;
  /** Its content in the blob store; null when not kept (beyond `MAX_KEPT_ATTACHMENTS`, or a link). */
  sha256: string | null;
  /** Shown in the body (a `cid:` image), as Graph's `isInline`. */
  isInline: boolean;
  /** The `Content-ID` without its angle brackets: what the body's `cid:` references name. */
  contentId?: string;
  /**
   * An attached email (message/rfc822) is an item attachment, as Graph calls it; a
   * `message/external-body` stub is a reference (a link, `url`), never stored as a file.
   */
  kind: 'file' | 'item' | 'reference';
  url?: string;
}

export interface MimeReadOptions {
  /** Stores one attachment's content (consuming the stream); without it, attachment contents are drained. */
  storeAttachment?: (content: Readable) => Promise<{ sha256: string; size: number }>;
  /** Tests make these small; see the constants. */
  maxParts?: number;
  maxKeptAttachments?: number;
  timeoutMs?: number;
}

/** Thrown when the MIME cannot be read to its end: the message then fails at once, with this reason. */
export class MimeUnreadableError extends Error {}

/** Bodies beyond this are cut: a document shows the start; the whole email stays in the `.eml`. */
const MAX_BODY_CHARS = 2_000_000;
/**
 * The raw start of the MIME kept for `rawBodyText`, used only when the parser found no body: bodies it
 * cannot read are short; a longer one shows its start (the `.eml` has it all).
 */
const MAX_RAW_BYTES = 512 * 1024;
/**
 * MIME parts read per email (bodies, attachments, containers): mailparser's own limit is 1,000, which
 * an email with 1,000 attachments passes. Beyond this, the email fails with the reason.
 */
export const MAX_MIME_PARTS = 10_000;
/**
 * Attachments kept per email (decision 0014): the ones after are named in the document, not stored
 * (the `.eml` holds them all).
 */
export const MAX_KEPT_ATTACHMENTS = 1_000;
/** Reading one email's MIME from the blob store (no network) ends within this, else the email fails. */
export const MIME_READ_TIMEOUT_MS = 180_000;

/**
 * Reads a MIME stream with mailparser's streaming parser: headers and the text/HTML bodies are kept,
 * attachment contents are streamed into the store one by one (or drained), never buffered whole, so a
 * 40 MB email costs little memory. Reading attachments from the MIME saves Graph a listing and one
 * download per attachment (decision 0007). Garbage in gives an empty summary; a parser error, a read
 * that does not end within the time bound or a store that fails rejects (MimeUnreadableError for the
 * first two: they would fail again on every retry).
 */
export function readMimeSummary(input: Readable, opts: MimeReadOptions = {}): Promise<MimeSummary> {
  const maxParts = opts.maxParts ?? MAX_MIME_PARTS;
  const maxKept = opts.maxKeptAttachments ?? MAX_KEPT_ATTACHMENTS;
  return new Promise((resolve, reject) => {
    // No text made from HTML here (mailparser's html-to-text compiles its selectors on every call, a
    // few % of ingestion's CPU): ingestion makes it with sanitize.ts's htmlToText when needed.
    // `maxChildNodes` goes to mailparser's splitter, whose own limit (1,000) stopped the parse midway
    // with one attachment stream never ending: the email hung its ingestion (issue 19).
    const parser = new MailParser({
      skipImageLinks: true,
      skipTextLinks: true,
      skipHtmlToText: true,
      skipTextToHtml: true,
      maxChildNodes: maxParts,
    } as ConstructorParameters<typeof MailParser>[0]);
    const out: MimeSummary = {
      subject: null,
      from: null,
      to: [],
      cc: [],
      date: null,
      messageId: null,
      html: null,
      text: null,
      bodyFromRawText: false,
      headers: {},
      attachments: [],
    };
    // Each part's slot, in MIME order, filled when its content is stored.
    const slots: (MimeAttachment | undefined)[] = [];
    const stored: Promise<void>[] = [];
    /** Attachment streams being read: a failure destroys them, so that no store waits forever. */
    const open = new Set<Readable>();
    const unnamed = { image: 0, other: 0 };
    let kept = 0;
    const raw: Buffer[] = [];
    let rawBytes = 0;
    let settled = false;

    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      input.unpipe(parser);
      input.destroy();
      // Ended without an error event (nobody listens to one any more): a store waiting on it stops.
      for (const s of open) s.destroy();
      parser.destroy();
      reject(err);
    };
    const timeoutMs = opts.timeoutMs ?? MIME_READ_TIMEOUT_MS;
    const timer = setTimeout(
      () =>
        fail(
          new MimeUnreadableError(
            `Reading the email did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}.`,
          ),
        ),
      timeoutMs,
    );

    input.on('data', (chunk: Buffer) => {
      if (rawBytes >= MAX_RAW_BYTES) return;
      raw.push(chunk);
      rawBytes += chunk.length;
    });
    parser.on('headers', (h: Map<string, HeaderValue>) => {
      const subject = h.get('subject');
      out.subject = typeof subject === 'string' ? subject : null;
      out.from = addresses(h.get('from'))[0] ?? addresses(h.get('sender'))[0] ?? null;
      out.to = addresses(h.get('to'));
      out.cc = addresses(h.get('cc'));
      const date = h.get('date');
      out.date = date instanceof Date && !Number.isNaN(date.getTime()) ? date : null;
      const id = h.get('message-id');
      out.messageId = typeof id === 'string' ? id : null;
    });
    // Rules read raw values (List-Unsubscribe, Auto-Submitted…): the first occurrence, unfolded.
    parser.on('headerLines', (lines: { key: string; line: string }[]) => {
      for (const { key, line } of lines) {
        if (key in out.headers) continue;
        out.headers[key] = line
          .slice(line.indexOf(':') + 1)
          .replace(/\r?\n[ \t]+/g, ' ')
          .trim();
      }
    });
    parser.on('data', (data: MailParserData) => {
      if (data.type === 'text') {
        out.html = typeof data.html === 'string' ? data.html.slice(0, MAX_BODY_CHARS) : null;
        // An HTML-only email has no text part: '' from mailparser, null here.
        out.text =
          typeof data.text === 'string' && data.text.trim() ? data.text.slice(0, MAX_BODY_CHARS) : null;
        return;
      }
      if (data.type !== 'attachment' || !data.content) return;
      const content = data.content;
      const contentType = (data.contentType || 'application/octet-stream').toLowerCase();
      const drain = () => {
        content.on('end', () => data.release?.());
        content.resume();
      };
      // A whole email of `Content-Type: text` (no subtype) is a body the parser did not recognise:
      // rawBodyText reads it. Inside a multipart, such a part stays an attachment ("attachment.txt").
      const wholeEmailIsText = !/^\s*multipart\//i.test(out.headers['content-type'] ?? '');
      if (!opts.storeAttachment || (contentType === 'text' && !data.filename && wholeEmailIsText))
        return drain();
      const slot = slots.length;
      slots.push(undefined);
      const type = data.headers?.get('content-type');
      if (contentType === 'message/external-body') {
        // A stub naming where the content is: a link, not a file.
        const params: Record<string, string> =
          typeof type === 'object' && type && 'params' in type ? (type.params as Record<string, string>) : {};
        const url = externalUrl(params);
        slots[slot] = {
          name: data.filename || params.name || (url ? url.split('/').pop() || url : 'external-body'),
          givenName: data.filename || null,
          contentType,
          size: 0,
          sha256: null,
          isInline: false,
          kind: 'reference',
          ...(url ? { url } : {}),
        };
        return drain();
      }
      const kind = contentType === 'message/rfc822' ? 'item' : 'file';
      const given = data.filename || null;
      const part = {
        givenName: given,
        contentType,
        isInline: data.related === true || (data.contentDisposition === 'inline' && Boolean(data.cid)),
        ...(data.cid ? { contentId: data.cid.replace(/^<|>$/g, '') } : {}),
        kind,
      } as const;
      const nameless = () => {
        if (kind === 'item') return 'message.eml';
        const family = contentType.startsWith('image/') ? 'image' : 'other';
        return nameForUnnamedPart(contentType, unnamed[family]++);
      };
      if (kept >= maxKept) {
        // Named in the document, not stored: the .eml holds it.
        slots[slot] = { ...part, name: given ?? nameless(), size: 0, sha256: null };
        return drain();
      }
      kept++;
      // mailparser passes uuencode through as it is: decoded here; its `begin` line may name the file.
      const uuencoded = isUuencoded(headerText(data.headers, 'content-transfer-encoding'));
      const name = given ?? (uuencoded ? null : nameless());
      let body: Readable = content;
      let uu: UudecodeStream | null = null;
      if (uuencoded) {
        uu = new UudecodeStream();
        content.on('error', (err) => uu!.destroy(err));
        body = content.pipe(uu);
      }
      open.add(content);
      content.on('end', () => open.delete(content));
      stored.push(
        opts.storeAttachment(body).then(
          (blob) => {
            open.delete(content);
            slots[slot] = {
              ...part,
              name: name ?? uu?.fileName ?? nameless(),
              size: blob.size,
              sha256: blob.sha256,
            };
            data.release?.();
          },
          (err: unknown) => {
            open.delete(content);
            data.release?.();
            throw err;
          },
        ),
      );
    });
    // Every attachment stored (in MIME order) before the summary is complete.
    const done = () =>
      Promise.all(stored).then(
        () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          out.attachments = slots.filter((a): a is MimeAttachment => a !== undefined);
          finish(out, raw);
          resolve(out);
        },
        (err: unknown) => fail(err as Error),
      );
    parser.on('end', () => void done());
    parser.on('error', (err: Error) =>
      fail(
        /child nodes/i.test(err.message)
          ? new MimeUnreadableError(
              `This email has more than ${maxParts.toLocaleString('en')} MIME parts (attachments and bodies); Mailroom reads at most ${maxParts.toLocaleString('en')}.`,
            )
          : new MimeUnreadableError(`The email's MIME could not be read: ${err.message}`),
      ),
    );
    input.on('error', (err) => fail(err));
    input.pipe(parser);
  });
}

/**
 * A part as a document's attachment, when no Graph list names it (Graph lists none, an inline image
 * it names otherwise, an uploaded `.eml`): its name, inline flag and Content-ID, its content or
 * `notKept` (beyond the attachments kept), or its link.
 */
export function storedAttachmentOf(p: MimeAttachment): StoredAttachment {
  return {
    name: p.kind === 'item' && !p.name.endsWith('.eml') ? `${p.name}.eml` : p.name,
    contentType: p.contentType,
    isInline: p.isInline,
    ...(p.contentId ? { contentId: p.contentId } : {}),
    kind: p.kind,
    size: p.size,
    ...(p.sha256 ? { sha256: p.sha256 } : p.kind === 'reference' ? {} : { notKept: true }),
    ...(p.url ? { url: p.url } : {}),
  };
}

/** What the parser could not do: bodies it did not find, encoded words it turned into garbage. */
function finish(out: MimeSummary, raw: Buffer[]): void {
  if (out.html === null && out.text === null) {
    const text = rawBodyText(Buffer.concat(raw).subarray(0, MAX_RAW_BYTES));
    if (text) {
      out.text = text.slice(0, MAX_BODY_CHARS);
      out.bodyFromRawText = true;
    }
  }
  const subject = out.headers['subject'] && decodeKeepingMalformed(out.headers['subject']);
  if (subject) out.subject = subject;
  const from = out.headers['from'];
  if (out.from && from) {
    const name = decodeKeepingMalformed(
      from
        .replace(/<[^>]*>\s*$/, '')
        .replace(/^"|"\s*$/g, '')
        .trim(),
    );
    if (name) out.from = { ...out.from, name };
  }
}

/** The address of a `message/external-body` stub (RFC 2046 §5.2.3): URL, or anonymous FTP's parts. */
function externalUrl(params: Record<string, string>): string | null {
  const access = (params['access-type'] ?? '').toLowerCase();
  if (access === 'url' && params.url) return params.url.replace(/\s+/g, '');
  if ((access === 'anon-ftp' || access === 'ftp') && params.site && params.name)
    return `ftp://${params.site}/${params.directory ? `${params.directory.replace(/^\/|\/$/g, '')}/` : ''}${params.name}`;
  return null;
}

function headerText(headers: Map<string, HeaderValue> | undefined, name: string): string | undefined {
  const v = headers?.get(name);
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'value' in v && typeof v.value === 'string') return v.value;
  return undefined;
}

interface MailParserData {
  type: string;
  html?: string | false;
  text?: string;
  content?: Readable;
  release?: () => void;
  contentType?: string;
  filename?: string;
  contentDisposition?: string;
  cid?: string;
  related?: boolean;
  headers?: Map<string, HeaderValue>;
}

function addresses(v: HeaderValue | undefined): Recipient[] {
  if (!v || typeof v !== 'object' || !('value' in v)) return [];
  const list = Array.isArray(v) ? (v as AddressObject[]) : [v as AddressObject];
  const flat: Recipient[] = [];
  const walk = (items: AddressObject['value']) => {
    for (const a of items) {
      if (a.group) walk(a.group);
      else if (a.address) flat.push({ name: a.name || null, address: a.address });
    }
  };
  for (const o of list) walk(o.value);
  return flat;
}
