import type { ErrorCode } from '@mailroom/contracts';

/**
 * A failure the caller can act on, with a stable code from the API contract. HTTP maps codes to
 * statuses in one place (http/plugins/errors.ts); nothing else decides a status.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: { path: string; message: string }[] | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    extra?: { details?: { path: string; message: string }[]; headers?: Record<string, string> },
  ) {
    super(message);
    this.code = code;
    this.details = extra?.details;
    this.headers = extra?.headers;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found.`);
export const forbidden = (message = 'Your role does not allow this.') => new AppError('forbidden', message);
/** A 400 on one field of the request body, with the field's path (as the contract's `details`). */
export const invalidField = (path: string, message: string) =>
  new AppError('validation_failed', 'Some fields are not valid.', { details: [{ path, message }] });
