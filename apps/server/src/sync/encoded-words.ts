/**
 * RFC 2047 encoded words (`=?charset?B|Q?payload?=`) where at least one is malformed. mailparser
 * decodes a broken word into garbage (`=?UTF-8?B?!!!not*base64?=` → "��[jǺ"); mail clients show such
 * a word as it was written. `decodeKeepingMalformed` answers null when every word is well formed (the
 * parser's own decoding then stands) and otherwise the text with the good words decoded and the
 * broken ones kept literally.
 */
const WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Q: printable ASCII except `=`, `?` and space, or `=XX`; `_` stands for a space. */
const Q = /^(?:[\x21-\x3c\x3e\x40-\x7e]|=[0-9A-Fa-f]{2})*$/;

interface Word {
  start: number;
  end: number;
  text: string | null;
}

function decodeWord(charset: string, enc: string, payload: string): string | null {
  let bytes: Buffer;
  if (enc.toUpperCase() === 'B') {
    if (!BASE64.test(payload) || payload.replace(/=+$/, '').length % 4 === 1) return null;
    bytes = Buffer.from(payload, 'base64');
  } else {
    if (!Q.test(payload)) return null;
    bytes = Buffer.from(
      payload
        .replace(/_/g, ' ')
        .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  }
  try {
    // RFC 2231 language suffix: charset*lang.
    return new TextDecoder(charset.split('*')[0]!, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export function decodeKeepingMalformed(raw: string): string | null {
  const words: Word[] = [];
  for (const m of raw.matchAll(WORD))
    words.push({ start: m.index, end: m.index + m[0].length, text: decodeWord(m[1]!, m[2]!, m[3]!) });
  if (!words.some((w) => w.text === null)) return null;
  let out = '';
  let at = 0;
  let previousDecoded = false;
  for (const w of words) {
    const between = raw.slice(at, w.start);
    // Whitespace between two decoded words is not part of the text (RFC 2047 §6.2).
    if (!(previousDecoded && w.text !== null && /^\s*$/.test(between))) out += between;
    out += w.text ?? raw.slice(w.start, w.end);
    previousDecoded = w.text !== null;
    at = w.end;
  }
  return (out + raw.slice(at)).replace(/\s+/g, ' ').trim();
}
