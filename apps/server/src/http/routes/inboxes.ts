import {
  CreateInboxRequest,
  ErrorBody,
  InboxList,
  ManagedInbox,
  ManagedInboxList,
  UpdateInboxRequest,
} from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createInboxOnce, updateInbox } from '../../inboxes/inbox-changes.ts';
import { inboxesOf, managedInbox, managedInboxes } from '../../inboxes/views.ts';
import { requireMember, requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';
import { IdempotencyHeaders } from './idempotency.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/**
 * Inboxes with their explicit access lists (decision 0006). Reading: members; changing: admins.
 * Everything filtered on the path's workspace. The rules are in `inboxes/`.
 */
export const inboxRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.get(
    '/api/v1/workspaces/:workspaceId/inboxes',
    {
      schema: {
        tags: ['inboxes'],
        summary: 'The inboxes the caller is on (access is explicit, admins included)',
        params: WorkspaceParams,
        response: { 200: InboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { principal } = await requireMember(db, req, workspaceId);
      return { items: await inboxesOf(db, workspaceId, principal) };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/settings/inboxes',
    {
      schema: {
        tags: ['inboxes'],
        summary: 'Every inbox with its access list (admins)',
        params: WorkspaceParams,
        response: { 200: ManagedInboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      return { items: await managedInboxes(db, workspaceId) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/inboxes',
    {
      schema: {
        tags: ['inboxes'],
        summary: 'Create an inbox; its creator is on its access list; with an Idempotency-Key, once',
        params: WorkspaceParams,
        headers: IdempotencyHeaders,
        body: CreateInboxRequest,
        response: { 200: ManagedInbox, 201: ManagedInbox, ...errors },
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const { id, replayed } = await createInboxOnce(
        db,
        workspaceId,
        session.user,
        req.body,
        req.headers['idempotency-key'],
      );
      return reply.status(replayed ? 200 : 201).send(await managedInbox(db, id));
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/inboxes/:id',
    {
      schema: {
        tags: ['inboxes'],
        summary:
          'Rename, archive or restore an inbox; set its access list, default document types and outflow actions',
        params: WorkspaceItemParams,
        body: UpdateInboxRequest,
        response: { 200: ManagedInbox, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const inboxId = pathId(req.params.id);
      await updateInbox(db, deps.connectors.broker, workspaceId, inboxId, session.user, req.body);
      return managedInbox(db, inboxId);
    },
  );
};
