import { z } from 'zod';

/**
 * Every error the HTTP API returns has this shape. `code` is stable and documented;
 * `message` is for humans (English) and may change.
 */
export const errorCodes = [
  'validation_failed',
  'malformed_json',
  'unauthenticated',
  'session_expired',
  /** An `Authorization: Bearer` API key that is unknown, revoked or expired. */
  'invalid_api_key',
  'csrf_failed',
  'forbidden',
  'not_found',
  'conflict',
  /** `If-Match` named a revision the document no longer has. */
  'precondition_failed',
  'rate_limited',
  'invalid_credentials',
  'account_locked',
  'setup_already_done',
  'setup_required',
  'invitation_invalid',
  /** Microsoft refused the credentials or consent given (own app registration). */
  'connection_failed',
  'payload_too_large',
  /** An `Idempotency-Key` sent again with a different request (another file or fields). */
  'idempotency_key_reused',
  /** An upload named as an email (`.eml`, `message/rfc822`) that cannot be read as one. */
  'invalid_email',
  'service_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    /** Field-level problems for `validation_failed`: path → message. */
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
