import type { ErrorCode } from '@mailroom/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../../core/errors.ts';
import { isDatabaseUnavailable, withoutQuery } from '../../db/client.ts';

/** The one place where error codes become HTTP statuses. */
const statusOf: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unauthenticated: 401,
  session_expired: 401,
  invalid_api_key: 401,
  invalid_credentials: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  setup_already_done: 409,
  setup_required: 409,
  invitation_invalid: 410,
  connection_failed: 422,
  payload_too_large: 413,
  idempotency_key_reused: 422,
  invalid_email: 422,
  account_locked: 429,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
};

export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  details?: { path: string; message: string }[],
): FastifyReply {
  return reply
    .status(statusOf[code])
    .type('application/json; charset=utf-8')
    .send({ error: { code, message, ...(details ? { details } : {}), requestId: String(reply.request.id) } });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      return sendError(reply, err.code, err.message, err.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(body)',
        message: v.message ?? 'is invalid',
      }));
      return sendError(reply, 'validation_failed', 'Some fields are not valid.', details);
    }
    if (
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (err instanceof SyntaxError && err.statusCode === 400)
    ) {
      return sendError(reply, 'malformed_json', 'The request body is not valid JSON.');
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 'payload_too_large', 'The request body is too large.');
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return sendError(reply, 'validation_failed', err.message);
    }
    if (isDatabaseUnavailable(err)) {
      // Never the statement or its parameters (drizzle puts both in its message).
      req.log.warn({ err: (withoutQuery(err) as Error).message }, 'database unavailable');
      reply.header('retry-after', '5');
      return sendError(
        reply,
        'service_unavailable',
        'Mailroom cannot reach its database right now. Try again shortly.',
      );
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode === 404 ? 'not_found' : 'validation_failed', err.message);
    }
    req.log.error({ err: withoutQuery(err) }, 'unhandled error');
    return sendError(reply, 'internal', 'Something went wrong on our side. The error was logged.');
  });
}
