import {
  Connector,
  ConnectorList,
  CreateConnectorRequest,
  ErrorBody,
  UpdateConnectorRequest,
} from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createConnector,
  deleteConnector,
  getConnector,
  listConnectors,
  renameConnector,
} from '../../connectors/catalog.ts';
import { toConnectorView } from '../../connectors/view.ts';
import { requireMember, requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';
import { IdempotencyHeaders } from './idempotency.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

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

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors',
    {
      schema: {
        tags: ['connectors'],
        summary: 'List connectors',
        params: WorkspaceParams,
        response: { 200: ConnectorList, ...errors },
      },
    },
    async (req) => {
      const { workspaceId } = ids(req.params);
      await requireMember(db, req, workspaceId);
      return { items: (await listConnectors(db, workspaceId)).map((c) => toConnectorView(c)) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Create a connector (not connected yet); with an Idempotency-Key, once',
        params: WorkspaceParams,
        headers: IdempotencyHeaders,
        body: CreateConnectorRequest,
        response: { 200: Connector, 201: Connector, ...errors },
      },
    },
    async (req, reply) => {
      const { workspaceId } = ids(req.params);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const created = await createConnector(
        db,
        workspaceId,
        req.body,
        session.user,
        req.headers['idempotency-key'],
      );
      // A replay (the same Idempotency-Key) answers 200 with what the first request created.
      return reply.status(created.replayed ? 200 : 201).send(toConnectorView(created.row));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors/:id',
    {
      schema: {
        tags: ['connectors'],
        summary: 'One connector',
        params: WorkspaceItemParams,
        response: { 200: Connector, ...errors },
      },
    },
    async (req) => {
      const { workspaceId, id } = ids(req.params);
      await requireMember(db, req, workspaceId);
      return toConnectorView(await getConnector(db, workspaceId, id));
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/connectors/:id',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Rename a connector',
        params: WorkspaceItemParams,
        body: UpdateConnectorRequest,
        response: { 200: Connector, ...errors },
      },
    },
    async (req) => {
      const { workspaceId, id } = ids(req.params);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      return toConnectorView(await renameConnector(db, workspaceId, id, req.body.name, session.user));
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspaceId/connectors/:id',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Delete a connector',
        params: WorkspaceItemParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const { workspaceId, id } = ids(req.params);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      await deleteConnector(db, workspaceId, id, session.user, async (connectorId) => {
        // While the tokens still exist: delete the push subscriptions at Microsoft.
        await deps.push.releaseConnector(connectorId);
        deps.connectors.broker.forget(connectorId);
      });
      return reply.status(204).send(null);
    },
  );
};
