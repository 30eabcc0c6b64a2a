import {
  Document,
  DocumentAction,
  DocumentList,
  DocumentQuery,
  ErrorBody,
  MailboxOptions,
  UpdateDocumentRequest,
} from '@mailroom/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { applyAction, updateDocument } from '../../documents/actions.ts';
import {
  documentDetail,
  inboxScope,
  listChanged,
  listDocuments,
  mailboxOptions,
  readableDocument,
} from '../../documents/queries.ts';
import { recordViewed } from '../../documents/viewed.ts';
import { requireMember } from '../plugins/auth.ts';
import { changeCursor, timeIdCursor } from '../cursors.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

export const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  412: ErrorBody,
};

const etagOf = (revision: number) => `"${revision}"`;

/**
 * The revision an `If-Match` names (`"7"`, `W/"7"`; `*` or none = no precondition). One that is no
 * revision of ours can never match: 412, as RFC 9110 says for a failed precondition.
 */
function ifMatch(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined || h.trim() === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(h.trim());
  if (!m)
    throw new AppError('precondition_failed', {
      en: 'If-Match must be the document\'s ETag, e.g. "3", as a GET answered it.',
      fr: 'If-Match doit être l’ETag du document, par exemple "3", tel qu’un GET l’a renvoyé.',
    });
  return Number(m[1]);
}

/** The document, if the caller is a member and on its inbox; 404 otherwise. */
export async function documentFor(db: Db, req: FastifyRequest, p: { workspaceId: string; id: string }) {
  const workspaceId = pathId(p.workspaceId);
  const { principal, actor, role } = await requireMember(db, req, workspaceId);
  const d = await readableDocument(db, workspaceId, pathId(p.id), principal);
  return { d, actor, role, workspaceId };
}

/**
 * Documents: only from inboxes the caller is on (decision 0006); a document in another inbox answers
 * 404 like one that does not exist. Members work documents; nothing here needs the admin role. The
 * .eml and attachments are in document-files.ts.
 */
export const documentRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

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
      await requireMember(db, req, workspaceId);
      return { items: await mailboxOptions(db, workspaceId) };
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
      const { principal } = await requireMember(db, req, workspaceId);
      const { inboxId, cursor, updatedSince, ...q } = req.query;
      const inboxIds = await inboxScope(db, workspaceId, principal, inboxId);
      if (!inboxIds.length) return { items: [], nextCursor: null };
      if (updatedSince) {
        // A changes feed, oldest change first; its cursor holds the last change's exact time.
        const changed = await listChanged(db, workspaceId, {
          ...q,
          inboxIds,
          after: changeCursor.decode(cursor),
          since: new Date(updatedSince),
        });
        return {
          items: changed.items,
          nextCursor: changed.next ? changeCursor.encode(changed.next.at, changed.next.id) : null,
        };
      }
      const page = await listDocuments(db, workspaceId, {
        ...q,
        inboxIds,
        after: timeIdCursor.decode(cursor),
      });
      return {
        items: page.items,
        nextCursor: page.next ? timeIdCursor.encode(page.next.at, page.next.id) : null,
      };
    },
  );

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
    async (req, reply) => {
      const { d, actor } = await documentFor(db, req, req.params);
      await recordViewed(db, d, actor);
      const doc = await documentDetail(db, d, req.query.images === '1');
      return reply.header('etag', etagOf(doc.revision)).send(doc);
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
    async (req, reply) => {
      const { d, actor, workspaceId } = await documentFor(db, req, req.params);
      const updated = await updateDocument(db, workspaceId, d, req.body, actor, ifMatch(req));
      return reply.header('etag', etagOf(updated.revision)).send(await documentDetail(db, updated, false));
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/documents/:id/actions',
    {
      schema: {
        tags: ['documents'],
        summary:
          'Approve, delete, bounce (with a reason), reprocess, release a filtered email, restore a deleted document or reopen a bounced one; an outcome already true is a success',
        params: WorkspaceItemParams,
        body: DocumentAction,
        response: { 200: Document, ...errors },
      },
    },
    async (req, reply) => {
      const { d, actor } = await documentFor(db, req, req.params);
      const updated = await applyAction(deps.documentActions, d, req.body, actor, ifMatch(req));
      return reply.header('etag', etagOf(updated.revision)).send(await documentDetail(db, updated, false));
    },
  );
};
