import {
  AccessTestRequest,
  AccessTestResult,
  DirectoryList,
  ErrorBody,
  FolderTree,
  MailboxList,
  MoveMailboxRequest,
  SetMailboxesRequest,
} from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { testMailboxes } from '../../mailboxes/access-test.ts';
import { listDirectory } from '../../mailboxes/directory.ts';
import { mailboxViews } from '../../mailboxes/folder-status.ts';
import { folderTree } from '../../mailboxes/folders.ts';
import { connectedConnector, workspaceConnectorId, workspaceMailbox } from '../../mailboxes/lookup.ts';
import { moveMailbox, withReaders } from '../../mailboxes/one-reader.ts';
import { setMailboxes } from '../../mailboxes/selection.ts';
import { requireMember, requireRole } from '../plugins/auth.ts';
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

/**
 * Mailboxes a connector reads: the tenant's directory (with the other connector that reads a
 * mailbox), access tests, the selection, moving a mailbox between connectors, and each mailbox's
 * folder tree. Admins only, except the list; all filtered on the path's workspace after the
 * membership check (mailboxes/ does the work).
 */
export const mailboxRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;
  const d = deps.mailboxes;

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors/:id/directory',
    {
      schema: {
        tags: ['mailboxes'],
        summary: "The tenant's users and shared mailboxes",
        params: WorkspaceItemParams,
        querystring: z.object({ search: z.string().max(100).optional() }),
        response: { 200: DirectoryList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      const c = await connectedConnector(db, workspaceId, pathId(req.params.id));
      return { items: await withReaders(db, workspaceId, c.id, await listDirectory(d, c, req.query.search)) };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/mailboxes/test',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Test read access to mailboxes before confirming',
        params: WorkspaceItemParams,
        body: AccessTestRequest,
        response: { 200: AccessTestResult, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      const c = await connectedConnector(db, workspaceId, pathId(req.params.id));
      return { items: await testMailboxes(d, c.id, req.body.graphUserIds) };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/connectors/:id/mailboxes',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Connected mailboxes with folder status',
        params: WorkspaceItemParams,
        response: { 200: MailboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireMember(db, req, workspaceId);
      // Another workspace's connector (or none) is a 404 like everywhere else, not an empty list.
      const connectorId = await workspaceConnectorId(db, workspaceId, pathId(req.params.id));
      return { items: await mailboxViews(d, { connectorId }) };
    },
  );

  app.put(
    '/api/v1/workspaces/:workspaceId/connectors/:id/mailboxes',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Confirm the mailboxes this connector reads',
        params: WorkspaceItemParams,
        body: SetMailboxesRequest,
        response: { 200: MailboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      const c = await connectedConnector(db, workspaceId, pathId(req.params.id));
      return {
        items: await setMailboxes(d, {
          workspaceId,
          connectorId: c.id,
          actor: session.user,
          mailboxes: req.body.mailboxes,
        }),
      };
    },
  );

  app.post(
    '/api/v1/workspaces/:workspaceId/mailboxes/:mailboxId/move',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'Move a mailbox (its folders, rules, cursors and documents) to another connector',
        params: MailboxParams,
        body: MoveMailboxRequest,
        response: { 200: MailboxList, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      const { session } = await requireRole(db, req, workspaceId, 'admin');
      return {
        items: await moveMailbox(d, {
          workspaceId,
          mailboxId: pathId(req.params.mailboxId),
          connectorId: req.body.connectorId,
          actor: session.user,
        }),
      };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspaceId/mailboxes/:mailboxId/folder-tree',
    {
      schema: {
        tags: ['mailboxes'],
        summary: "One level of the mailbox's folder tree",
        params: MailboxParams,
        querystring: z.object({ parent: z.string().max(500).optional() }),
        response: { 200: FolderTree, ...errors },
      },
    },
    async (req) => {
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      const m = await workspaceMailbox(db, workspaceId, pathId(req.params.mailboxId));
      return { items: await folderTree(d, m, req.query.parent) };
    },
  );
};
