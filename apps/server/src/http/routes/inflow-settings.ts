import { ErrorBody, InflowSettings } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { internalDomains, setInternalDomains } from '../../inboxes/internal-domains.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** The workspace's inflow settings (its internal domains). Reading: members; changing: admins. */
export const inflowSettingsRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.get(
    '/api/v1/workspaces/:workspaceId/settings/inflow',
    { schema: { tags: ['inboxes'], params: WorkspaceParams, response: { 200: InflowSettings, ...errors } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      return { internalDomains: await internalDomains(db, workspaceId) };
    },
  );
  app.put(
    '/api/v1/workspaces/:workspaceId/settings/inflow',
    {
      schema: {
        tags: ['inboxes'],
        params: WorkspaceParams,
        body: InflowSettings,
        response: { 200: InflowSettings, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      return {
        internalDomains: await setInternalDomains(db, workspaceId, session.user, req.body.internalDomains),
      };
    },
  );
};
