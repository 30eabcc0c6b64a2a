/**
 * Exchange-style item ids. Real ids are opaque URL-safe base64 (`AAMkAGI2…` for REST ids,
 * `AAkALg…` for immutable ids) and may end in `=`, so clients must escape them. Ours encode the
 * mailbox, the item number and (REST only) the folder and move generation, plus a check byte: a
 * REST id stops resolving after a move, an immutable id does not, and a damaged id is "malformed"
 * (ErrorInvalidIdMalformed) rather than "not found".
 */

export type IdKind = 'rest' | 'immutable' | 'folder' | 'attachment';

// Leading bytes chosen so the ids look like Exchange's: AAMkA… (rest), AAkAL… (immutable), AAMuA… (folder), AAMkAAt… (attachment).
const MAGIC: Record<IdKind, number[]> = {
  rest: [0x00, 0x03, 0x24, 0x00],
  immutable: [0x00, 0x09, 0x00, 0x2e],
  folder: [0x00, 0x03, 0x2e, 0x00],
  attachment: [0x00, 0x03, 0x24, 0x00, 0x0b],
};

export interface ParsedId {
  kind: IdKind;
  mailboxKey: Buffer;
  /** Message number (rest, immutable, attachment) or folder number (folder). */
  no: number;
  folderNo: number;
  moveGen: number;
  attachmentNo: number;
}

const toUrlSafe = (b64: string) => b64.replace(/\//g, '-').replace(/\+/g, '_');
const fromUrlSafe = (id: string) => id.replace(/-/g, '/').replace(/_/g, '+');

function check(buf: Buffer): number {
  let c = 0x5a;
  for (const b of buf) c = (c * 31 + b) & 0xff;
  return c;
}

function encode(kind: IdKind, mailboxKey: Buffer, fields: number[]): string {
  const body = Buffer.alloc(4 * fields.length);
  fields.forEach((f, i) => body.writeUInt32BE(f >>> 0, i * 4));
  const raw = Buffer.concat([Buffer.from(MAGIC[kind]), mailboxKey, body]);
  // 1 check byte, padded so that the base64 ends with '=' like Exchange's ids.
  const withCheck = Buffer.concat([raw, Buffer.from([check(raw)])]);
  const pad = Buffer.alloc((5 - (withCheck.length % 3)) % 3);
  return toUrlSafe(Buffer.concat([withCheck, pad]).toString('base64'));
}

export const ids = {
  rest: (key: Buffer, no: number, folderNo: number, moveGen: number) =>
    encode('rest', key, [folderNo, no, moveGen]),
  immutable: (key: Buffer, no: number) => encode('immutable', key, [no]),
  folder: (key: Buffer, folderNo: number) => encode('folder', key, [folderNo]),
  attachment: (key: Buffer, no: number, attachmentNo: number) =>
    encode('attachment', key, [no, attachmentNo]),
};

/** Decodes an id of any kind; undefined when it is not one of ours (→ ErrorInvalidIdMalformed). */
export function parseId(id: string): ParsedId | undefined {
  if (!/^[A-Za-z0-9\-_=+/]+$/.test(id)) return undefined;
  let buf: Buffer;
  try {
    buf = Buffer.from(fromUrlSafe(id), 'base64');
  } catch {
    return undefined;
  }
  for (const kind of ['attachment', 'rest', 'immutable', 'folder'] as IdKind[]) {
    const magic = MAGIC[kind];
    const nFields = kind === 'rest' ? 3 : kind === 'attachment' ? 2 : 1;
    const rawLen = magic.length + 16 + 4 * nFields;
    if (buf.length < rawLen + 1) continue;
    if (!magic.every((b, i) => buf[i] === b)) continue;
    const raw = buf.subarray(0, rawLen);
    if (buf[rawLen] !== check(raw)) continue;
    if (buf.subarray(rawLen + 1).some((b) => b !== 0)) continue;
    const key = Buffer.from(raw.subarray(magic.length, magic.length + 16));
    const f = (i: number) => raw.readUInt32BE(magic.length + 16 + 4 * i);
    const parsed: ParsedId =
      kind === 'rest'
        ? { kind, mailboxKey: key, folderNo: f(0), no: f(1), moveGen: f(2), attachmentNo: 0 }
        : kind === 'attachment'
          ? { kind, mailboxKey: key, no: f(0), attachmentNo: f(1), folderNo: 0, moveGen: 0 }
          : {
              kind,
              mailboxKey: key,
              no: f(0),
              folderNo: kind === 'folder' ? f(0) : 0,
              moveGen: 0,
              attachmentNo: 0,
            };
    // Only the exact canonical text is an id (a truncated or re-padded id is malformed).
    const fields =
      kind === 'rest'
        ? [parsed.folderNo, parsed.no, parsed.moveGen]
        : kind === 'attachment'
          ? [parsed.no, parsed.attachmentNo]
          : [parsed.no];
    if (encode(kind, key, fields) !== id) continue;
    return parsed;
  }
  return undefined;
}

/** The 16 bytes of a GUID (the mailbox key). */
export function guidBytes(guid: string): Buffer {
  return Buffer.from(guid.replace(/-/g, ''), 'hex');
}
