import {
  CreateWebhookEndpointRequest,
  ErrorBody,
  UpdateWebhookEndpointRequest,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
} from '../../webhooks/endpoints.ts';
import { toEndpointView } from '../../webhooks/views.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { IdempotencyHeaders } from './idempotency.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
/** Webhook endpoints (Standard Webhooks): add, change, delete, rotate the secret. Admins only (webhook-deliveries.ts has the log). */
export const webhookRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const allowPrivate = deps.config.webhookAllowPrivate;
  const admin = async (req: Parameters<typeof requireRole>[1], ws: string) =>
    (await requireRole(db, req, pathId(ws), 'admin')).session.user;
  const tags = ['webhooks'];

  app.get(
    '/api/v1/workspaces/:workspaceId/webhooks',
    {
      schema: {
        tags,
        summary: 'List webhook endpoints',
        params: WorkspaceParams,
        response: { 200: WebhookEndpointList, ...errors },
      },
    },
    async (req) => {
      await admin(req, req.params.workspaceId);
      return {
        items: (await listEndpoints(db, pathId(req.params.workspaceId))).map((e) => toEndpointView(e)),
      };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/webhooks',
    {
      schema: {
        tags,
        summary: 'Add a webhook endpoint (the answer holds its signing secret, shown this once)',
        params: WorkspaceParams,
        headers: IdempotencyHeaders,
        body: CreateWebhookEndpointRequest,
        response: { 200: WebhookEndpointWithSecret, 201: WebhookEndpointWithSecret, ...errors },
      },
    },
    async (req, reply) => {
      const actor = await admin(req, req.params.workspaceId);
      const { endpoint, secret, replayed } = await createEndpoint(
        db,
        deps.vault,
        pathId(req.params.workspaceId),
        req.body,
        actor,
        allowPrivate,
        req.headers['idempotency-key'],
      );
      // A replay (the same Idempotency-Key) answers 200 with what the first request created.
      return reply.status(replayed ? 200 : 201).send({ ...toEndpointView(endpoint), secret });
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'One webhook endpoint',
        params: WorkspaceItemParams,
        response: { 200: WebhookEndpoint, ...errors },
      },
    },
    async (req) => {
      await admin(req, req.params.workspaceId);
      return toEndpointView(await getEndpoint(db, pathId(req.params.workspaceId), pathId(req.params.id)));
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Change, enable or disable a webhook endpoint',
        params: WorkspaceItemParams,
        body: UpdateWebhookEndpointRequest,
        response: { 200: WebhookEndpoint, ...errors },
      },
    },
    async (req) => {
      const actor = await admin(req, req.params.workspaceId);
      return toEndpointView(
        await updateEndpoint(
          db,
          pathId(req.params.workspaceId),
          pathId(req.params.id),
          req.body,
          actor,
          allowPrivate,
        ),
      );
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        params: WorkspaceItemParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const actor = await admin(req, req.params.workspaceId);
      await deleteEndpoint(db, pathId(req.params.workspaceId), pathId(req.params.id), actor);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Rotate the signing secret (the previous one keeps signing for 24 h)',
        params: WorkspaceItemParams,
        response: { 200: WebhookEndpointWithSecret, ...errors },
      },
    },
    async (req) => {
      const actor = await admin(req, req.params.workspaceId);
      const { endpoint, secret } = await rotateSecret(
        db,
        deps.vault,
        pathId(req.params.workspaceId),
        pathId(req.params.id),
        actor,
      );
      return { ...toEndpointView(endpoint), secret };
    },
  );
};
