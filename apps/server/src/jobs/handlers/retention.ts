import { AzureBlobError } from '../../blobs/azure-store.ts';
import { sweepOrphanBlobs } from '../../documents/orphan-blobs.ts';
import { eraseExpiredDocuments } from '../../documents/retention.ts';
import type { blobSweep, documentRetention } from '../catalog.ts';
import type { BaseJobContext, JobContext, JobHandler, PayloadOf } from '../handler-types.ts';

/** Retention's periodic run: `documents/retention.ts` decides and erases; this only calls it. */
export const runDocumentRetention: JobHandler<
  PayloadOf<typeof documentRetention>,
  BaseJobContext & Pick<JobContext, 'blobs'>
> = async (_payload, ctx) => {
  const r = await eraseExpiredDocuments(ctx);
  if (r.documents || r.blobsErased || r.more) ctx.logger.info(r, 'retention erased expired documents');
};

/**
 * The daily orphan sweep (`documents/orphan-blobs.ts`). A run that stops on its time budget queues
 * the next one where it stopped. An Azure container the connection may not list (a SAS without `l`)
 * is said in the log, once a run, and not retried: nothing else depends on the sweep.
 */
export const runBlobSweep: JobHandler<PayloadOf<typeof blobSweep>> = async (payload, ctx) => {
  try {
    const r = await sweepOrphanBlobs(ctx, payload.cursor ? { cursor: payload.cursor } : {});
    if (r.erased || r.temporaries || r.keptFresh || r.next)
      ctx.logger.info(r, 'blob sweep erased files no document uses');
    if (r.next) await ctx.send('blob.sweep', { cursor: r.next }, { startAfterSeconds: 60 });
  } catch (err) {
    if (err instanceof AzureBlobError && err.statusCode === 403) {
      ctx.logger.warn(
        { err: err.message },
        'blob sweep skipped: the Azure connection may not list the container (give its SAS the list permission, l)',
      );
      return;
    }
    throw err;
  }
};
