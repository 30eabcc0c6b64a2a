import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { thumbprints } from '../tls/certs.ts';
import type { KeyAndCert } from '../tls/certs.ts';

export type JwtPayload = Record<string, unknown>;

/**
 * Signs the emulator's tokens (RS256) with one key published in the JWKS. Like Entra, `kid`
 * equals `x5t` (base64url SHA-1 thumbprint of the key's certificate).
 */
export class TokenSigner {
  readonly kid: string;
  readonly x5t: string;
  readonly x5c: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(material: KeyAndCert) {
    const t = thumbprints(material.certPem);
    this.kid = t.x5t;
    this.x5t = t.x5t;
    this.x5c = t.derBase64;
    this.privateKey = createPrivateKey(material.keyPem);
    this.publicKey = createPublicKey(this.privateKey);
  }

  sign(payload: JwtPayload): string {
    const header = { typ: 'JWT', alg: 'RS256', x5t: this.x5t, kid: this.kid };
    const data = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const sig = sign('sha256', Buffer.from(data), this.privateKey).toString('base64url');
    return `${data}.${sig}`;
  }

  /** Verifies a token this signer issued; returns its payload, or null if malformed or not ours. */
  verify(token: string): JwtPayload | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [h, p, s] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg !== 'RS256') return null;
      if (!verify('sha256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url')))
        return null;
      return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as JwtPayload;
    } catch {
      return null;
    }
  }

  /** The JWKS entry (`issuer` is filled per tenant by the caller). */
  jwk(): Record<string, unknown> {
    const jwk = this.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    return { kty: 'RSA', use: 'sig', kid: this.kid, x5t: this.x5t, n: jwk.n, e: jwk.e, x5c: [this.x5c] };
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
