import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type HeaderValue } from 'mailparser';
import type { Recipient } from '../db/schema/index.ts';

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
  /** Header names in lower case → raw values (inflow rules read Auto-Submitted, Precedence, List-Unsubscribe…). */
  headers: Record<string, string>;
  /** The MIME's attachment parts, stored as they were read (only when a store was given). */
  attachments: MimeAttachment[];
}

export interface MimeAttachment {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Shown in the body (a `cid:` image), as Graph's `isInline`. */
  isInline: boolean;
  /** An attached email (message/rfc822) is an item attachment, as Graph calls it. */
  kind: 'file' | 'item';
}

export interface MimeReadOptions {
  /** Stores one attachment's content (consuming the stream); without it, attachment contents are drained. */
  storeAttachment?: (content: Readable) => Promise<{ sha256: string; size: number }>;
}

/** Bodies beyond this are cut: a document shows the start; the whole email stays in the `.eml`. */
const MAX_BODY_CHARS = 2_000_000;

/**
 * Reads a MIME stream with mailparser's streaming parser: headers and the text/HTML bodies are kept,
 * attachment contents are streamed into the store one by one (or drained), never buffered whole, so a
 * 40 MB email costs little memory. Reading attachments from the MIME saves Graph a listing and one
 * download per attachment (decision 0007). Garbage in gives an empty summary, never an exception;
 * a store that fails rejects.
 */
export function readMimeSummary(input: Readable, opts: MimeReadOptions = {}): Promise<MimeSummary> {
  return new Promise((resolve, reject) => {
    // No text made from HTML here (mailparser's html-to-text compiles its selectors on every call, a
    // few % of ingestion's CPU): ingestion makes it with sanitize.ts's htmlToText when needed.
    const parser = new MailParser({
      skipImageLinks: true,
      skipTextLinks: true,
      skipHtmlToText: true,
      skipTextToHtml: true,
    });
    const out: MimeSummary = {
      subject: null,
      from: null,
      to: [],
      cc: [],
      date: null,
      messageId: null,
      html: null,
      text: null,
      headers: {},
      attachments: [],
    };
    const stored: Promise<void>[] = [];
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
      if (data.type === 'attachment') {
        const content = data.content;
        if (!opts.storeAttachment || !content) {
          content?.resume();
          content?.on('end', () => data.release?.());
          return;
        }
        const contentType = (data.contentType || 'application/octet-stream').toLowerCase();
        const kind = contentType === 'message/rfc822' ? 'item' : 'file';
        const name = data.filename || (kind === 'item' ? 'message.eml' : 'attachment');
        const isInline = data.related === true || (data.contentDisposition === 'inline' && Boolean(data.cid));
        stored.push(
          opts.storeAttachment(content).then(
            (blob) => {
              out.attachments.push({
                name,
                contentType,
                size: blob.size,
                sha256: blob.sha256,
                isInline,
                kind,
              });
              data.release?.();
            },
            (err: unknown) => {
              data.release?.();
              throw err;
            },
          ),
        );
        return;
      }
      if (data.type === 'text') {
        out.html = typeof data.html === 'string' ? data.html.slice(0, MAX_BODY_CHARS) : null;
        // An HTML-only email has no text part: '' from mailparser, null here.
        out.text =
          typeof data.text === 'string' && data.text.trim() ? data.text.slice(0, MAX_BODY_CHARS) : null;
      }
    });
    // Every attachment stored (in MIME order) before the summary is complete.
    const done = () =>
      Promise.all(stored).then(
        () => resolve(out),
        (err: unknown) => reject(err as Error),
      );
    parser.on('end', () => void done());
    parser.on('error', () => void done());
    input.on('error', reject);
    input.pipe(parser);
  });
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
