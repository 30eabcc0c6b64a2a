import type { FastifyRequest } from 'fastify';
import { decodedPath } from './request-path.ts';

/**
 * Request URLs as they may be logged: without the bearer secrets some of them carry.
 *
 * - invitation links: the token in `/api/v1/invitations/<token>[/accept]` and the web app's `/invite/<token>`;
 * - OAuth redirects from Microsoft: `code` and `state` (and what comes with them). `tenant`,
 *   `admin_consent`, `error` and `error_description` stay: they explain a failed connection.
 */
const SECRET_QUERY_KEYS = new Set([
  'code',
  'state',
  'session_state',
  'client_info',
  'id_token',
  'access_token',
  'refresh_token',
  'token',
]);
export const REDACTED = '[redacted]';
/** A path pattern and what replaces it (an unmatched `$2` is empty). */
const SECRET_PATHS: readonly (readonly [RegExp, string])[] = [
  [/^(\/api\/v1\/invitations\/).+?(\/accept)?$/, `$1${REDACTED}$2`],
  [/^(\/invite\/).+$/, `$1${REDACTED}`],
];

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  // Matched on the decoded path, as the router matches: `/%61pi/v1/invitations/…` is the same route.
  const decoded = decodedPath(rawPath);
  const secret = SECRET_PATHS.find(([re]) => re.test(decoded));
  const path = secret ? decoded.replace(secret[0], secret[1]) : rawPath;
  if (q === -1) return path;
  const params = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    return SECRET_QUERY_KEYS.has(decodedPath(key.replaceAll('+', ' ')).toLowerCase())
      ? `${key}=${REDACTED}`
      : pair;
  });
  return `${path}?${params.join('&')}`;
}

/** Fastify's request serializer (the `req` of "incoming request" lines), with the URL redacted. */
export function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
