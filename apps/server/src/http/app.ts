import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { HttpDeps } from './deps.ts';
import { registerAuth } from './plugins/auth.ts';
import { serializeRequest } from './log-redaction.ts';
import { requestLocale } from './request-locale.ts';
import { isApiRequest } from './request-path.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { graphNotificationRoutes } from './routes/graph-notifications.ts';
import { registerErrorHandling, sendError } from './plugins/errors.ts';
import { auditRoutes } from './routes/audit.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { connectRoutes } from './routes/connect.ts';
import { oauthCallbackRoutes } from './routes/oauth-callbacks.ts';
import { mailboxRoutes } from './routes/mailboxes.ts';
import { folderRoutes } from './routes/folders.ts';
import { sandboxRoutes } from './routes/sandbox.ts';
import { inboxRoutes } from './routes/inboxes.ts';
import { taxonomyRoutes } from './routes/taxonomy.ts';
import { inflowSettingsRoutes } from './routes/inflow-settings.ts';
import { documentRoutes } from './routes/documents.ts';
import { documentFileRoutes } from './routes/document-files.ts';
import { filteredEmailRoutes } from './routes/filtered-emails.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { healthRoutes } from './routes/health.ts';
import { documentUploadRoutes } from './routes/document-upload.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { sessionRoutes } from './routes/session.ts';
import { workspaceRoutes } from './routes/workspaces.ts';

const defaultWebDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Builds the HTTP server (not listening yet). `webDist` null = API only. */
export async function buildHttpApp(
  deps: HttpDeps,
  opts: { webDist?: string | null } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines log the URL without the bearer secrets some URLs carry (invitation tokens, OAuth codes).
    loggerInstance: deps.logger.child({}, { serializers: { req: serializeRequest } }) as FastifyBaseLogger,
    // Keep a caller's request id (load balancer, client) when it is sane; else make one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
    // Whose X-Forwarded-For sets req.ip, which sign-in limits count per client (decision 0003).
    trustProxy:
      typeof deps.config.trustProxy === 'object' ? [...deps.config.trustProxy] : deps.config.trustProxy,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>() as unknown as FastifyInstance;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  const https = deps.config.publicBaseUrl.startsWith('https://');
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    setSecurityHeaders(req, reply, { https });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Mailroom API', version: '1.0.0', description: 'Microsoft 365 mailboxes to documents.' },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyCookie);
  registerAuth(app, {
    db: deps.database.db,
    policy: deps.sessionPolicy,
    cookieSecure: deps.config.cookieSecure,
  });

  await app.register(healthRoutes, deps);
  await app.register(sessionRoutes, deps);
  await app.register(workspaceRoutes, deps);
  await app.register(invitationRoutes, deps);
  await app.register(connectorRoutes, deps);
  await app.register(connectRoutes, deps);
  await app.register(oauthCallbackRoutes, deps);
  await app.register(mailboxRoutes, deps);
  await app.register(folderRoutes, deps);
  await app.register(sandboxRoutes, deps);
  await app.register(inboxRoutes, deps);
  await app.register(taxonomyRoutes, deps);
  await app.register(inflowSettingsRoutes, deps);
  await app.register(documentRoutes, deps);
  await app.register(documentFileRoutes, deps);
  await app.register(documentUploadRoutes, deps);
  await app.register(filteredEmailRoutes, deps);
  await app.register(auditRoutes, deps);
  await app.register(apiKeyRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(webhookDeliveryRoutes, deps);
  await app.register(metricsRoutes, deps);
  await app.register(graphNotificationRoutes, deps);
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const webDist = opts.webDist === undefined ? defaultWebDist : opts.webDist;
  const hasWeb = webDist !== null && existsSync(path.join(webDist, 'index.html'));
  if (hasWeb)
    await app.register(fastifyStatic, { root: webDist, wildcard: false, index: false, cacheControl: false });

  app.setNotFoundHandler(async (req, reply) => {
    if (isApiRequest(req) || req.method !== 'GET' || !hasWeb) {
      const route = `${req.method} ${req.url.split('?')[0]}`;
      const said = { en: `No route for ${route}.`, fr: `Aucune route pour ${route}.` };
      return sendError(reply, 'not_found', said[requestLocale(req)]);
    }
    // Client-side routes (/settings/connectors, /invite/…) all get the SPA's entry page.
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  });

  return app;
}
