import { AdminConsentStart, Connector, DelegatedStart, ErrorBody, OwnAppRequest } from '@mailroom/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toConnectorView } from '../../connectors/view.ts';
import { getConnector, reloadConnector } from '../../connectors/catalog.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, pathId } from './params.ts';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  422: ErrorBody,
  503: ErrorBody,
};
/**
 * Connecting Microsoft 365: the three modes, disconnect and check (admin only, workspace-isolated).
 * Microsoft's redirects back are in oauth-callbacks.ts.
 */
export const connectRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const svc = deps.connectors;

  async function loadForAdmin(req: FastifyRequest, p: { workspaceId: string; id: string }) {
    const workspaceId = pathId(p.workspaceId);
    const { session } = await requireRole(db, req, workspaceId, 'admin');
    return { c: await getConnector(db, workspaceId, pathId(p.id)), session };
  }
  const reload = async (id: string) => toConnectorView(await reloadConnector(db, id));

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/connect/delegated',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Start "Sign in with Microsoft" (delegated access)',
        params: WorkspaceItemParams,
        response: { 200: DelegatedStart, ...errors },
      },
    },
    async (req) => {
      const { c, session } = await loadForAdmin(req, req.params);
      return {
        authorizeUrl: await svc.startDelegated(c, session.user, session.tokenHash, session.user.locale),
      };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/connect/organization',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Admin-consent link for organisation-wide access',
        params: WorkspaceItemParams,
        response: { 200: AdminConsentStart, ...errors },
      },
    },
    async (req) => {
      const { c, session } = await loadForAdmin(req, req.params);
      const { url, expiresAt } = await svc.orgConsent.createLink(c, session.user);
      return { adminConsentUrl: url, expiresAt: expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/connect/own-app',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Connect with your own app registration (verified before saving)',
        params: WorkspaceItemParams,
        body: OwnAppRequest,
        response: { 200: Connector, ...errors },
      },
    },
    async (req) => {
      const { c, session } = await loadForAdmin(req, req.params);
      await svc.connectOwnApp(c, req.body, session.user);
      return reload(c.id);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/disconnect',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Disconnect: erase tokens and secrets, keep the connector',
        params: WorkspaceItemParams,
        response: { 200: Connector, ...errors },
      },
    },
    async (req) => {
      const { c, session } = await loadForAdmin(req, req.params);
      // While the tokens still exist: delete the push subscriptions at Microsoft.
      await deps.push.releaseConnector(c.id);
      await svc.disconnect(c, session.user);
      return reload(c.id);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/check',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Check the connection now',
        params: WorkspaceItemParams,
        response: { 200: Connector, ...errors },
      },
    },
    async (req) => {
      const { c } = await loadForAdmin(req, req.params);
      await svc.probe(c.id);
      return reload(c.id);
    },
  );
};
