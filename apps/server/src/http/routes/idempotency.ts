import { z } from 'zod';

/**
 * The optional `Idempotency-Key` header of a creation (issue 19 §3): printable ASCII, as Stripe and the
 * IETF draft allow; the app sends one per dialog opening, so a double click creates one thing.
 */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(
      /^[\x21-\x7e]{1,255}$/,
      'Idempotency-Key must be 1–255 printable ASCII characters (a UUID is a good choice).',
    )
    .optional(),
});
