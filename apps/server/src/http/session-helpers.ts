import type { SessionInfo, User } from '@mailroom/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listUserWorkspaces } from '../db/repos/memberships.ts';
import { createSession, deleteSession } from '../db/repos/sessions.ts';
import { findUserById, isSetupDone, type UserRow } from '../db/repos/users.ts';
import { setSessionCookie } from './plugins/auth.ts';
import type { HttpDeps } from './deps.ts';

export type SignIn = (req: FastifyRequest, reply: FastifyReply, userId: string) => Promise<SessionInfo>;

export function toUser(u: UserRow): User {
  return { id: u.id, email: u.email, name: u.name, locale: u.locale === 'fr' ? 'fr' : 'en' };
}

/** Building the SessionInfo answer, and starting a session: shared by setup, sign-in and invitations. */
export function sessionHelpers(deps: HttpDeps) {
  const { db } = deps.database;

  async function sessionInfo(
    req: FastifyRequest,
    csrfToken = req.csrfToken,
    userId = req.session?.user.id,
  ): Promise<SessionInfo> {
    const setupRequired = !(await isSetupDone(db));
    const base = { setupRequired, sandbox: deps.config.sandbox, csrfToken };
    if (!userId) return { ...base, user: null, workspaces: [] };
    const u = await findUserById(db, userId);
    return { ...base, user: u ? toUser(u) : null, workspaces: await listUserWorkspaces(db, userId) };
  }

  const signIn: SignIn = async (req, reply, userId) => {
    // A new session on every sign-in (no fixation); the old one, if any, ends.
    if (req.session) await deleteSession(db, req.session.tokenHash);
    const { token, csrfToken } = await createSession(db, userId, deps.sessionPolicy, {
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? '',
    });
    setSessionCookie(reply, token, {
      cookieSecure: deps.config.cookieSecure,
      maxAgeMs: deps.sessionPolicy.absoluteMs,
    });
    return sessionInfo(req, csrfToken, userId);
  };

  return { sessionInfo, signIn };
}
