/**
 * A fresh `Idempotency-Key`: 128 random bits in hex. `crypto.getRandomValues`, not `randomUUID`: the
 * latter exists only in secure contexts, and Mailroom may be served over plain HTTP on a LAN.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
