import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM. A ciphertext reads `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url
 * parts), so that after a key rotation the vault knows which key opened it. The optional `context`
 * is bound as additional authenticated data: a token encrypted for connector A cannot be pasted into
 * connector B's row and still decrypt.
 */
export interface Vault {
  readonly activeKeyId: string;
  /** Every configured key's id: the active one first, then the previous ones. */
  readonly keyIds: readonly string[];
  encrypt(plaintext: string, context?: string): string;
  decrypt(ciphertext: string, context?: string): string;
  /** True when the ciphertext was made with an older key and should be re-encrypted. */
  needsRotation(ciphertext: string): boolean;
}

export class VaultError extends Error {}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface VaultKey {
  id: string;
  key: Buffer;
}

/**
 * Parses a key as written in the environment: `<id>:<base64 of 32 bytes>`, or just the base64 (the id
 * is then derived from the key, so the same key always gets the same id).
 */
export function parseVaultKey(text: string): VaultKey {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const id = colon > 0 ? trimmed.slice(0, colon) : undefined;
  const material = colon > 0 ? trimmed.slice(colon + 1) : trimmed;
  const key = Buffer.from(material, 'base64');
  if (key.length !== 32) throw new VaultError('an encryption key must be 32 bytes, base64-encoded');
  if (id !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
    throw new VaultError('an encryption key id may only hold letters, digits, - and _ (at most 32)');
  }
  return { id: id ?? deriveKeyId(key), key };
}

function deriveKeyId(key: Buffer): string {
  return createHash('sha256').update('mailroom-vault-key-id').update(key).digest('base64url').slice(0, 8);
}

export function generateVaultKeyText(): string {
  const key = randomBytes(32);
  return `${deriveKeyId(key)}:${key.toString('base64')}`;
}

export function createVault(active: VaultKey, previous: readonly VaultKey[] = []): Vault {
  const keys = new Map<string, Buffer>();
  for (const k of [active, ...previous]) {
    const existing = keys.get(k.id);
    if (existing && !existing.equals(k.key))
      throw new VaultError(`two different encryption keys share the id ${k.id}`);
    keys.set(k.id, k.key);
  }

  return {
    activeKeyId: active.id,
    keyIds: Object.freeze([...keys.keys()]),
    encrypt(plaintext, context = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, active.id, iv.toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(ciphertext, context = '') {
      const parts = ciphertext.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw new VaultError('not a vault ciphertext');
      const [, keyId, ivText, bodyText] = parts as [string, string, string, string];
      const key = keys.get(keyId);
      if (!key) throw new VaultError(`no encryption key with id ${keyId} is configured`);
      const iv = Buffer.from(ivText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new VaultError('not a vault ciphertext');
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(body.subarray(0, body.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        // GCM's tag check failed: the ciphertext, its context or the key is not the one it was made with.
        throw new VaultError('ciphertext failed authentication (tampered, wrong context or wrong key)');
      }
    },
    needsRotation(ciphertext) {
      return ciphertext.split('.')[1] !== active.id;
    },
  };
}
