import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import {
  LIFECYCLE_PATH,
  NOTIFICATION_PATH,
  type AcceptResult,
  type NotificationItem,
} from '../../sync/push-service.ts';
import type { HttpDeps } from '../deps.ts';

/** A Graph POST carries `{ value: [...] }`; more than this many items in one is not Microsoft. */
const MAX_ITEMS = 1000;
/** Notification bodies are small (≈ 1 KB per item); anything larger is refused before it is parsed. */
const BODY_LIMIT = 512 * 1024;

const Item = z
  .object({
    subscriptionId: z.string().max(200),
    clientState: z.string().max(256).nullish(),
    lifecycleEvent: z.string().max(100).optional(),
  })
  .loose();
const Body = z.object({ value: z.array(Item).min(1).max(MAX_ITEMS) }).loose();

/**
 * Microsoft's calls to us (reference §3): the validation handshake (echo `validationToken` as
 * text/plain within 10 s) and notifications, acknowledged with 202 once their clientState was checked
 * and their folders' delta rounds queued. No session and no CSRF token here (the auth hook skips
 * `/api/v1/graph/`): a notification is trusted only through its subscription's clientState.
 */
export const graphNotificationRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, { push }) => {
  const handle =
    (accept: (items: NotificationItem[]) => Promise<AcceptResult>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const token = (req.query as { validationToken?: unknown }).validationToken;
      if (typeof token === 'string') {
        if (token.length === 0 || token.length > 1024)
          throw new AppError('validation_failed', {
            en: 'validationToken is empty or too long.',
            fr: 'validationToken est vide ou trop long.',
          });
        return reply.status(200).type('text/plain; charset=utf-8').send(token);
      }
      const parsed = Body.safeParse(req.body);
      if (!parsed.success)
        throw new AppError('validation_failed', {
          en: 'Not a change notification: expected {"value":[{subscriptionId, clientState, …}]}.',
          fr: 'Ce n’est pas une notification de changement : {"value":[{subscriptionId, clientState, …}]} est attendu.',
        });
      // Items that are not genuine (unknown subscription, wrong clientState) were counted and ignored.
      // The answer is 202 all the same: Microsoft retries every other answer — a 403 too — for 4 hours
      // (reference §3), so refusing a subscription we already deleted would bring it back for hours,
      // and a forger learns nothing from it.
      await accept(parsed.data.value);
      return reply.status(202).send(null);
    };
  const schema = { schema: { tags: ['microsoft'], hide: true } };
  app.post(
    NOTIFICATION_PATH,
    { ...schema, bodyLimit: BODY_LIMIT },
    handle((items) => push.acceptNotifications(items)),
  );
  app.post(
    LIFECYCLE_PATH,
    { ...schema, bodyLimit: BODY_LIMIT },
    handle((items) => push.acceptLifecycle(items)),
  );
};
