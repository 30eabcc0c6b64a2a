import {
  AcceptInvitationRequest,
  CreateInvitationRequest,
  ErrorBody,
  Invitation,
  InvitationList,
  InvitationPreview,
  SessionInfo,
} from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clientKey } from '../../core/client-key.ts';
import { acceptInvitation } from '../../workspaces/invitation-accept.ts';
import {
  createInvitation,
  listPendingInvitations,
  previewInvitation,
  revokeInvitation,
  type InvitationRow,
} from '../../workspaces/invitations.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { IdempotencyHeaders } from './idempotency.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';
import { sessionHelpers } from '../session-helpers.ts';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  410: ErrorBody,
  429: ErrorBody,
};
const TokenParams = z.object({ token: z.string().min(1).max(200) });

function toInvitation(i: InvitationRow, url?: string): Invitation {
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

  app.get(
    '/api/v1/workspaces/:workspaceId/invitations',
    {
      schema: {
        tags: ['people'],
        summary: 'Pending invitations',
        params: WorkspaceParams,
        response: { 200: InvitationList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      return { items: (await listPendingInvitations(db, workspaceId)).map((r) => toInvitation(r)) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/invitations',
    {
      schema: {
        tags: ['people'],
        summary: 'Invite someone; the response holds the link, shown once',
        params: WorkspaceParams,
        headers: IdempotencyHeaders,
        body: CreateInvitationRequest,
        response: { 200: Invitation, 201: Invitation, ...errors },
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const { invitation, token, replayed } = await createInvitation(
        db,
        workspaceId,
        session.user,
        req.body,
        {
          vault: deps.vault,
          key: req.headers['idempotency-key'],
        },
      );
      // A replay (the same Idempotency-Key) answers 200 with what the first request created.
      return reply
        .status(replayed ? 200 : 201)
        .send(toInvitation(invitation, `${deps.config.publicBaseUrl}/invite/${token}`));
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/invitations/:id',
    {
      schema: {
        tags: ['people'],
        summary: 'Revoke an invitation',
        params: WorkspaceItemParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      await revokeInvitation(db, workspaceId, pathId(req.params.id), session.user);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/invitations/:token',
    {
      schema: {
        tags: ['people'],
        summary: 'What an invitation link offers',
        params: TokenParams,
        response: { 200: InvitationPreview, ...errors },
      },
    },
    async (req) => previewInvitation(db, req.params.token),
  );

  app.post(
    '/api/v1/invitations/:token/accept',
    {
      schema: {
        tags: ['people'],
        summary: 'Join the workspace (new people choose a password; others confirm theirs)',
        params: TokenParams,
        body: AcceptInvitationRequest,
        response: { 200: SessionInfo, ...errors },
      },
    },
    async (req, reply) => {
      const asker = { client: clientKey(req.ip) };
      const { userId, joined } = await acceptInvitation(db, req.params.token, req.body, asker);
      if (!joined) req.log.info('invitation accepted by someone already a member');
      return signIn(req, reply, userId);
    },
  );
};
