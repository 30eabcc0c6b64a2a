import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { thumbprints } from '../tls/certs.ts';
import type { KeyAndCert } from '../tls/certs.ts';

export type JwtPayload = Record<string, unknown>;

interface SigningKey {
  kid: string;
  x5t: string;
  x5c: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function signingKey(material: KeyAndCert): SigningKey {
  const t = thumbprints(material.certPem);
  const privateKey = createPrivateKey(material.keyPem);
  return { kid: t.x5t, x5t: t.x5t, x5c: t.derBase64, privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * Signs the emulator's tokens (RS256) with the current key of a small key ring published in the JWKS.
 * Like Entra, `kid` equals `x5t` (base64url SHA-1 thumbprint of the key's certificate). Entra rolls its
 * keys over: after `rollover` the JWKS holds the new key and the previous one, new tokens are signed by
 * the new one and tokens signed by the previous one stay valid until `retire` (issue 22 §1.5).
 */
export class TokenSigner {
  private keys: SigningKey[];
  /** Bumped whenever a key leaves the ring (verification caches must forget what they knew). */
  version = 0;

  constructor(material: KeyAndCert) {
    this.keys = [signingKey(material)];
  }

  private get current(): SigningKey {
    return this.keys[this.keys.length - 1]!;
  }
  get kid(): string {
    return this.current.kid;
  }
  get x5t(): string {
    return this.current.x5t;
  }
  get x5c(): string {
    return this.current.x5c;
  }
  /** Every published key id, oldest first. */
  get kids(): string[] {
    return this.keys.map((k) => k.kid);
  }

  /** A new current key; the previous one stays published (older ones are dropped: two keys at most). */
  rollover(material: KeyAndCert): { kid: string; previousKid: string } {
    const previousKid = this.kid;
    this.keys = [this.current, signingKey(material)];
    this.version++;
    return { kid: this.kid, previousKid };
  }

  /** Unpublishes every key but the current one: tokens they signed stop being valid. */
  retire(): string[] {
    const gone = this.keys.slice(0, -1).map((k) => k.kid);
    this.keys = [this.current];
    this.version++;
    return gone;
  }

  sign(payload: JwtPayload): string {
    const k = this.current;
    const header = { typ: 'JWT', alg: 'RS256', x5t: k.x5t, kid: k.kid };
    const data = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const sig = sign('sha256', Buffer.from(data), k.privateKey).toString('base64url');
    return `${data}.${sig}`;
  }

  /** Verifies a token signed by a published key (the one its `kid` names); its payload, or null. */
  verify(token: string): JwtPayload | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [h, p, s] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as {
        alg?: string;
        kid?: string;
      };
      if (header.alg !== 'RS256') return null;
      const key = this.keys.find((k) => k.kid === header.kid);
      if (!key || !verify('sha256', Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, 'base64url')))
        return null;
      return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as JwtPayload;
    } catch {
      return null;
    }
  }

  /** The JWKS entries, one per published key (`issuer` is filled per tenant by the caller). */
  jwks(): Record<string, unknown>[] {
    return this.keys.map((k) => {
      const jwk = k.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
      return { kty: 'RSA', use: 'sig', kid: k.kid, x5t: k.x5t, n: jwk.n, e: jwk.e, x5c: [k.x5c] };
    });
  }
}

/** Decodes a JWT without verifying it (header and payload), or null. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: JwtPayload } | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtPayload,
    };
  } catch {
    return null;
  }
}
