import type { jobCatalog } from './catalog.ts';
import type { HandlersOf } from './handler-types.ts';
import {
  runConnectorHealth,
  runConnectorHealthSweep,
  runConnectorSetup,
} from './handlers/connector-health.ts';
import { runHousekeeping } from './handlers/housekeeping.ts';
import { runOutflow, runOutflowSweep } from './handlers/outflow-runs.ts';
import { runBlobSweep, runDocumentRetention } from './handlers/retention.ts';
import { runSubscriptionEnsure, runSubscriptionSweep } from './handlers/subscriptions.ts';
import { runFolderMarkers, runFolderSync, runMessageIngest, runSyncReconcile } from './handlers/mail-sync.ts';

/** Job name → handler. The boot compares this with the catalog, both ways. */
export const jobHandlers: HandlersOf<typeof jobCatalog> = {
  housekeeping: runHousekeeping,
  'connector.setup': runConnectorSetup,
  'connector.health': runConnectorHealth,
  'connector.health-sweep': runConnectorHealthSweep,
  'folder.sync': runFolderSync,
  'message.ingest': runMessageIngest,
  'sync.reconcile': runSyncReconcile,
  'folder.markers': runFolderMarkers,
  'subscription.ensure': runSubscriptionEnsure,
  'subscription.sweep': runSubscriptionSweep,
  'outflow.run': runOutflow,
  'outflow.sweep': runOutflowSweep,
  'document.retention': runDocumentRetention,
  'blob.sweep': runBlobSweep,
};
