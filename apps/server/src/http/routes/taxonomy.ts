import { DocumentType, DocumentTypeList, ErrorBody, NameRequest } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createTaxonomyEntryOnce,
  deleteTaxonomyEntry,
  listTaxonomy,
  renameTaxonomyEntry,
  type TaxonomyKind,
} from '../../inboxes/taxonomy.ts';
import { requireMember, requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { IdempotencyHeaders } from './idempotency.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/**
 * Document types and tags: the same shape and the same four routes for each. Reading: members;
 * changing: admins. Everything filtered on the path's workspace. The rules are in `inboxes/taxonomy.ts`.
 */
export const taxonomyRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  for (const kind of ['document-types', 'tags'] as const satisfies readonly TaxonomyKind[]) {
    app.get(
      `/api/v1/workspaces/:workspaceId/${kind}`,
      {
        schema: {
          tags: ['inboxes'],
          params: WorkspaceParams,
          response: { 200: DocumentTypeList, ...errors },
        },
      },
      async (req) => {
        const workspaceId = pathId(req.params.workspaceId);
        await requireMember(db, req, workspaceId);
        return { items: await listTaxonomy(db, kind, workspaceId) };
      },
    );
    app.post(
      `/api/v1/workspaces/:workspaceId/${kind}`,
      {
        schema: {
          tags: ['inboxes'],
          params: WorkspaceParams,
          headers: IdempotencyHeaders,
          body: NameRequest,
          response: { 200: DocumentType, 201: DocumentType, ...errors },
        },
      },
      async (req, reply) => {
        const workspaceId = pathId(req.params.workspaceId);
        const { session } = await requireRole(db, req, workspaceId, 'admin');
        const { row, replayed } = await createTaxonomyEntryOnce(
          db,
          kind,
          workspaceId,
          session.user,
          req.body.name,
          req.headers['idempotency-key'],
        );
        // A replay (the same Idempotency-Key) answers 200 with what the first request created.
        return reply.status(replayed ? 200 : 201).send(row);
      },
    );
    app.patch(
      `/api/v1/workspaces/:workspaceId/${kind}/:id`,
      {
        schema: {
          tags: ['inboxes'],
          params: WorkspaceItemParams,
          body: NameRequest,
          response: { 200: DocumentType, ...errors },
        },
      },
      async (req) => {
        const workspaceId = pathId(req.params.workspaceId);
        const { session } = await requireRole(db, req, workspaceId, 'admin');
        return renameTaxonomyEntry(db, kind, workspaceId, pathId(req.params.id), session.user, req.body.name);
      },
    );
    app.delete(
      `/api/v1/workspaces/:workspaceId/${kind}/:id`,
      { schema: { tags: ['inboxes'], params: WorkspaceItemParams, response: { 204: z.null(), ...errors } } },
      async (req, reply) => {
        const workspaceId = pathId(req.params.workspaceId);
        const { session } = await requireRole(db, req, workspaceId, 'admin');
        await deleteTaxonomyEntry(db, kind, workspaceId, pathId(req.params.id), session.user);
        return reply.status(204).send(null);
      },
    );
  }
};
