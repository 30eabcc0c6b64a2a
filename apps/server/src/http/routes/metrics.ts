import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../core/errors.ts';
import { metricsAccess } from '../../metrics/access.ts';
import { scrape } from '../../metrics/db-gauges.ts';
import type { HttpDeps } from '../deps.ts';

/**
 * Prometheus metrics (issue 21 §6). With METRICS_TOKEN set, Prometheus sends it as a Bearer token;
 * without it, only this machine may scrape (a sidecar): the metrics name mailboxes and folders.
 * A process without the API (ROLES=worker) serves them on METRICS_PORT (metrics/server.ts).
 */
export const metricsRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    const access = metricsAccess(
      deps.config.metricsToken,
      req.headers.authorization,
      req.socket.remoteAddress,
    );
    if (!access.ok)
      throw access.status === 401
        ? new AppError('unauthenticated', access.words, { headers: { 'www-authenticate': 'Bearer' } })
        : new AppError('forbidden', access.words);
    const { contentType, body } = await scrape(deps.database.db);
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
};
