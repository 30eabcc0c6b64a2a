import type { JobHandler } from '../handler.ts';

export const runSubscriptionEnsure: JobHandler = async (payload, ctx) => {
  if (!ctx.push) throw new Error('job context has no push service');
  const folderId = (payload as { folderId: string }).folderId;
  const r = await ctx.push.ensure(folderId);
  if (r !== 'none') ctx.logger.info({ folderId, result: r }, 'subscription ensured');
};

export const runSubscriptionSweep: JobHandler = async (_payload, ctx) => {
  if (!ctx.push) throw new Error('job context has no push service');
  const n = await ctx.push.sweep();
  if (n) ctx.logger.info({ folders: n }, 'subscription sweep queued work');
};
