import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (the specification Svix, Resend, Clerk … follow, with a verifying library
 * in every language): `webhook-signature` is `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}`,
 * keyed by the base64 bytes after the `whsec_` prefix. During a secret rotation both secrets sign,
 * space-separated, and a receiver accepts either.
 */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 24 random bytes, as Standard Webhooks libraries expect (`whsec_` + base64). */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The three headers of a signed delivery. */
export function signedHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signature(s, id, timestampSeconds, body)).join(' '),
  };
}
