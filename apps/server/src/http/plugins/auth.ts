import { CSRF_HEADER, type Role } from '@mailroom/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import { atLeast } from '../../core/roles.ts';
import type { Db } from '../../db/client.ts';
import { findRole } from '../../db/repos/memberships.ts';
import { findSession, type ActiveSession, type SessionPolicy } from '../../db/repos/sessions.ts';
import { authenticateApiKey } from '../../api-keys/keys.ts';
import { recordedActor, type Principal, type RecordedActor } from '../../core/principal.ts';
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
    /** An `Authorization: Bearer` API key, checked (decision 0010); then there is no session. */
    apiKey: Extract<Principal, { kind: 'api_key' }> | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Not a member is answered like a workspace that does not exist. */
const WORKSPACE = { en: 'Workspace', fr: 'Espace de travail' };

export function registerAuth(
  app: FastifyInstance,
  opts: { db: Db; policy: SessionPolicy; cookieSecure: boolean },
): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);
  app.decorateRequest('csrfToken', '');
  app.decorateRequest('apiKey', null);

  app.addHook('onRequest', async (req, reply) => {
    // The path the router matched, not the raw URL: `/%61pi/…` reaches the same handlers as `/api/…`.
    const path = routePath(req);
    // Microsoft's change notifications carry no cookie; they are checked by clientState instead.
    if (!path.startsWith('/api/') || path.startsWith(MICROSOFT_CALLBACKS)) return;
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      // An API key: no cookie may come with it (a browser adds cookies on its own; a key it does not),
      // so there is nothing for CSRF to protect and no session to mix it with.
      const m = /^Bearer[ ]+([\x21-\x7e]+)$/i.exec(authorization);
      if (!m)
        throw new AppError(
          'invalid_api_key',
          {
            en: 'Send the API key as "Authorization: Bearer <key>".',
            fr: 'Envoyez la clé d’API sous la forme "Authorization: Bearer <clé>".',
          },
          { headers: { 'www-authenticate': 'Bearer' } },
        );
      if (req.cookies[SESSION_COOKIE])
        throw new AppError('validation_failed', {
          en: 'A request carries either a session cookie or an API key, not both: send the key without cookies.',
          fr: 'Une requête porte soit un cookie de session, soit une clé d’API, pas les deux : envoyez la clé sans cookies.',
        });
      const key = await authenticateApiKey(opts.db, m[1]!).catch((err: unknown) => {
        if (err instanceof AppError)
          throw new AppError(err.code, err.words, {
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          });
        throw err;
      });
      req.apiKey = { kind: 'api_key', ...key };
      return;
    }
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
        reply.setCookie(ANON_CSRF_COOKIE, anon, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: opts.cookieSecure,
        });
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
    if (host !== req.headers.host)
      throw new AppError('csrf_failed', {
        en: 'This request came from another site and was refused.',
        fr: 'Cette requête venait d’un autre site et a été refusée.',
      });
  }
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !safeEqual(sent, req.csrfToken)) {
    throw new AppError('csrf_failed', {
      en: 'The security token of this request is missing or stale. Reload the page and try again.',
      fr: 'Le jeton de sécurité de cette requête est absent ou périmé. Rechargez la page et réessayez.',
    });
  }
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  opts: { cookieSecure: boolean; maxAgeMs: number },
): void {
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
  if (req.apiKey)
    throw forbidden({
      en: 'This needs a person signed in to Mailroom; an API key cannot do it.',
      fr: 'Cette action demande une personne connectée à Mailroom ; une clé d’API ne peut pas la faire.',
    });
  if (req.sessionExpired)
    throw new AppError('session_expired', {
      en: 'Your session has expired. Sign in again.',
      fr: 'Votre session a expiré. Reconnectez-vous.',
    });
  throw new AppError('unauthenticated', { en: 'Sign in to continue.', fr: 'Connectez-vous pour continuer.' });
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
  if (req.apiKey) throw keyRefusal(req.apiKey, workspaceId);
  const session = requireUser(req);
  const role = await findRole(db, workspaceId, session.user.id);
  if (!role) throw notFound(WORKSPACE);
  if (!atLeast(role, needed)) {
    throw forbidden(
      needed === 'owner'
        ? { en: 'Only an owner can do this.', fr: 'Seul un propriétaire peut faire cela.' }
        : {
            en: 'Only workspace admins can do this.',
            fr: 'Seuls les administrateurs de l’espace de travail peuvent faire cela.',
          },
    );
  }
  return { session, role };
}

/** An API key on a route for people (admin work, or a route keys do not reach): 404 elsewhere, 403 here. */
function keyRefusal(key: NonNullable<FastifyRequest['apiKey']>, workspaceId: string): AppError {
  if (key.workspaceId !== workspaceId) return notFound(WORKSPACE);
  return forbidden({
    en: 'API keys act as workspace members: this needs a workspace admin, signed in.',
    fr: 'Les clés d’API agissent comme des membres de l’espace de travail : cette action demande un administrateur connecté.',
  });
}

/** Who may read or act as a workspace member: a person on the workspace, or one of its API keys. */
export interface MemberAccess {
  principal: Principal;
  /** How the caller is written into history and audit lines. */
  actor: RecordedActor;
  role: Role;
}

/**
 * A workspace member or an API key of the workspace (decision 0010). A key of another workspace gets
 * the same 404 as a workspace that does not exist; a read-only key is refused any change (403).
 */
export async function requireMember(db: Db, req: FastifyRequest, workspaceId: string): Promise<MemberAccess> {
  const key = req.apiKey;
  if (key) {
    if (key.workspaceId !== workspaceId) throw notFound(WORKSPACE);
    if (UNSAFE.has(req.method) && key.scope === 'read')
      throw forbidden({
        en: `This API key (${key.prefix}…) is read-only.`,
        fr: `Cette clé d’API (${key.prefix}…) est en lecture seule.`,
      });
    return { principal: key, actor: recordedActor(key), role: 'member' };
  }
  const { session, role } = await requireRole(db, req, workspaceId, 'member');
  const principal: Principal = { kind: 'user', id: session.user.id, email: session.user.email };
  return { principal, actor: recordedActor(principal), role };
}
