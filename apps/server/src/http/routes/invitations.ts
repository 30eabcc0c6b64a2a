import {
  AcceptInvitationRequest,
  CreateInvitationRequest,
  ErrorBody,
  Invitation,
  InvitationList,
  InvitationPreview,
  Password,
  SessionInfo,
} from '@mailroom/contracts';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../core/errors.ts';
import { recordAudit } from '../../db/repos/audit.ts';
import { grantDefaultInbox } from '../../db/repos/inbox-access.ts';
import { checkLoginAllowed, recordLoginFailure, recordLoginSuccess, spendPasswordWork } from '../../db/repos/login-throttle.ts';
import { clientKey } from '../../core/client-key.ts';
import { findUserByEmail } from '../../db/repos/users.ts';
import { invitations, memberships, users, workspaces } from '../../db/schema/index.ts';
import { hashPassword, verifyPassword } from '../../security/passwords.ts';
import { assertStrongPassword, localeOf } from '../../security/password-strength.ts';
import { randomToken, sha256 } from '../../security/tokens.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';
import { sessionHelpers } from '../session-helpers.ts';

const INVITATION_TTL_MS = 7 * 86_400_000;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody, 429: ErrorBody };
const TokenParams = z.object({ token: z.string().min(1).max(200) });

function toInvitation(i: typeof invitations.$inferSelect, url?: string): Invitation {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    createdAt: i.createdAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
    ...(url ? { url } : {}),
  };
}

/** Invitations by link: the admin copies the link; the invited person opens it and joins. */
export const invitationRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const { signIn } = sessionHelpers(deps);
  const live = () => and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date()));

  app.get(
    '/api/v1/workspaces/:workspaceId/invitations',
    { schema: { tags: ['people'], summary: 'Pending invitations', params: WorkspaceParams, response: { 200: InvitationList, ...errors } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      const rows = await db.select().from(invitations).where(and(eq(invitations.workspaceId, workspaceId), live())).orderBy(desc(invitations.createdAt));
      return { items: rows.map((r) => toInvitation(r)) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/invitations',
    { schema: { tags: ['people'], summary: 'Invite someone; the response holds the link, shown once', params: WorkspaceParams, body: CreateInvitationRequest, response: { 201: Invitation, ...errors } } },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const existing = await findUserByEmail(db, req.body.email);
      if (existing) {
        const [m] = await db.select().from(memberships).where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, existing.id)));
        if (m) throw new AppError('conflict', `${req.body.email} is already a member of this workspace.`);
      }
      const token = randomToken();
      const created = await db.transaction(async (tx) => {
        // A new invitation for the same address replaces the previous one.
        await tx
          .update(invitations)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(invitations.workspaceId, workspaceId), eq(sql`lower(${invitations.email})`, req.body.email), live()));
        const [inv] = await tx
          .insert(invitations)
          .values({ workspaceId, email: req.body.email, role: req.body.role, tokenHash: sha256(token), invitedBy: session.user.id, expiresAt: new Date(Date.now() + INVITATION_TTL_MS) })
          .returning();
        await recordAudit(tx, { workspaceId, actor: session.user, action: 'member.invited', target: { type: 'invitation', id: inv!.id }, details: { email: req.body.email, role: req.body.role } });
        return inv!;
      });
      return reply.status(201).send(toInvitation(created, `${deps.config.publicBaseUrl}/invite/${token}`));
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/invitations/:id',
    { schema: { tags: ['people'], summary: 'Revoke an invitation', params: WorkspaceItemParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const id = pathId(req.params.id);
      const [inv] = await db
        .update(invitations)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(invitations.workspaceId, workspaceId), eq(invitations.id, id), live()))
        .returning();
      if (!inv) throw notFound('Invitation');
      await recordAudit(db, { workspaceId, actor: session.user, action: 'invitation.revoked', target: { type: 'invitation', id }, details: { email: inv.email } });
      return reply.status(204).send(null);
    },
  );

  async function findLive(token: string) {
    const [row] = await db
      .select({ inv: invitations, workspaceName: workspaces.name })
      .from(invitations)
      .innerJoin(workspaces, eq(workspaces.id, invitations.workspaceId))
      .where(and(eq(invitations.tokenHash, sha256(token)), live()))
      .limit(1);
    if (!row) throw new AppError('invitation_invalid', 'This invitation link is not valid any more: it expired, was revoked or was already used. Ask an admin for a new one.');
    return row;
  }

  app.get(
    '/api/v1/invitations/:token',
    { schema: { tags: ['people'], summary: 'What an invitation link offers', params: TokenParams, response: { 200: InvitationPreview, ...errors } } },
    async (req) => {
      const { inv, workspaceName } = await findLive(req.params.token);
      return { workspaceName, email: inv.email, role: inv.role, accountExists: Boolean(await findUserByEmail(db, inv.email)) };
    },
  );

  app.post(
    '/api/v1/invitations/:token/accept',
    { schema: { tags: ['people'], summary: 'Join the workspace (new people choose a password; others confirm theirs)', params: TokenParams, body: AcceptInvitationRequest, response: { 200: SessionInfo, ...errors } } },
    async (req, reply) => {
      const { inv, workspaceName } = await findLive(req.params.token);
      let user = await findUserByEmail(db, inv.email);
      const client = clientKey(req.ip);
      if (user) {
        await checkLoginAllowed(db, client, inv.email);
        await spendPasswordWork(db, client);
        if (!(await verifyPassword(user.passwordHash, req.body.password))) {
          await recordLoginFailure(db, client, inv.email);
          throw new AppError('invalid_credentials', 'The password is incorrect.');
        }
        await recordLoginSuccess(db, client, inv.email);
      } else {
        const pw = Password.safeParse(req.body.password);
        if (!pw.success) throw new AppError('validation_failed', 'Some fields are not valid.', { details: [{ path: 'password', message: pw.error.issues[0]!.message }] });
        if (!req.body.name) throw new AppError('validation_failed', 'Some fields are not valid.', { details: [{ path: 'name', message: 'Enter a name.' }] });
        assertStrongPassword(req.body.password, { locale: localeOf(req.headers['accept-language']), personal: [req.body.name, inv.email, workspaceName] });
        await spendPasswordWork(db, client);
        const passwordHash = await hashPassword(req.body.password);
        [user] = await db.insert(users).values({ email: inv.email, name: req.body.name, passwordHash }).returning();
      }
      const joined = await db.transaction(async (tx) => {
        // Claim the invitation first: of two concurrent accepts, one wins.
        const claimed = await tx.update(invitations).set({ acceptedAt: sql`now()` }).where(and(eq(invitations.id, inv.id), live())).returning({ id: invitations.id });
        if (claimed.length === 0) throw new AppError('invitation_invalid', 'This invitation was already used.');
        const added = await tx.insert(memberships).values({ workspaceId: inv.workspaceId, userId: user!.id, role: inv.role }).onConflictDoNothing().returning();
        // Joining puts the person on the default inbox's access list (decision 0006); admins may take them off.
        if (added.length) await grantDefaultInbox(tx, inv.workspaceId, user!.id);
        if (added.length) await recordAudit(tx, { workspaceId: inv.workspaceId, actor: { id: user!.id, email: user!.email }, action: 'member.joined', target: { type: 'user', id: user!.id }, details: { role: inv.role } });
        return added.length > 0;
      });
      if (!joined) req.log.info('invitation accepted by someone already a member');
      return signIn(req, reply, user!.id);
    },
  );
};
