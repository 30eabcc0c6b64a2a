import { ErrorBody, WebhookDelivery, WebhookDeliveryList } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deliveriesOfDocument, listDeliveries, redeliver, sendTestEvent } from '../../webhooks/endpoints.ts';
import { toDeliveryView } from '../../webhooks/views.ts';
import { timeIdCursor } from '../cursors.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { documentFor } from './documents.ts';
import { WorkspaceItemParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

/** What was sent where: test events, the delivery log, redelivery (admins), and a document's deliveries (its readers). */
export const webhookDeliveryRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const admin = async (req: Parameters<typeof requireRole>[1], ws: string) =>
    (await requireRole(db, req, pathId(ws), 'admin')).session.user;
  const tags = ['webhooks'];

  app.post(
    '/api/v1/workspaces/:workspaceId/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Send a test event to this endpoint',
        params: WorkspaceItemParams,
        response: { 202: z.object({ deliveryId: z.uuid() }), ...errors, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const actor = await admin(req, req.params.workspaceId);
      return reply.status(202).send({
        deliveryId: await sendTestEvent(db, pathId(req.params.workspaceId), pathId(req.params.id), actor),
      });
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: "The endpoint's delivery log, newest first",
        params: WorkspaceItemParams,
        querystring: PageQuery,
        response: { 200: WebhookDeliveryList, ...errors },
      },
    },
    async (req) => {
      await admin(req, req.params.workspaceId);
      const after = timeIdCursor.decode(req.query.cursor);
      const { deliveries, more } = await listDeliveries(
        db,
        pathId(req.params.workspaceId),
        pathId(req.params.id),
        { after, limit: req.query.limit },
      );
      const last = deliveries.at(-1);
      return {
        items: deliveries.map((d) => toDeliveryView(d, d.log)),
        nextCursor: more && last ? timeIdCursor.encode(last.createdAt, last.id) : null,
      };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/webhook-deliveries/:id/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a delivery again now (same webhook-id)',
        params: WorkspaceItemParams,
        response: { 202: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const actor = await admin(req, req.params.workspaceId);
      await redeliver(db, pathId(req.params.workspaceId), pathId(req.params.id), actor);
      return reply.status(202).send(null);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/documents/:id/webhook-deliveries',
    {
      schema: {
        tags,
        summary: "The webhook deliveries of the document's events",
        params: WorkspaceItemParams,
        response: { 200: z.object({ items: z.array(WebhookDelivery) }), ...errors },
      },
    },
    async (req) => {
      const { d, workspaceId, role } = await documentFor(db, req, req.params);
      const rows = await deliveriesOfDocument(db, workspaceId, d.id);
      // Members see that their document was delivered; where to (an endpoint URL may carry a token) is for admins.
      const admin = role === 'admin' || role === 'owner';
      return { items: rows.map((r) => toDeliveryView(r.delivery, [], admin ? r.url : undefined)) };
    },
  );
};
