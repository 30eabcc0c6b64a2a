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
      for (const [k, v] of h) out.headers[k] = headerText(v);
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

function headerText(v: HeaderValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  if (v && typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text);
  if (v && typeof v === 'object' && 'value' in v) {
    const o = v as { value: unknown; params?: Record<string, string> };
    return [String(o.value), ...Object.entries(o.params ?? {}).map(([k, x]) => `${k}=${x}`)].join('; ');
  }
  return String(v);
}
