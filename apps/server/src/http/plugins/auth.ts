import { CSRF_HEADER, type Role } from '@mailroom/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import { atLeast } from '../../core/roles.ts';
import type { Db } from '../../db/client.ts';
import { findRole } from '../../db/repos/memberships.ts';
import { findSession, type ActiveSession, type SessionPolicy } from '../../db/repos/sessions.ts';
import { randomToken, safeEqual } from '../../security/tokens.ts';
import { routePath } from '../request-path.ts';

export const SESSION_COOKIE = 'mr_session';
/** Double-submit CSRF cookie for requests made before anyone is signed in (setup, sign-in). */
export const ANON_CSRF_COOKIE = 'mr_csrf';

/** Server-to-server routes Microsoft calls (routes/graph-notifications.ts). */
const MICROSOFT_CALLBACKS = '/api/v1/graph/';

declare module 'fastify' {
  interface FastifyRequest {
    session: ActiveSession | null;
    /** A session cookie came with the request but no longer matches a live session. */
    sessionExpired: boolean;
    /** The CSRF token the client must echo: the session's, or the anonymous cookie's. */
    csrfToken: string;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function registerAuth(app: FastifyInstance, opts: { db: Db; policy: SessionPolicy; cookieSecure: boolean }): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);
  app.decorateRequest('csrfToken', '');

  app.addHook('onRequest', async (req, reply) => {
    // The path the router matched, not the raw URL: `/%61pi/…` reaches the same handlers as `/api/…`.
    const path = routePath(req);
    // Microsoft's change notifications carry no cookie; they are checked by clientState instead.
    if (!path.startsWith('/api/') || path.startsWith(MICROSOFT_CALLBACKS)) return;
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      req.session = (await findSession(opts.db, token, opts.policy)) ?? null;
      if (!req.session) {
        req.sessionExpired = true;
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
      }
    }
    if (req.session) {
      req.csrfToken = req.session.csrfToken;
    } else {
      let anon = req.cookies[ANON_CSRF_COOKIE];
      if (!anon || anon.length < 32) {
        anon = randomToken();
        reply.setCookie(ANON_CSRF_COOKIE, anon, { path: '/', httpOnly: true, sameSite: 'strict', secure: opts.cookieSecure });
      }
      req.csrfToken = anon;
    }
    if (UNSAFE.has(req.method)) checkCsrf(req);
  });
}

/**
 * Synchronizer token (session-bound) or double-submit (anonymous), plus an Origin check: a browser
 * always sends Origin on cross-site POSTs, and it must name this very host.
 */
function checkCsrf(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host) throw new AppError('csrf_failed', 'This request came from another site and was refused.');
  }
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !safeEqual(sent, req.csrfToken)) {
    throw new AppError('csrf_failed', 'The security token of this request is missing or stale. Reload the page and try again.');
  }
}

export function setSessionCookie(reply: FastifyReply, token: string, opts: { cookieSecure: boolean; maxAgeMs: number }): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    // Lax, not Strict: the browser must carry the session back from Microsoft's sign-in redirect.
    sameSite: 'lax',
    secure: opts.cookieSecure,
    maxAge: Math.floor(opts.maxAgeMs / 1000),
  });
}

/** The signed-in user, or a 401 that says whether the session expired or never existed. */
export function requireUser(req: FastifyRequest): ActiveSession {
  if (req.session) return req.session;
  if (req.sessionExpired) throw new AppError('session_expired', 'Your session has expired. Sign in again.');
  throw new AppError('unauthenticated', 'Sign in to continue.');
}

/**
 * The caller's role in a workspace. Not a member → 404, exactly like a workspace that does not
 * exist, so ids of other workspaces reveal nothing. Member with too small a role → 403.
 */
export async function requireRole(
  db: Db,
  req: FastifyRequest,
  workspaceId: string,
  needed: Role,
): Promise<{ session: ActiveSession; role: Role }> {
  const session = requireUser(req);
  const role = await findRole(db, workspaceId, session.user.id);
  if (!role) throw new AppError('not_found', 'Workspace not found.');
  if (!atLeast(role, needed)) {
    throw new AppError('forbidden', needed === 'owner' ? 'Only an owner can do this.' : 'Only workspace admins can do this.');
  }
  return { session, role };
}
