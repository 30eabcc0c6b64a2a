import { frenchOf, type ErrorCode } from '@mailroom/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  type ZodFastifySchemaValidationError,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, FIELDS_NOT_VALID, type Words } from '../../core/errors.ts';
import { isDatabaseUnavailable, withoutQuery } from '../../db/client.ts';
import { registerRequestLocale, requestLocale } from '../request-locale.ts';

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

/** Writes the contract's error body; the caller has put its words in the request's language. */
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

/** The handler's own messages: failures found before any route ran, or that no route words. */
const SAID = {
  malformedJson: {
    en: 'The request body is not valid JSON.',
    fr: 'Le corps de la requête n’est pas du JSON valide.',
  },
  tooLarge: { en: 'The request body is too large.', fr: 'Le corps de la requête est trop volumineux.' },
  databaseUnavailable: {
    en: 'Mailroom cannot reach its database right now. Try again shortly.',
    fr: 'Mailroom ne peut pas joindre sa base de données pour le moment. Réessayez dans un instant.',
  },
  internal: {
    en: 'Something went wrong on our side. The error was logged.',
    fr: 'Une erreur s’est produite de notre côté. Elle a été enregistrée dans le journal.',
  },
} satisfies Record<string, Words>;

/** French for Fastify's own refusals (their English is Fastify's message). */
const FASTIFY_FR: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Ce type de contenu n’est pas accepté.',
  FST_ERR_CTP_EMPTY_JSON_BODY:
    'Le corps de la requête ne peut pas être vide quand son type de contenu est application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH:
    'La taille du corps de la requête ne correspond pas à son en-tête Content-Length.',
};

/** A refusal of Fastify's or a plugin's: its English, and French (quoting the English when unknown). */
const fastifySaid = (err: FastifyError): Words => ({
  en: err.message,
  fr: FASTIFY_FR[err.code] ?? `La requête a été refusée : ${err.message}`,
});

const zodFrench = z.locales.fr().localeError;

/**
 * A field's message in French: the contract's own (worded with `said`, packages/contracts), else
 * zod's French for the issue (zod's own locale, from the issue's code and parameters), else a plain
 * "not valid".
 */
function fieldMessageInFrench(v: ZodFastifySchemaValidationError, input: unknown): string {
  const own = v.message ? frenchOf(v.message) : undefined;
  if (own) return own;
  const issue = { ...v.params, code: v.keyword, path: [], input } as unknown as Parameters<
    typeof zodFrench
  >[0];
  const said = zodFrench(issue);
  const text = typeof said === 'string' ? said : said?.message;
  return text ?? 'n’est pas valide';
}

/**
 * The value a refused field had (zod's issue no longer carries it, and its French says what was
 * received): read from the part of the request that was validated, along the issue's path.
 */
function inputAt(
  req: FastifyRequest,
  context: string | undefined,
  v: ZodFastifySchemaValidationError,
): unknown {
  const parts: Record<string, unknown> = {
    body: req.body,
    querystring: req.query,
    params: req.params,
    headers: req.headers,
  };
  let at = parts[context ?? 'body'];
  for (const key of v.instancePath.split('/').slice(1)) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

export function registerErrorHandling(app: FastifyInstance): void {
  registerRequestLocale(app);
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    // Every answer in the asker's language; logs keep English (`err.message`).
    const locale = requestLocale(req);
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      const said = err.saidIn(locale);
      return sendError(reply, err.code, said.message, said.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(body)',
        message:
          locale === 'fr'
            ? fieldMessageInFrench(v, inputAt(req, err.validationContext, v))
            : (v.message ?? 'is invalid'),
      }));
      return sendError(reply, 'validation_failed', FIELDS_NOT_VALID[locale], details);
    }
    if (
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (err instanceof SyntaxError && err.statusCode === 400)
    ) {
      return sendError(reply, 'malformed_json', SAID.malformedJson[locale]);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 'payload_too_large', SAID.tooLarge[locale]);
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return sendError(reply, 'validation_failed', fastifySaid(err)[locale]);
    }
    if (isDatabaseUnavailable(err)) {
      // Never the statement or its parameters (drizzle puts both in its message).
      req.log.warn({ err: (withoutQuery(err) as Error).message }, 'database unavailable');
      reply.header('retry-after', '5');
      return sendError(reply, 'service_unavailable', SAID.databaseUnavailable[locale]);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const code = err.statusCode === 404 ? 'not_found' : 'validation_failed';
      return sendError(reply, code, fastifySaid(err)[locale]);
    }
    req.log.error({ err: withoutQuery(err) }, 'unhandled error');
    return sendError(reply, 'internal', SAID.internal[locale]);
  });
}
