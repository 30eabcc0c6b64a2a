import { FilteredList } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { filteredOfFolder } from '../../documents/queries.ts';
import { requireMember } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { errors } from './documents.ts';
import { pathId } from './params.ts';

/** What a folder's rule filtered: documents with status `filtered`, from inboxes the caller is on. */
export const filteredEmailRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.get(
    '/api/v1/workspaces/:workspaceId/folders/:folderId/filtered',
    {
      schema: {
        tags: ['documents'],
        summary: "Emails the folder's rule filtered, with the reason (from inboxes the caller is on)",
        params: z.object({ workspaceId: z.string(), folderId: z.string() }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: FilteredList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { principal } = await requireMember(db, req, workspaceId);
      return filteredOfFolder(db, workspaceId, pathId(req.params.folderId), principal, req.query.limit);
    },
  );
};
