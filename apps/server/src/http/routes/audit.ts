import { AuditList, ErrorBody } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit } from '../../db/repos/audit.ts';
import { requireRole } from '../plugins/auth.ts';
import { sequenceCursor } from '../cursors.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceParams, pathId } from './params.ts';

const Query = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() });

export const auditRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  app.get(
    '/api/v1/workspaces/:workspaceId/audit',
    { schema: { tags: ['audit'], summary: 'Audit log, newest first', params: WorkspaceParams, querystring: Query, response: { 200: AuditList, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      // The sequence number of the last entry seen, so pages stay stable while entries arrive.
      const after = sequenceCursor.decode(req.query.cursor);
      const { rows: page, more } = await listAudit(db, workspaceId, { before: after, limit: req.query.limit });
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: r.createdAt.toISOString(),
          actor: { userId: r.actorUserId, email: r.actorEmail },
          action: r.action,
          targetType: r.targetType,
          targetId: r.targetId,
          details: r.details,
        })),
        nextCursor: more && last ? sequenceCursor.encode(last.seq) : null,
      };
    },
  );
};
