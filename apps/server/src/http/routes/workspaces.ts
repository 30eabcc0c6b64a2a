import {
  ErrorBody,
  MemberList,
  Member,
  UpdateMemberRequest,
  UpdateWorkspaceRequest,
  Workspace,
} from '@mailroom/contracts';
import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../core/errors.ts';
import { canChangeRole, canRemoveMember } from '../../core/roles.ts';
import { recordAudit } from '../../db/repos/audit.ts';
import type { Tx } from '../../db/client.ts';
import { memberships, users, workspaces } from '../../db/schema/index.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const MemberParams = z.object({ workspaceId: z.string(), userId: z.string() });

export const workspaceRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.get(
    '/api/v1/workspaces/:workspaceId',
    { schema: { tags: ['workspace'], params: WorkspaceParams, response: { 200: Workspace, ...errors } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      const [w] = await db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
      if (!w) throw notFound('Workspace');
      return { id: w.id, name: w.name, createdAt: w.createdAt.toISOString() };
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId',
    {
      schema: {
        tags: ['workspace'],
        params: WorkspaceParams,
        body: UpdateWorkspaceRequest,
        response: { 200: Workspace, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const [w] = await db
        .update(workspaces)
        .set({ name: req.body.name, updatedAt: sql`now()` })
        .where(eq(workspaces.id, workspaceId))
        .returning();
      await recordAudit(db, {
        workspaceId,
        actor: session.user,
        action: 'workspace.renamed',
        target: { type: 'workspace', id: workspaceId },
        details: { name: req.body.name },
      });
      return { id: w!.id, name: w!.name, createdAt: w!.createdAt.toISOString() };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/members',
    { schema: { tags: ['people'], params: WorkspaceParams, response: { 200: MemberList, ...errors } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      return { items: await listMembers(db, eq(memberships.workspaceId, workspaceId)) };
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/members/:userId',
    {
      schema: {
        tags: ['people'],
        params: MemberParams,
        body: UpdateMemberRequest,
        response: { 200: Member, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session, role: actorRole } = await requireRole(db, req, workspaceId, 'admin');
      const targetId = pathId(req.params.userId);
      return db.transaction(async (tx) => {
        const target = await lockMembership(tx, workspaceId, targetId);
        if (!target) throw notFound('Member');
        if (!canChangeRole(actorRole, target.role, req.body.role))
          throw new AppError('forbidden', 'Only an owner can grant or remove ownership.');
        if (target.role === 'owner' && req.body.role !== 'owner') await assertAnotherOwner(tx, workspaceId);
        await tx
          .update(memberships)
          .set({ role: req.body.role })
          .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, targetId)));
        await recordAudit(tx, {
          workspaceId,
          actor: session.user,
          action: 'member.role_changed',
          target: { type: 'user', id: targetId },
          details: { from: target.role, to: req.body.role },
        });
        const [m] = await listMembers(
          tx,
          and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, targetId)),
        );
        return m!;
      });
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/members/:userId',
    { schema: { tags: ['people'], params: MemberParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session, role: actorRole } = await requireRole(db, req, workspaceId, 'admin');
      const targetId = pathId(req.params.userId);
      await db.transaction(async (tx) => {
        const target = await lockMembership(tx, workspaceId, targetId);
        if (!target) throw notFound('Member');
        if (!canRemoveMember(actorRole, target.role))
          throw new AppError('forbidden', 'Only an owner can remove an owner.');
        if (target.role === 'owner') await assertAnotherOwner(tx, workspaceId);
        await tx
          .delete(memberships)
          .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, targetId)));
        await recordAudit(tx, {
          workspaceId,
          actor: session.user,
          action: 'member.removed',
          target: { type: 'user', id: targetId },
        });
      });
      return reply.status(204).send(null);
    },
  );
};

/** Members as the API shows them (the list and the answer to a role change). */
async function listMembers(db: Tx | HttpDeps['database']['db'], where: SQL | undefined) {
  const rows = await db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(where)
    .orderBy(asc(memberships.createdAt));
  return rows.map((r) => ({ ...r, joinedAt: r.joinedAt.toISOString() }));
}

/** The membership a change is about, locked for the rest of the transaction. */
async function lockMembership(tx: Tx, workspaceId: string, userId: string) {
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, userId)))
    .for('update');
  return row;
}

/** A workspace always keeps at least one owner. */
async function assertAnotherOwner(tx: Tx, workspaceId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspaceId), eq(memberships.role, 'owner')));
  if ((row?.n ?? 0) < 2)
    throw new AppError('conflict', 'A workspace needs at least one owner. Make someone else owner first.');
}
