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
}

/** Bodies beyond this are cut: a document shows the start; the whole email stays in the `.eml`. */
const MAX_BODY_CHARS = 2_000_000;

/**
 * Reads a MIME stream with mailparser's streaming parser: headers and the text/HTML bodies are kept,
 * attachment contents are drained without being buffered (they are stored from Graph separately), so
 * a 40 MB email costs little memory. Garbage in gives an empty summary, never an exception.
 */
export function readMimeSummary(input: Readable): Promise<MimeSummary> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipImageLinks: true, skipTextLinks: true });
    const out: MimeSummary = { subject: null, from: null, to: [], cc: [], date: null, messageId: null, html: null, text: null, headers: {} };
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
    parser.on('data', (data: { type: string; html?: string | false; text?: string; content?: Readable; release?: () => void }) => {
      if (data.type === 'attachment') {
        data.content?.resume();
        data.content?.on('end', () => data.release?.());
        return;
      }
      if (data.type === 'text') {
        out.html = typeof data.html === 'string' ? data.html.slice(0, MAX_BODY_CHARS) : null;
        out.text = typeof data.text === 'string' ? data.text.slice(0, MAX_BODY_CHARS) : null;
      }
    });
    parser.on('end', () => resolve(out));
    parser.on('error', () => resolve(out));
    input.on('error', reject);
    input.pipe(parser);
  });
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
