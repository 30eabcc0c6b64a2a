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
import type { Db } from '../../db/client.ts';
import { applyAction, updateDocument } from '../../documents/actions.ts';
import {
  documentDetail,
  inboxScope,
  listDocuments,
  mailboxOptions,
  readableDocument,
} from '../../documents/queries.ts';
import { recordViewed } from '../../documents/viewed.ts';
import { requireRole } from '../plugins/auth.ts';
import { timeIdCursor } from '../cursors.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, WorkspaceParams, pathId } from './params.ts';

export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** The document, if the caller is a member and on its inbox; 404 otherwise. */
export async function documentFor(db: Db, req: FastifyRequest, p: { workspaceId: string; id: string }) {
  const workspaceId = pathId(p.workspaceId);
  const { session } = await requireRole(db, req, workspaceId, 'member');
  const d = await readableDocument(db, workspaceId, pathId(p.id), session.user.id);
  return { d, session, workspaceId };
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
      await requireRole(db, req, workspaceId, 'member');
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
      const { session } = await requireRole(db, req, workspaceId, 'member');
      const { inboxId, cursor, ...q } = req.query;
      const inboxIds = await inboxScope(db, workspaceId, session.user.id, inboxId);
      if (!inboxIds.length) return { items: [], nextCursor: null };
      const after = timeIdCursor.decode(cursor);
      const page = await listDocuments(db, workspaceId, { ...q, inboxIds, after });
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
    async (req) => {
      const { d, session } = await documentFor(db, req, req.params);
      await recordViewed(db, d, session.user);
      return documentDetail(db, d, req.query.images === '1');
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
      const { d, session, workspaceId } = await documentFor(db, req, req.params);
      const updated = await updateDocument(db, workspaceId, d, req.body, session.user);
      return documentDetail(db, updated, false);
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
      const { d, session } = await documentFor(db, req, req.params);
      const updated = await applyAction(deps.documentActions, d, req.body, session.user);
      return documentDetail(db, updated, false);
    },
  );
};
