import type { FastifyRequest } from 'fastify';

/**
 * The path a request is about, as the router understood it: the matched route's pattern
 * (`/api/v1/invitations/:token`), or, when no route matched, the path percent-decoded once.
 *
 * Every decision by prefix (`/api/…`: sessions, CSRF, caching, the web app's fallback) uses this and
 * never `req.url`: the router decodes `/%61pi/v1/auth/login` to `/api/v1/auth/login`, so a test on
 * the raw URL would let such a request reach an API handler without the API's checks.
 */
export function routePath(req: FastifyRequest): string {
  return req.routeOptions.url ?? decodedPath(req.url);
}

export function isApiRequest(req: FastifyRequest): boolean {
  return routePath(req).startsWith('/api/');
}

/** The path part of a raw URL, percent-decoded (left as it is when its encoding is malformed). */
export function decodedPath(url: string): string {
  const raw = url.split('?', 1)[0]!;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
