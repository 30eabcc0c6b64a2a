import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { monitoredFolders } from '../../db/schema/index.ts';
import type { BatchJobHandler, JobHandler } from '../handler.ts';

export const runFolderSync: JobHandler = async (payload, ctx) => {
  if (!ctx.sync) throw new Error('job context has no sync engine');
  const r = await ctx.sync.syncFolder((payload as { folderId: string }).folderId);
  if (r.recorded || r.removed || r.resynced) ctx.logger.info({ ...r }, 'folder synced');
  // A folder that reads well gets (or keeps) its push subscription.
  if (r.ok) await ctx.push?.afterRound((payload as { folderId: string }).folderId);
};

/** A fetch's messages are ingested together: their documents are written in one transaction. */
export const runMessageIngest: BatchJobHandler = {
  batch: async (payloads, ctx) => {
    if (!ctx.sync) throw new Error('job context has no sync engine');
    const outcomes = await ctx.sync.ingestMany(payloads.map((p) => (p as { messageId: string }).messageId));
    return outcomes.map((o) => (o instanceof Error ? o : undefined));
  },
};

/** The reconciliation round: the delta query is the truth, notifications only hints. */
export const runSyncReconcile: JobHandler = async (_payload, ctx) => {
  if (!ctx.sendMany || !ctx.reconcileIntervalMs) throw new Error('job context has no sender');
  const due = new Date(ctx.now().getTime() - ctx.reconcileIntervalMs);
  const folders = await ctx.db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .where(and(eq(monitoredFolders.active, true), or(isNull(monitoredFolders.lastSyncAt), lt(monitoredFolders.lastSyncAt, due))));
  // One insert for all of them (10,000 folders were 10,000 round trips every minute).
  if (folders.length) await ctx.sendMany('folder.sync', folders.map((f) => ({ payload: { folderId: f.id }, singletonKey: f.id })));
};

export const runFolderMarkers: JobHandler = async (payload, ctx) => {
  if (!ctx.sync) throw new Error('job context has no sync engine');
  await ctx.sync.writeMarkers((payload as { folderId: string }).folderId);
};
