import type { BatchJobHandler, JobHandler } from '../handler.ts';

/** A fetch of folders at once: their follow-up delta rounds are queued in one statement (see `PushService.ensure`). */
export const runSubscriptionEnsure: BatchJobHandler = {
  async batch(payloads, ctx) {
    if (!ctx.push) throw new Error('job context has no push service');
    const folderIds = payloads.map((p) => (p as { folderId: string }).folderId);
    const results = await ctx.push.ensure(folderIds);
    return results.map((r, i) => {
      if (r instanceof Error) return r;
      if (r !== 'none') ctx.logger.info({ folderId: folderIds[i], result: r }, 'subscription ensured');
      return undefined;
    });
  },
};

export const runSubscriptionSweep: JobHandler = async (_payload, ctx) => {
  if (!ctx.push) throw new Error('job context has no push service');
  const n = await ctx.push.sweep();
  if (n) ctx.logger.info({ folders: n }, 'subscription sweep queued work');
};
