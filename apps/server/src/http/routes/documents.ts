import {
  Document,
  DocumentAction,
  DocumentList,
  DocumentQuery,
  ErrorBody,
  FilteredList,
  MailboxOptions,
  UpdateDocumentRequest,
} from '@mailroom/contracts';
import { create as contentDisposition } from 'content-disposition';
import { and, arrayContains, asc, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../core/errors.ts';
import { withoutBidiControls } from '../../core/file-names.ts';
import { searchQueryOf } from '../../core/search-text.ts';
import { accessibleInboxIds, requireInboxAccess } from '../../db/repos/inbox-access.ts';
import {
  documentHistory,
  outflowRuns,
  documents,
  mailboxes,
  mailMessages,
  monitoredFolders,
} from '../../db/schema/index.ts';
import { applyAction, audit, updateDocument } from '../../documents/actions.ts';
import { recordHistory } from '../../documents/history.ts';
import { attachmentsOf, bodyOf, previewType, summaryOf } from '../../documents/view.ts';
import { requireRole } from '../plugins/auth.ts';
import { timeIdCursor } from '../cursors.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
/** Without a status filter the inbox shows what needs or had work; deleted and filtered are asked for. */
const WORKING = ['new', 'approved', 'bounced'] as const;
/**
 * Search plans (bench/inbox.ts). PostgreSQL cannot tell from its statistics how many documents a word
 * matches, so it guesses, and a wrong guess costs a second. A search first looks among the newest
 * SEARCH_WINDOW documents of the caller's view: if a whole page matches there, that page is exact (any
 * other match is older). Otherwise the word is rare, and its matches are found through the word index
 * and sorted.
 */
const SEARCH_WINDOW = 5_000;
/** One "viewed" line per person per document in this window, not one per page load. */
const VIEW_WINDOW_MS = 10 * 60 * 1000;

/**
 * Documents: only from inboxes the caller is on (decision 0006); a document in another inbox answers
 * 404 like one that does not exist. Members work documents; nothing here needs the admin role.
 */
export const documentRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  /** Mailbox address and folder name of each document's origin (a second, small query per page). */
  async function origins(rows: (typeof documents.$inferSelect)[]) {
    if (!rows.length) return new Map<string, { mailbox: string; folder: string; folderId: string }>();
    const found = await db
      .select({
        id: mailMessages.id,
        folder: monitoredFolders.displayName,
        folderId: monitoredFolders.id,
        mailbox: mailboxes.address,
      })
      .from(mailMessages)
      .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
      .innerJoin(mailboxes, eq(mailboxes.id, monitoredFolders.mailboxId))
      .where(
        inArray(
          mailMessages.id,
          rows.map((r) => r.messageId),
        ),
      );
    return new Map(found.map((f) => [f.id, f]));
  }

  app.get(
    '/api/v1/workspaces/:workspaceId/mailbox-options',
    {
      schema: {
        tags: ['documents'],
        summary: "The workspace's mailboxes, for the inbox's mailbox filter",
        params: WorkspaceParams,
        response: { 200: MailboxOptions, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'member');
      const rows = await db
        .select({ id: mailboxes.id, address: mailboxes.address })
        .from(mailboxes)
        .where(eq(mailboxes.workspaceId, workspaceId))
        .orderBy(asc(mailboxes.address));
      return { items: rows };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/documents',
    {
      schema: {
        tags: ['documents'],
        summary: 'Documents of the inboxes the caller is on, newest first, filtered and searched',
        params: WorkspaceParams,
        querystring: DocumentQuery,
        response: { 200: DocumentList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'member');
      const q = req.query;
      const mine = await accessibleInboxIds(db, workspaceId, session.user.id);
      if (q.inboxId && !mine.includes(q.inboxId)) throw notFound('Inbox');
      const scope = q.inboxId ? [q.inboxId] : mine;
      if (!scope.length) return { items: [], nextCursor: null };
      // Keyset pagination on (received, id): every page costs the same at a million documents.
      const after = timeIdCursor.decode(q.cursor);
      const words = q.q ? searchQueryOf(q.q) : null;
      const matches = words ? sql`${documents.search} @@ to_tsquery('simple', ${words})` : undefined;
      const filters = and(
        eq(documents.workspaceId, workspaceId),
        scope.length === 1 ? eq(documents.inboxId, scope[0]!) : inArray(documents.inboxId, scope),
        q.status ? eq(documents.status, q.status) : inArray(documents.status, [...WORKING]),
        q.documentTypeId ? eq(documents.documentTypeId, q.documentTypeId) : undefined,
        q.tagId ? arrayContains(documents.tagIds, [q.tagId]) : undefined,
        q.mailboxId ? eq(documents.mailboxId, q.mailboxId) : undefined,
        q.from ? gte(documents.receivedAt, new Date(q.from)) : undefined,
        q.to ? lt(documents.receivedAt, new Date(q.to)) : undefined,
        after
          ? or(
              lt(documents.receivedAt, after.at),
              and(eq(documents.receivedAt, after.at), lt(documents.id, after.id)),
            )
          : undefined,
      );
      const newestFirst = [desc(documents.receivedAt), desc(documents.id)];
      let rows: (typeof documents.$inferSelect)[];
      if (words) {
        // A derived table, not `id IN (…)`: PostgreSQL then walks the newest documents lazily and stops
        // at a full page (an IN list made it read every match of a common word first).
        const recent = db
          .select()
          .from(documents)
          .where(filters)
          .orderBy(...newestFirst)
          .limit(SEARCH_WINDOW)
          .as('recent');
        rows = (await db
          .select()
          .from(recent)
          .where(sql`${recent.search} @@ to_tsquery('simple', ${words})`)
          .orderBy(desc(recent.receivedAt), desc(recent.id))
          .limit(q.limit + 1)) as (typeof documents.$inferSelect)[];
      } else
        rows = await db
          .select()
          .from(documents)
          .where(filters)
          .orderBy(...newestFirst)
          .limit(q.limit + 1);
      if (matches && rows.length <= q.limit)
        rows = await db.transaction(async (tx) => {
          // Enough memory for the word index's bitmap to stay exact: a lossy one rechecks every row of
          // every page a common prefix touches (2.4 s instead of 0.24 s at a million documents).
          await tx.execute(sql`set local work_mem = '64MB'`);
          return (
            tx
              .select()
              .from(documents)
              .where(and(filters, matches))
              // An order the time index cannot give: PostgreSQL uses the word index, then sorts the matches.
              .orderBy(desc(sql`${documents.receivedAt} + interval '0 seconds'`), desc(documents.id))
              .limit(q.limit + 1)
          );
        });
      const page = rows.slice(0, q.limit);
      const from = await origins(page);
      const last = page.at(-1);
      return {
        items: page.map((d) => summaryOf(d, from.get(d.messageId))),
        nextCursor: rows.length > q.limit && last ? timeIdCursor.encode(last.receivedAt, last.id) : null,
      };
    },
  );

  /** The document, if the caller is on its inbox; 404 otherwise. */
  async function documentFor(req: FastifyRequest, p: { workspaceId: string; id: string }) {
    const workspaceId = pathId(p.workspaceId);
    const { session } = await requireRole(db, req, workspaceId, 'member');
    const [d] = await db
      .select()
      .from(documents)
      .where(and(eq(documents.workspaceId, workspaceId), eq(documents.id, pathId(p.id))));
    if (!d) throw notFound('Document');
    await requireInboxAccess(db, workspaceId, session.user.id, d.inboxId).catch(() => {
      throw notFound('Document');
    });
    return { d, session, workspaceId };
  }

  async function detail(d: typeof documents.$inferSelect, images: boolean): Promise<Document> {
    const origin = (await origins([d])).get(d.messageId);
    const history = await db
      .select()
      .from(documentHistory)
      .where(eq(documentHistory.documentId, d.id))
      .orderBy(asc(documentHistory.seq))
      .limit(500);
    const body = bodyOf(d, images);
    const runs = await db.select().from(outflowRuns).where(eq(outflowRuns.documentId, d.id)).orderBy(asc(outflowRuns.createdAt)).limit(200);
    return {
      ...summaryOf(d, origin),
      to: d.to,
      cc: d.cc,
      internetMessageId: d.internetMessageId,
      bodyHtml: body.html,
      hasRemoteImages: body.hasRemoteImages,
      bodyText: d.bodyText,
      emlSize: d.emlSize,
      attachments: attachmentsOf(d),
      metadata: d.metadata,
      version: d.version,
      mailboxId: d.mailboxId,
      folderId: origin?.folderId ?? null,
      history: history.map((h) => ({
        id: h.id,
        at: h.at.toISOString(),
        kind: h.kind,
        actor: h.actorEmail,
        version: h.version,
        details: h.details,
      })),
      outflow: runs.map((r) => ({
        id: r.id,
        source: r.source,
        on: r.action.on,
        action: r.action,
        state: r.state,
        attempts: r.attempts,
        lastError: r.lastError,
        createdAt: r.createdAt.toISOString(),
        doneAt: r.doneAt ? r.doneAt.toISOString() : null,
      })),
    };
  }

  app.get(
    '/api/v1/workspaces/:workspaceId/documents/:id',
    {
      schema: {
        tags: ['documents'],
        summary: 'One document with its history (the view is recorded in it)',
        params: WorkspaceItemParams,
        querystring: z.object({ images: z.enum(['0', '1']).optional() }),
        response: { 200: Document, ...errors },
      },
    },
    async (req) => {
      const { d, session } = await documentFor(req, req.params);
      const [recent] = await db
        .select({ id: documentHistory.id })
        .from(documentHistory)
        .where(
          and(
            eq(documentHistory.documentId, d.id),
            eq(documentHistory.kind, 'viewed'),
            eq(documentHistory.actorUserId, session.user.id),
            gte(documentHistory.at, new Date(Date.now() - VIEW_WINDOW_MS)),
          ),
        )
        .limit(1);
      if (!recent) {
        await recordHistory(db, d, 'viewed', session.user);
        await audit(db, d, 'viewed', session.user);
      }
      return detail(d, req.query.images === '1');
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/documents/:id',
    {
      schema: {
        tags: ['documents'],
        summary: 'Change the document type, tags or metadata',
        params: WorkspaceItemParams,
        body: UpdateDocumentRequest,
        response: { 200: Document, ...errors },
      },
    },
    async (req) => {
      const { d, session, workspaceId } = await documentFor(req, req.params);
      const updated = await updateDocument(db, workspaceId, d, req.body, session.user);
      return detail(updated, false);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/documents/:id/actions',
    {
      schema: {
        tags: ['documents'],
        summary: 'Approve, delete, bounce (with a reason), reprocess, or release a filtered email',
        params: WorkspaceItemParams,
        body: DocumentAction,
        response: { 200: Document, ...errors },
      },
    },
    async (req) => {
      const { d, session } = await documentFor(req, req.params);
      const updated = await applyAction(
        {
          db,
          inflow: deps.sync.inflow,
          token: (connectorId) => deps.connectors.broker.graphToken(connectorId),
          enqueueOutflow: (runIds) => deps.outflow.queue(runIds),
        },
        d,
        req.body,
        session.user,
      );
      return detail(updated, false);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/documents/:id/eml',
    { schema: { tags: ['documents'], summary: 'The original email (.eml)', params: WorkspaceItemParams } },
    async (req, reply) => {
      const { d } = await documentFor(req, req.params);
      return reply
        .type('message/rfc822')
        .header('content-disposition', contentDisposition(`${safeName(d.subject)}.eml`))
        .header('content-length', String(d.emlSize))
        .send(deps.blobs.open(d.emlSha256));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/documents/:id/attachments/:index',
    {
      schema: {
        tags: ['documents'],
        summary: 'Download an attachment (?inline=1: preview a PDF or an image)',
        params: z.object({ workspaceId: z.string(), id: z.string(), index: z.coerce.number().int().min(0) }),
        querystring: z.object({ inline: z.enum(['0', '1']).optional() }),
      },
    },
    async (req, reply) => {
      const { d } = await documentFor(req, req.params);
      const a = d.attachments[req.params.index];
      if (!a?.sha256) throw notFound('Attachment');
      const preview = req.query.inline === '1' ? previewType(a) : null;
      if (preview) {
        // Shown in the document page: a known, harmless type (never what the email claimed), framable
        // by this app only.
        reply
          .type(preview)
          .header('content-disposition', contentDisposition(safeName(a.name), { type: 'inline' }))
          .header('x-frame-options', 'SAMEORIGIN')
          .header(
            'content-security-policy',
            "default-src 'none'; img-src 'self'; frame-ancestors 'self'; plugin-types application/pdf",
          );
      } else {
        // Always a download, never rendered by the browser (an HTML attachment must not run here).
        reply
          .type('application/octet-stream')
          .header('content-disposition', contentDisposition(safeName(a.name)));
      }
      return reply.header('content-length', String(a.size)).send(deps.blobs.open(a.sha256));
    },
  );

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
      const { session } = await requireRole(db, req, workspaceId, 'member');
      const [f] = await db
        .select()
        .from(monitoredFolders)
        .where(
          and(
            eq(monitoredFolders.workspaceId, workspaceId),
            eq(monitoredFolders.id, pathId(req.params.folderId)),
          ),
        );
      if (!f) throw notFound('Folder');
      const mine = await accessibleInboxIds(db, workspaceId, session.user.id);
      if (!mine.length) return { today: 0, items: [] };
      const where: SQL = and(
        eq(documents.workspaceId, workspaceId),
        eq(mailMessages.folderId, f.id),
        eq(documents.status, 'filtered'),
        inArray(documents.inboxId, mine),
      )!;
      const startOfDay = new Date();
      startOfDay.setUTCHours(0, 0, 0, 0);
      const [counted] = await db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(documents)
        .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
        .where(and(where, gte(documents.createdAt, startOfDay)));
      const rows = await db
        .select({ d: documents })
        .from(documents)
        .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
        .where(where)
        .orderBy(desc(documents.receivedAt), desc(documents.id))
        .limit(req.query.limit);
      const from = await origins(rows.map((r) => r.d));
      return { today: counted?.n ?? 0, items: rows.map((r) => summaryOf(r.d, from.get(r.d.messageId))) };
    },
  );
};

/**
 * A file name without control characters or path separators, and without bidirectional controls
 * (saved in its real order, as the document view shows it); content-disposition encodes the rest.
 */
function safeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = withoutBidiControls(name || 'file').replace(/[\u0000-\u001f\u007f/\\]+/g, '_').trim();
  return (cleaned || 'file').slice(0, 150);
}
