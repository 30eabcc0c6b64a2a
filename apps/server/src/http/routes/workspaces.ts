import {
  ErrorBody,
  MemberList,
  Member,
  UpdateMemberRequest,
  UpdateWorkspaceRequest,
  Workspace,
} from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changeMemberRole, listMembers, removeMember, type MemberRow } from '../../workspaces/members.ts';
import { findWorkspace, updateWorkspace, type WorkspaceRow } from '../../workspaces/settings.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const MemberParams = z.object({ workspaceId: z.string(), userId: z.string() });

const toWorkspace = (w: WorkspaceRow): Workspace => ({
  id: w.id,
  name: w.name,
  createdAt: w.createdAt.toISOString(),
  retentionDays: w.retentionDays,
});
const toMember = (m: MemberRow): Member => ({ ...m, joinedAt: m.joinedAt.toISOString() });

export const workspaceRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.get(
    '/api/v1/workspaces/:workspaceId',
    { schema: { tags: ['workspace'], params: WorkspaceParams, response: { 200: Workspace, ...errors } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      return toWorkspace(await findWorkspace(db, workspaceId));
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
      const { name, retentionDays } = req.body;
      return toWorkspace(await updateWorkspace(db, workspaceId, { name, retentionDays }, session.user));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/members',
    { schema: { tags: ['people'], params: WorkspaceParams, response: { 200: MemberList, ...errors } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      return { items: (await listMembers(db, workspaceId)).map(toMember) };
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
      const { session, role } = await requireRole(db, req, workspaceId, 'admin');
      return toMember(
        await changeMemberRole(
          db,
          workspaceId,
          { user: session.user, role },
          pathId(req.params.userId),
          req.body.role,
        ),
      );
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/members/:userId',
    { schema: { tags: ['people'], params: MemberParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session, role } = await requireRole(db, req, workspaceId, 'admin');
      await removeMember(db, workspaceId, { user: session.user, role }, pathId(req.params.userId));
      return reply.status(204).send(null);
    },
  );
};
