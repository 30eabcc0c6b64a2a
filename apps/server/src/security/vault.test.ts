import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VaultError, createVault, generateVaultKeyText, parseVaultKey } from './vault.ts';

const key = (id: string) => parseVaultKey(`${id}:${randomBytes(32).toString('base64')}`);

describe('vault', () => {
  it('round-trips text, with a fresh IV each time', () => {
    const v = createVault(key('k1'));
    const a = v.encrypt('refresh-token-äé', 'connector:1');
    const b = v.encrypt('refresh-token-äé', 'connector:1');
    expect(a).not.toBe(b);
    expect(a.startsWith('v1.k1.')).toBe(true);
    expect(a).not.toContain('refresh');
    expect(v.decrypt(a, 'connector:1')).toBe('refresh-token-äé');
  });

  it('detects tampering with the ciphertext', () => {
    const v = createVault(key('k1'));
    const parts = v.encrypt('secret').split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 0x01;
    parts[3] = body.toString('base64url');
    expect(() => v.decrypt(parts.join('.'))).toThrow(VaultError);
    expect(() => v.decrypt('v1.k1.abc')).toThrow(/not a vault ciphertext/);
  });

  it('binds the context: a secret moved to another row does not decrypt', () => {
    const v = createVault(key('k1'));
    const c = v.encrypt('secret', 'connector:A');
    expect(() => v.decrypt(c, 'connector:B')).toThrow(/failed authentication/);
  });

  it('rotates: the new key encrypts, old ciphertexts still decrypt, a removed key is named', () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const old = createVault(k1).encrypt('old secret');
    const rotated = createVault(k2, [k1]);
    expect(rotated.decrypt(old)).toBe('old secret');
    expect(rotated.needsRotation(old)).toBe(true);
    const fresh = rotated.encrypt('new secret');
    expect(fresh.split('.')[1]).toBe('k2');
    expect(rotated.needsRotation(fresh)).toBe(false);
    expect(() => createVault(k2).decrypt(old)).toThrow('no encryption key with id k1 is configured');
  });

  it('parses keys and refuses bad ones', () => {
    const generated = parseVaultKey(generateVaultKeyText());
    expect(generated.key.length).toBe(32);
    const bare = randomBytes(32).toString('base64');
    expect(parseVaultKey(bare).id).toBe(parseVaultKey(bare).id);
    expect(() => parseVaultKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseVaultKey(`bad id:${bare}`)).toThrow(/key id/);
    expect(() => createVault(key('same'), [key('same')])).toThrow(/share the id same/);
  });
});
