import { toConnectorView } from '../../connectors/view.ts';
import { Connector, ConnectorList, CreateConnectorRequest, ErrorBody, UpdateConnectorRequest } from '@mailroom/contracts';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../core/errors.ts';
import { recordAudit } from '../../db/repos/audit.ts';
import { connectors } from '../../db/schema/index.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

const toConnector = (c: typeof connectors.$inferSelect) => toConnectorView(c);

/**
 * Connectors. Every query filters on the workspace id from the path *and* checks membership first,
 * so another workspace's connector id answers 404 and never shows its data.
 */
export const connectorRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const ids = (p: { workspaceId: string; id?: string }) => ({
    workspaceId: pathId(p.workspaceId),
    id: pathId(p.id),
  });
  const scoped = (workspaceId: string, id: string) => and(eq(connectors.workspaceId, workspaceId), eq(connectors.id, id));

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors',
    { schema: { tags: ['connectors'], summary: 'List connectors', params: WorkspaceParams, response: { 200: ConnectorList, ...errors } } },
    async (req) => {
      const { workspaceId } = ids(req.params);
      await requireRole(db, req, workspaceId, 'member');
      const rows = await db.select().from(connectors).where(eq(connectors.workspaceId, workspaceId)).orderBy(asc(connectors.createdAt));
      return { items: rows.map(toConnector) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors',
    { schema: { tags: ['connectors'], summary: 'Create a connector (not connected yet)', params: WorkspaceParams, body: CreateConnectorRequest, response: { 201: Connector, ...errors } } },
    async (req, reply) => {
      const { workspaceId } = ids(req.params);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const created = await db.transaction(async (tx) => {
        const [c] = await tx.insert(connectors).values({ workspaceId, name: req.body.name, type: req.body.type }).returning();
        await recordAudit(tx, { workspaceId, actor: session.user, action: 'connector.created', target: { type: 'connector', id: c!.id }, details: { name: c!.name, type: c!.type } });
        return c!;
      });
      return reply.status(201).send(toConnector(created));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors/:id',
    { schema: { tags: ['connectors'], summary: 'One connector', params: WorkspaceItemParams, response: { 200: Connector, ...errors } } },
    async (req) => {
      const { workspaceId, id } = ids(req.params);
      await requireRole(db, req, workspaceId, 'member');
      const [c] = await db.select().from(connectors).where(scoped(workspaceId, id));
      if (!c) throw notFound('Connector');
      return toConnector(c);
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/connectors/:id',
    { schema: { tags: ['connectors'], summary: 'Rename a connector', params: WorkspaceItemParams, body: UpdateConnectorRequest, response: { 200: Connector, ...errors } } },
    async (req) => {
      const { workspaceId, id } = ids(req.params);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      return db.transaction(async (tx) => {
        const [before] = await tx.select({ name: connectors.name }).from(connectors).where(scoped(workspaceId, id)).for('update');
        if (!before) throw notFound('Connector');
        const [c] = await tx.update(connectors).set({ name: req.body.name, updatedAt: sql`now()` }).where(scoped(workspaceId, id)).returning();
        await recordAudit(tx, { workspaceId, actor: session.user, action: 'connector.renamed', target: { type: 'connector', id }, details: { from: before.name, to: c!.name } });
        return toConnector(c!);
      });
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/connectors/:id',
    { schema: { tags: ['connectors'], summary: 'Delete a connector', params: WorkspaceItemParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      const { workspaceId, id } = ids(req.params);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const [existing] = await db.select({ id: connectors.id }).from(connectors).where(scoped(workspaceId, id));
      // While the tokens still exist: delete the push subscriptions at Microsoft.
      if (existing) await deps.push.releaseConnector(existing.id);
      if (existing) deps.connectors.broker.forget(existing.id);
      await db.transaction(async (tx) => {
        const [c] = await tx.delete(connectors).where(scoped(workspaceId, id)).returning();
        if (!c) throw notFound('Connector');
        await recordAudit(tx, { workspaceId, actor: session.user, action: 'connector.deleted', target: { type: 'connector', id }, details: { name: c.name } });
      });
      return reply.status(204).send(null);
    },
  );
};
