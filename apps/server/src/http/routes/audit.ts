import { Readable } from 'node:stream';
import { AuditFilter, AuditList, ErrorBody, type AuditEntry } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditObjects } from '../../db/repos/audit-objects.ts';
import { auditEntries, listAudit, type AuditQuery } from '../../db/repos/audit.ts';
import { csvLine } from '../../lib/csv.ts';
import { requireRole } from '../plugins/auth.ts';
import { sequenceCursor } from '../cursors.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceParams, pathId } from './params.ts';

const Query = AuditFilter.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const ExportQuery = AuditFilter.extend({ format: z.enum(['csv', 'jsonl']).default('jsonl') });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function toEntry(r: {
  id: string;
  createdAt: Date;
  actorUserId: string | null;
  actorEmail: string | null;
  actorApiKeyId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}): AuditEntry {
  return {
    id: r.id,
    at: r.createdAt.toISOString(),
    actor: { userId: r.actorUserId, email: r.actorEmail, apiKeyId: r.actorApiKeyId },
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    details: r.details,
  };
}

const filterOf = (q: AuditFilter): AuditQuery => ({
  ...q,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

const CSV_HEADER = 'at,actor,actor_user_id,actor_api_key_id,action,target_type,target_id,details\r\n';
const toCsv = (e: AuditEntry) =>
  csvLine([
    e.at,
    e.actor.email ?? '',
    e.actor.userId ?? '',
    e.actor.apiKeyId ?? '',
    e.action,
    e.targetType ?? '',
    e.targetId ?? '',
    JSON.stringify(e.details),
  ]);

export const auditRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  app.get(
    '/api/v1/workspaces/:workspaceId/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first, filtered by actor, action, object and time',
        params: WorkspaceParams,
        querystring: Query,
        response: { 200: AuditList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      // The sequence number of the last entry seen, so pages stay stable while entries arrive.
      const before = sequenceCursor.decode(req.query.cursor);
      const { rows: page, more } = await listAudit(db, workspaceId, {
        ...filterOf(req.query),
        before,
        limit: req.query.limit,
      });
      const last = page.at(-1);
      const objects = await auditObjects(db, workspaceId, page);
      return {
        items: page.map((r) => ({ ...toEntry(r), object: objects.get(r.id) })),
        nextCursor: more && last ? sequenceCursor.encode(last.seq) : null,
      };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: 'The filtered audit log as CSV or JSON Lines, streamed',
        params: WorkspaceParams,
        querystring: ExportQuery,
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      const { format, ...filter } = req.query;
      const entries = auditEntries(db, workspaceId, filterOf(filter));
      // Streamed page by page: an export of a busy workspace's year never sits in memory.
      const body = Readable.from(
        (async function* () {
          if (format === 'csv') yield CSV_HEADER;
          for await (const r of entries)
            yield format === 'csv' ? toCsv(toEntry(r)) : `${JSON.stringify(toEntry(r))}\n`;
        })(),
      );
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="mailroom-audit-${day}.${format === 'csv' ? 'csv' : 'jsonl'}"`,
        )
        .send(body);
    },
  );
};
