import { randomBytes, randomUUID, createHash } from 'node:crypto';

/** A random GUID in Microsoft's lower-case form. */
export function newGuid(): string {
  return randomUUID();
}

/** A deterministic GUID derived from a string (stable ids for seeds and pairwise subjects). */
export function guidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function isGuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

/** An opaque random token (url-safe). */
export function opaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

export function sha256Base64url(input: string): string {
  return createHash('sha256').update(input).digest('base64url');
}
