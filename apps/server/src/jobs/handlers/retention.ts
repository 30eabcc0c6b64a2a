import { eraseExpiredDocuments } from '../../documents/retention.ts';
import type { documentRetention } from '../catalog.ts';
import type { BaseJobContext, JobContext, JobHandler, PayloadOf } from '../handler-types.ts';

/** Retention's periodic run: `documents/retention.ts` decides and erases; this only calls it. */
export const runDocumentRetention: JobHandler<
  PayloadOf<typeof documentRetention>,
  BaseJobContext & Pick<JobContext, 'blobs'>
> = async (_payload, ctx) => {
  const r = await eraseExpiredDocuments(ctx);
  if (r.documents || r.blobsErased || r.more) ctx.logger.info(r, 'retention erased expired documents');
};
