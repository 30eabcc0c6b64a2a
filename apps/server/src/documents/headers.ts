import type { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';

/** Headers are small; a header block larger than this is cut (what follows is not needed for rules). */
const MAX_HEADER_BYTES = 256 * 1024;

/**
 * The top-level headers of a stored `.eml`, parsed by mailparser: name (lower case) → unfolded raw
 * value of its first occurrence. Only the header block is read, never the (possibly huge) body.
 */
export async function readHeaders(eml: Readable): Promise<Map<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of eml) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buf);
      size += buf.length;
      const head = Buffer.concat(chunks);
      const end = headerEnd(head);
      if (end >= 0 || size >= MAX_HEADER_BYTES) {
        chunks.length = 0;
        chunks.push(head.subarray(0, end >= 0 ? end : MAX_HEADER_BYTES));
        break;
      }
    }
  } finally {
    eml.destroy();
  }
  const parsed = await simpleParser(Buffer.concat([...chunks, Buffer.from('\r\n\r\n')]), {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
  });
  const out = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    if (out.has(key)) continue;
    const colon = line.indexOf(':');
    out.set(
      key,
      line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    );
  }
  return out;
}

function headerEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0) return lf;
  if (lf < 0) return crlf;
  return Math.min(crlf, lf);
}
