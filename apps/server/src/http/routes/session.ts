import { ErrorBody, LoginRequest, SessionInfo, SetupRequest, UpdateMeRequest, User } from '@mailroom/contracts';
import { eq, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { recordAudit } from '../../db/repos/audit.ts';
import { deleteSession } from '../../db/repos/sessions.ts';
import { findUserByEmail, isSetupDone } from '../../db/repos/users.ts';
import { inboxAccess, inboxes, instance, memberships, users, workspaces } from '../../db/schema/index.ts';
import { hashPassword, verifyPassword } from '../../security/passwords.ts';
import { assertStrongPassword, localeOf } from '../../security/password-strength.ts';
import { checkLoginAllowed, recordLoginFailure, recordLoginSuccess, spendPasswordWork } from '../../db/repos/login-throttle.ts';
import { clientKey } from '../../core/client-key.ts';
import { SESSION_COOKIE, requireUser } from '../plugins/auth.ts';
import { sessionHelpers, toUser } from '../session-helpers.ts';
import type { HttpDeps } from '../deps.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 429: ErrorBody };

export const sessionRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  const { sessionInfo, signIn } = sessionHelpers(deps);

  app.get(
    '/api/v1/auth/session',
    { schema: { tags: ['session'], summary: 'Who is signed in, and the CSRF token to send back', response: { 200: SessionInfo } } },
    async (req) => sessionInfo(req),
  );

  app.post(
    '/api/v1/setup',
    { schema: { tags: ['session'], summary: 'First start: create the owner and the first workspace', body: SetupRequest, response: { 201: SessionInfo, ...errors } } },
    async (req, reply) => {
      const body = req.body;
      // Refuse before any argon2id work: once set up, this route costs a single read.
      if (await isSetupDone(db)) throw new AppError('setup_already_done', 'Mailroom is already set up. Sign in instead.');
      assertStrongPassword(body.password, { locale: body.locale ?? localeOf(req.headers['accept-language']), personal: [body.name, body.email, body.workspaceName] });
      // Every cheap refusal first, then this client's budget of password hashing (decision 0003).
      await spendPasswordWork(db, clientKey(req.ip));
      const passwordHash = await hashPassword(body.password);
      const userId = await db.transaction(async (tx) => {
        // The instance row's primary key lets exactly one setup win, however many race.
        const won = await tx.insert(instance).values({ id: 1 }).onConflictDoNothing().returning({ id: instance.id });
        if (won.length === 0) throw new AppError('setup_already_done', 'Mailroom is already set up. Sign in instead.');
        const [user] = await tx
          .insert(users)
          .values({ email: body.email, name: body.name, passwordHash, locale: body.locale ?? 'en' })
          .returning({ id: users.id });
        const [ws] = await tx.insert(workspaces).values({ name: body.workspaceName }).returning({ id: workspaces.id });
        await tx.insert(memberships).values({ workspaceId: ws!.id, userId: user!.id, role: 'owner' });
        const [inbox] = await tx.insert(inboxes).values({ workspaceId: ws!.id, name: 'Inbox', isDefault: true }).returning({ id: inboxes.id });
        await tx.insert(inboxAccess).values({ inboxId: inbox!.id, workspaceId: ws!.id, userId: user!.id });
        await recordAudit(tx, {
          workspaceId: ws!.id,
          actor: { id: user!.id, email: body.email },
          action: 'workspace.created',
          target: { type: 'workspace', id: ws!.id },
          details: { name: body.workspaceName },
        });
        return user!.id;
      });
      reply.status(201);
      return signIn(req, reply, userId);
    },
  );

  app.post(
    '/api/v1/auth/login',
    { schema: { tags: ['session'], summary: 'Sign in with email and password', body: LoginRequest, response: { 200: SessionInfo, ...errors } } },
    async (req, reply) => {
      const { email, password } = req.body;
      const client = clientKey(req.ip);
      await checkLoginAllowed(db, client, email);
      await spendPasswordWork(db, client);
      const user = await findUserByEmail(db, email);
      const ok = await verifyPassword(user?.passwordHash, password);
      if (!ok || !user) {
        await recordLoginFailure(db, client, email);
        throw new AppError('invalid_credentials', 'The email or password is incorrect.');
      }
      await recordLoginSuccess(db, client, email);
      return signIn(req, reply, user.id);
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['session'], summary: 'Sign out (ends the session on the server)', response: { 204: z.null() } } },
    async (req, reply) => {
      if (req.session) await deleteSession(db, req.session.tokenHash);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/api/v1/me',
    { schema: { tags: ['session'], summary: 'Change your name or language', body: UpdateMeRequest, response: { 200: User, ...errors } } },
    async (req) => {
      const session = requireUser(req);
      const [u] = await db
        .update(users)
        .set({
          ...(req.body.name !== undefined ? { name: req.body.name } : {}),
          ...(req.body.locale !== undefined ? { locale: req.body.locale } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(users.id, session.user.id))
        .returning();
      return toUser(u!);
    },
  );
};
