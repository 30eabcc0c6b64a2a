/**
 * The text of an email whose body the MIME parser could not read, as mail clients show it: a part
 * without a blank line after its headers (the parser takes its text for more headers), a
 * `Content-Type: text` without subtype. The raw MIME is split by hand: header lines are the ones that
 * look like headers, the rest of a textual part is its text. Only textual parts are used (no type,
 * `text`, `text/*`); base64 and quoted-printable are decoded.
 */
const HEADER = /^[!-9;-~]+:/;
const MAX_DEPTH = 8;

export function rawBodyText(raw: Buffer): string | null {
  const texts: string[] = [];
  collect(raw.toString('latin1').split(/\r?\n/), texts, 0);
  const text = texts.join('\n\n').trim();
  return text || null;
}

function collect(lines: string[], texts: string[], depth: number): void {
  const { headers, body } = splitHead(lines);
  const type = header(headers, 'content-type');
  const boundary = /boundary\s*=\s*"?([^";]+)"?/i.exec(type)?.[1]?.trim();
  if (/^\s*multipart\//i.test(type) && boundary && depth < MAX_DEPTH) {
    for (const part of sections(body, boundary)) collect(part, texts, depth + 1);
    return;
  }
  if (type && !/^\s*text\s*(\/|;|$)/i.test(type)) return;
  const bytes = decode(body.join('\n'), header(headers, 'content-transfer-encoding'));
  const charset = /charset\s*=\s*"?([^";\s]+)"?/i.exec(type)?.[1] ?? 'utf-8';
  texts.push(text(bytes, charset).trim());
}

/** The header lines (up to a blank line, or to the first line that is not a header) and the rest. */
function splitHead(lines: string[]): { headers: string[]; body: string[] } {
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') return { headers: lines.slice(0, i), body: lines.slice(i + 1) };
    if (!(HEADER.test(line) || (i > 0 && /^[ \t]/.test(line)))) break;
  }
  return { headers: lines.slice(0, i), body: lines.slice(i) };
}

function header(headers: string[], name: string): string {
  const unfolded = headers
    .join('\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n');
  const line = unfolded.find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/** The parts between `--boundary` lines, up to `--boundary--`. */
function sections(body: string[], boundary: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of body) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) out.push(current);
      current = [];
    } else current?.push(line);
  }
  if (current) out.push(current);
  return out;
}

function decode(s: string, encoding: string): Buffer {
  if (/^base64$/i.test(encoding)) return Buffer.from(s.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (/^quoted-printable$/i.test(encoding))
    return Buffer.from(
      s
        .replace(/=\n/g, '')
        .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  return Buffer.from(s, 'latin1');
}

function text(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
