import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailMessages, monitoredFolders } from '../src/db/schema/index.ts';
import { SyncEngine } from '../src/sync/engine.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type TestApp } from './helpers.ts';
import { CLAIMS, documentCount, monitor, until } from './sync-helpers.ts';

// Work recorded but never queued (a crash between the two) is queued again by the folder's next
// round — once it is old enough to have lost its job; a fresh work item's job is in the queue, and
// sending its twin from every round of a busy mailbox held whole fetches back (issue 22 §2.4).
let app: TestApp;
let folderId: string;

beforeAll(async () => {
  app = await startTestApp({ MAILROOM_PUSH: 'false', SYNC_RECONCILE_SECONDS: '3600', SYNC_HOT_MINUTES: '0' });
  const { client, workspaceId } = await setUp(app);
  const connectorId = await connectedOwnApp(client, workspaceId, 'Claims');
  ({ folderId } = await monitor(app, {
    workspaceId,
    connectorId,
    address: CLAIMS,
    folder: 'Inbox',
    processFrom: new Date(Date.now() - 60_000),
  }));
}, 120_000);
afterAll(async () => {
  await app?.close();
});

const pending = async () =>
  app.server.database.db
    .select({ id: mailMessages.id })
    .from(mailMessages)
    .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.state, 'pending')));
const lastSync = async () =>
  (
    await app.server.database.db
      .select({ at: monitoredFolders.lastSyncAt })
      .from(monitoredFolders)
      .where(eq(monitoredFolders.id, folderId))
  )[0]!.at;
/** One round through the job queue (the folder's one writer), waited for. */
async function round(): Promise<void> {
  const before = (await lastSync())?.getTime() ?? 0;
  await app.server.jobs.send('folder.sync', { folderId }, { singletonKey: folderId });
  await until('the round', async () => ((await lastSync())?.getTime() ?? 0) > before);
}

describe('stranded work items', () => {
  it('a fresh pending work item is left to its job; one recorded a while ago is queued again and ingested', async () => {
    await app.server.sandbox!.control.deliverGenerated(CLAIMS, { subject: 'stranded' });
    // A round that records the email and queues nothing: as if the process died right after its transaction.
    const s = app.server;
    const crashed = new SyncEngine({
      db: s.database.db,
      broker: s.connectors.broker,
      mail: s.mail,
      blobs: s.blobs,
      inflow: s.inflow,
      logger: pino({ level: 'silent' }),
      enqueueIngest: async () => undefined,
      enqueueMarkers: async () => undefined,
    });
    expect((await crashed.syncFolder(folderId)).recorded).toBe(1);
    expect(await pending()).toHaveLength(1);

    const [item] = await pending();
    await round();
    // No job was sent for it (its own job is presumed queued): pending, and nothing in the queue.
    expect(await pending()).toHaveLength(1);
    expect(await app.server.jobs.boss.findJobs('message.ingest', { key: item!.id })).toEqual([]);

    await app.server.database.db
      .update(mailMessages)
      .set({ createdAt: sql`now() - interval '1 minute'` })
      .where(eq(mailMessages.folderId, folderId));
    await round();
    await until('the stranded email ingested', async () => (await documentCount(app, folderId)) === 1);
    expect(await pending()).toHaveLength(0);
  }, 60_000);
});
