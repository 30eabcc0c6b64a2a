import { isIP } from 'node:net';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../core/errors.ts';
import { scrape } from '../../metrics/db-gauges.ts';
import { safeEqual } from '../../security/tokens.ts';
import type { HttpDeps } from '../deps.ts';

const isLoopback = (ip: string) =>
  isIP(ip) === 4 ? ip.startsWith('127.') : ip === '::1' || ip.startsWith('::ffff:127.');

/**
 * Prometheus metrics (issue 21 §6). With METRICS_TOKEN set, Prometheus sends it as a Bearer token;
 * without it, only this machine may scrape (a sidecar): the metrics name mailboxes and folders.
 */
export const metricsRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const token = deps.config.metricsToken;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (token) {
      const sent = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(sent, token))
        throw new AppError('unauthenticated', 'Send METRICS_TOKEN as "Authorization: Bearer <token>".', {
          headers: { 'www-authenticate': 'Bearer' },
        });
    } else if (!isLoopback(req.socket.remoteAddress ?? '')) {
      throw new AppError(
        'forbidden',
        'Metrics answer this machine only; set METRICS_TOKEN to scrape from elsewhere.',
      );
    }
    const { contentType, body } = await scrape(deps.database.db);
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
};
