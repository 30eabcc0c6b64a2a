import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { monitoredFolders } from '../../db/schema/index.ts';
import { asError } from '../../lib/errors.ts';
import type { folderMarkers, folderSync, messageIngest } from '../catalog.ts';
import type { BaseJobContext, BatchJobHandler, JobContext, JobHandler, PayloadOf } from '../handler-types.ts';

/** A fetch's rounds run together: their folders are read, and their quiet ends written, once a fetch. */
export const runFolderSync: BatchJobHandler<PayloadOf<typeof folderSync>> = {
  batch: async (payloads, ctx) => {
    const outcomes = await ctx.sync.syncFolders(payloads.map((p) => p.folderId));
    return Promise.all(
      outcomes.map(async (r, i) => {
        if (r instanceof Error) return r;
        const { folderId } = payloads[i]!;
        if (r.recorded || r.removed || r.resynced) ctx.logger.info({ folderId, ...r }, 'folder synced');
        if (!r.ok) return undefined;
        // A folder that reads well gets (or keeps) its push subscription.
        return ctx.push.afterRound(folderId, r.pushContext).then(() => undefined, asError);
      }),
    );
  },
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
