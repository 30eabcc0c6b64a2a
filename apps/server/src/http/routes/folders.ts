import {
  ErrorBody,
  FailedMessageList,
  FolderStatus,
  Mailbox,
  SetFoldersRequest,
  UpdateFolderRequest,
} from '@mailroom/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { failedMessages, retryMessage } from '../../mailboxes/failed-messages.ts';
import { setFolders, syncNow, updateFolderRule } from '../../mailboxes/folders.ts';
import { workspaceFolder, workspaceMailbox } from '../../mailboxes/lookup.ts';
import { requireRole } from '../plugins/auth.ts';
import type { HttpDeps } from '../deps.ts';
import { WorkspaceItemParams, pathId } from './params.ts';

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  503: ErrorBody,
};
const MailboxParams = z.object({ workspaceId: z.string(), mailboxId: z.string() });
const FolderParams = z.object({ workspaceId: z.string(), folderId: z.string() });

/**
 * The monitored folders of a mailbox and their rules, Sync now, and the messages that could not be
 * processed. Admins only; all filtered on the path's workspace after the membership check.
 */
export const folderRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const d = deps.mailboxes;

  /** The admin's session and the path's folder of the workspace (another workspace's is a 404). */
  async function folderFor(req: FastifyRequest, p: { workspaceId: string; folderId: string }) {
    const workspaceId = pathId(p.workspaceId);
    const { session } = await requireRole(db, req, workspaceId, 'admin');
    return { f: await workspaceFolder(db, workspaceId, pathId(p.folderId)), session, workspaceId };
  }

  app.put(
    '/api/v1/workspaces/:workspaceId/mailboxes/:mailboxId/folders',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Set the monitored folders (and their rules) of a mailbox',
        params: MailboxParams,
        body: SetFoldersRequest,
        response: { 200: Mailbox, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const mailbox = await workspaceMailbox(db, workspaceId, pathId(req.params.mailboxId));
      return setFolders(d, { workspaceId, mailbox, actor: session.user, folders: req.body.folders });
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspaceId/folders/:folderId',
    {
      schema: {
        tags: ['mailboxes'],
        summary:
          "Change a folder's rule (inbox, filtering, type, tags, metadata, outflow, start date, active): new mail only",
        params: FolderParams,
        body: UpdateFolderRequest,
        response: { 200: FolderStatus, ...errors },
      },
    },
    async (req) => {
      const { f, session, workspaceId } = await folderFor(req, req.params);
      return updateFolderRule(d, { workspaceId, folder: f, actor: session.user, rule: req.body });
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/folders/:folderId/sync',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Sync now',
        params: FolderParams,
        response: { 202: z.object({ queued: z.boolean() }), ...errors },
      },
    },
    async (req, reply) => {
      const { f } = await folderFor(req, req.params);
      await syncNow(d, f);
      return reply.status(202).send({ queued: true });
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/folders/:folderId/failed',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Messages that could not be processed, with the reason',
        params: FolderParams,
        response: { 200: FailedMessageList, ...errors },
      },
    },
    async (req) => {
      const { f } = await folderFor(req, req.params);
      return { items: await failedMessages(db, f.id) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/messages/:id/retry',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Process a failed message again',
        params: WorkspaceItemParams,
        response: { 202: z.object({ queued: z.boolean() }), ...errors },
      },
    },
    async (req, reply) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      await retryMessage(d, workspaceId, pathId(req.params.id));
      return reply.status(202).send({ queued: true });
    },
  );
};
