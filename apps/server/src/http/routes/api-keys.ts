import { ApiKey, ApiKeyList, CreateApiKeyRequest, CreatedApiKey, ErrorBody } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../api-keys/keys.ts';
import { toApiKeyView } from '../../api-keys/view.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { IdempotencyHeaders } from './idempotency.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** Workspace API keys (decision 0010): admins create, list and revoke; a key is shown once. */
export const apiKeyRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.get(
    '/api/v1/workspaces/:workspaceId/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (prefix, scope, last use; never the key)',
        params: WorkspaceParams,
        response: { 200: ApiKeyList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      return { items: (await listApiKeys(db, workspaceId)).map((k) => toApiKeyView(k)) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (the answer holds the key, shown this once)',
        params: WorkspaceParams,
        headers: IdempotencyHeaders,
        body: CreateApiKeyRequest,
        response: { 200: CreatedApiKey, 201: CreatedApiKey, ...errors },
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const { key, row, replayed } = await createApiKey(
        db,
        workspaceId,
        { ...req.body, expiresAt: req.body.expiresAt ? new Date(req.body.expiresAt) : null },
        session.user,
        { vault: deps.vault, key: req.headers['idempotency-key'] },
      );
      // A replay (the same Idempotency-Key) answers 200 with what the first request created.
      return reply.status(replayed ? 200 : 201).send({ ...toApiKeyView(row), key });
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key (at once; revoking again is harmless)',
        params: WorkspaceItemParams,
        response: { 200: ApiKey, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      return toApiKeyView(await revokeApiKey(db, workspaceId, pathId(req.params.id), session.user));
    },
  );
};
