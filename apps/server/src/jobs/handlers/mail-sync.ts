import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { monitoredFolders } from '../../db/schema/index.ts';
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

/** The reconciliation round: the delta query is the truth, notifications only hints. */
export const runSyncReconcile: JobHandler<
  unknown,
  BaseJobContext & Pick<JobContext, 'sendMany' | 'reconcileIntervalMs'>
> = async (_payload, ctx) => {
  const due = new Date(ctx.now().getTime() - ctx.reconcileIntervalMs);
  const folders = await ctx.db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .where(
      and(
        eq(monitoredFolders.active, true),
        or(isNull(monitoredFolders.lastSyncAt), lt(monitoredFolders.lastSyncAt, due)),
      ),
    );
  // One insert for all of them (10,000 folders were 10,000 round trips every minute).
  if (folders.length)
    await ctx.sendMany(
      'folder.sync',
      folders.map((f) => ({ payload: { folderId: f.id }, singletonKey: f.id })),
    );
};

export const runFolderMarkers: JobHandler<PayloadOf<typeof folderMarkers>> = async ({ folderId }, ctx) => {
  await ctx.sync.writeMarkers(folderId);
};
