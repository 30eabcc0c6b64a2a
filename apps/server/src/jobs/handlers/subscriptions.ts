import type { subscriptionEnsure } from '../catalog.ts';
import type { BatchJobHandler, JobHandler, PayloadOf } from '../handler-types.ts';

/** A fetch of folders at once: their follow-up delta rounds are queued in one statement (see `PushService.ensure`). */
export const runSubscriptionEnsure: BatchJobHandler<PayloadOf<typeof subscriptionEnsure>> = {
  async batch(payloads, ctx) {
    const folderIds = payloads.map((p) => p.folderId);
    const results = await ctx.push.ensure(folderIds);
    return results.map((r, i) => {
      if (r instanceof Error) return r;
      if (r !== 'none') ctx.logger.info({ folderId: folderIds[i], result: r }, 'subscription ensured');
      return undefined;
    });
  },
};

export const runSubscriptionSweep: JobHandler = async (_payload, ctx) => {
  const n = await ctx.push.sweep();
  if (n) ctx.logger.info({ folders: n }, 'subscription sweep queued work');
};
