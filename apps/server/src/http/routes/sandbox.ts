import { ErrorBody, SandboxInfo, TestEmailRequest } from '@mailroom/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../core/errors.ts';
import { connectedConnector } from '../../mailboxes/lookup.ts';
import { sendTestEmail } from '../../sandbox/test-email.ts';
import { requireRole, requireUser } from '../plugins/auth.ts';
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

const SANDBOX = { en: 'Sandbox', fr: 'Bac à sable' };

/** Sandbox mode only: the tenant's cheat sheet, and a test email into a mailbox of the sandbox tenant. */
export const sandboxRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { db } = deps.database;

  app.post(
    '/api/v1/workspaces/:workspaceId/connectors/:id/sandbox/test-email',
    {
      schema: {
        tags: ['sandbox'],
        summary: 'Sandbox: deliver a generated email now into a mailbox this connector reads (admins)',
        params: WorkspaceItemParams,
        body: TestEmailRequest,
        response: { 202: z.object({ subject: z.string() }), ...errors },
      },
    },
    async (req, reply) => {
      // Admins of the workspace only, through a connector of theirs that is connected to the sandbox
      // tenant (outside sandbox mode every Microsoft call goes to Microsoft: there is no such route).
      if (!deps.sandbox) throw notFound(SANDBOX);
      const workspaceId = pathId(req.params.workspaceId);
      await requireRole(db, req, workspaceId, 'admin');
      const c = await connectedConnector(db, workspaceId, pathId(req.params.id));
      return reply.status(202).send(await sendTestEmail(db, deps.sandbox, c.id, req.body));
    },
  );

  app.get(
    '/api/v1/sandbox',
    {
      schema: {
        tags: ['sandbox'],
        summary: 'The sandbox tenant: demo accounts and app registration',
        response: { 200: SandboxInfo, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      requireUser(req);
      if (!deps.sandbox) throw notFound(SANDBOX);
      return deps.sandbox.info;
    },
  );
};
