import type { folderMarkers, folderSync, messageIngest } from '../catalog.ts';
import type { BaseJobContext, BatchJobHandler, JobContext, JobHandler, PayloadOf } from '../handler-types.ts';

export const runFolderSync: JobHandler<PayloadOf<typeof folderSync>> = async ({ folderId }, ctx) => {
  const r = await ctx.sync.syncFolder(folderId);
  if (r.recorded || r.removed || r.resynced) ctx.logger.info({ ...r }, 'folder synced');
  // A folder that reads well gets (or keeps) its push subscription.
  if (r.ok) await ctx.push.afterRound(folderId, r.pushContext);
};

/** A fetch's messages are ingested together: their documents are written in one transaction. */
export const runMessageIngest: BatchJobHandler<PayloadOf<typeof messageIngest>> = {
  batch: async (payloads, ctx) => {
    const outcomes = await ctx.sync.ingestMany(payloads.map((p) => p.messageId));
    return outcomes.map((o) => (o instanceof Error ? o : undefined));
  },
};

/**
 * The reconciliation round: the delta query is the truth, notifications only hints. Quiet folders are
 * probed in chunks here; the others get their `folder.sync` round (sync/quiet-probes.ts).
 */
export const runSyncReconcile: JobHandler<
  unknown,
  BaseJobContext & Pick<JobContext, 'sendMany' | 'reconcileIntervalMs' | 'sync' | 'push'>
> = async (_payload, ctx) => {
  const due = new Date(ctx.now().getTime() - ctx.reconcileIntervalMs);
  const r = await ctx.sync.reconcile(due, {
    // One insert per chunk (10,000 folders were 10,000 round trips every minute).
    queueRounds: (ids) =>
      ctx.sendMany(
        'folder.sync',
        ids.map((folderId) => ({ payload: { folderId }, singletonKey: folderId })),
      ),
    afterQuiet: (folderId, push) => ctx.push.afterRound(folderId, push),
  });
  if (r.due) ctx.logger.debug(r, 'reconciled');
};

export const runFolderMarkers: JobHandler<PayloadOf<typeof folderMarkers>> = async ({ folderId }, ctx) => {
  await ctx.sync.writeMarkers(folderId);
};
