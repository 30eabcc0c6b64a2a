import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpDeps } from '../deps.ts';
import { withTimeout } from '../../lib/with-timeout.ts';

/** Liveness says the process answers; readiness says it can do work (the database answers). */
export const healthRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { database }) => {
  app.get(
    '/healthz',
    { schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({
      status: 'ok' as const,
    }),
  );

  app.get('/readyz', { schema: { hide: true } }, async (req, reply) => {
    try {
      await withTimeout(database.ping(), 2_000);
      return { status: 'ready', database: 'ok' };
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', database: 'unreachable' });
    }
  });
};
