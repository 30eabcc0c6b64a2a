import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOT_POLLING_DEFAULTS, isHot } from '../src/core/hot-polling.ts';
import { monitoredFolders } from '../src/db/schema/index.ts';
import { HotFolderPoller } from '../src/sync/hot-folders.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type TestApp } from './helpers.ts';
import { CLAIMS, documentCount, monitor, settle, until } from './sync-helpers.ts';

// No notifications (push off) and reconciliation an hour away: whatever arrives within the test
// arrived because its folder was hot and polled (issue 22 §2.3, decision 0021).
let app: TestApp;
let ws: string;
let connectorId: string;

const folderRow = async (id: string) =>
  (await app.server.database.db.select().from(monitoredFolders).where(eq(monitoredFolders.id, id)))[0]!;
const control = () => app.server.sandbox!.control;

beforeAll(async () => {
  app = await startTestApp({ MAILROOM_PUSH: 'false', SYNC_RECONCILE_SECONDS: '3600' });
  let admin;
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await connectedOwnApp(admin, ws, 'Claims');
}, 120_000);
afterAll(async () => {
  await app?.close();
});

describe('hot folders', () => {
  it('a folder whose round found recent mail is polled: the next email becomes a document with no notification', async () => {
    await control().deliverGenerated(CLAIMS, { subject: 'hot: first' });
    const { folderId } = await monitor(app, {
      workspaceId: ws,
      connectorId,
      address: CLAIMS,
      folder: 'Inbox',
      processFrom: new Date(Date.now() - 60_000),
    });
    // The first round, as "Sync now" runs it: it records the email just delivered.
    await app.server.jobs.send('folder.sync', { folderId }, { singletonKey: folderId });
    await until('the first email', async () => (await documentCount(app, folderId)) === 1);
    const f = await folderRow(folderId);
    // Its newest mail is the email's own receivedDateTime (seconds ago), never later than the round.
    expect(f.lastMailAt).not.toBeNull();
    expect(f.lastMailAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - f.lastMailAt!.getTime()).toBeLessThan(HOT_POLLING_DEFAULTS.windowMs);

    await control().deliverGenerated(CLAIMS, { subject: 'hot: second' });
    // Nothing else reads the folder: without the poller this never happens (push off, reconciliation in an hour).
    await until(
      'the second email, found by a polling round',
      async () => (await documentCount(app, folderId)) === 2,
    );
    await settle(app, folderId);
  }, 60_000);

  it('a round over old mail does not make a folder hot; only folders with recent mail are claimed, once per gap', async () => {
    // Mail two days old in the Archive, read by a first round from a year back: not hot.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await control().deliverMessage(
      CLAIMS,
      {
        subject: 'old mail',
        receivedDateTime: twoDaysAgo.toISOString(),
        from: { emailAddress: { address: 'someone@example.com' } },
        toRecipients: [{ emailAddress: { address: CLAIMS } }],
        body: { contentType: 'text', content: 'old' },
      },
      { folder: 'archive' },
    );
    const { folderId } = await monitor(app, {
      workspaceId: ws,
      connectorId,
      address: CLAIMS,
      folder: 'Archive',
      processFrom: new Date(Date.now() - 365 * 86_400_000),
    });
    await app.server.jobs.send('folder.sync', { folderId }, { singletonKey: folderId });
    await until('the old email', async () => (await documentCount(app, folderId)) === 1);
    await settle(app, folderId);
    const old = await folderRow(folderId);
    expect(Math.abs(old.lastMailAt!.getTime() - twoDaysAgo.getTime())).toBeLessThan(1000);
    expect(isHot(HOT_POLLING_DEFAULTS, old.lastMailAt, new Date())).toBe(false);

    const { db } = app.server.database;
    // A poller of its own, a day ahead of the clock: the process's own poller (at the real time)
    // never claims what this one claims, and this one sees the folder as the test sets it.
    const at = new Date(Date.now() + 86_400_000);
    const queued: string[][] = [];
    const poller = new HotFolderPoller({
      db,
      polling: HOT_POLLING_DEFAULTS,
      queueRounds: async (ids) => void queued.push(ids.filter((id) => id === folderId)),
      logger: pino({ level: 'silent' }),
      now: () => at,
    });
    // Mail from two hours before: not hot.
    await db
      .update(monitoredFolders)
      .set({ lastMailAt: new Date(at.getTime() - 2 * 3_600_000), nextPollAt: null })
      .where(eq(monitoredFolders.id, folderId));
    await poller.tick();
    expect(queued.flat()).toEqual([]);

    // Mail ten seconds before: hot, claimed once, its next round 5 s later (half the quiet, at most 5 s).
    await db
      .update(monitoredFolders)
      .set({ lastMailAt: new Date(at.getTime() - 10_000), nextPollAt: null })
      .where(eq(monitoredFolders.id, folderId));
    const first = await poller.tick();
    expect(queued.flat()).toEqual([folderId]);
    expect((await folderRow(folderId)).nextPollAt!.getTime()).toBe(at.getTime() + 5_000);
    expect(first.nextDueAt!.getTime()).toBeLessThanOrEqual(at.getTime() + 5_000);
    await poller.tick();
    expect(queued.flat()).toEqual([folderId]);

    // A burst: mail a moment ago, the next round a quarter of a second later.
    await db
      .update(monitoredFolders)
      .set({ lastMailAt: new Date(at.getTime() - 100), nextPollAt: null })
      .where(eq(monitoredFolders.id, folderId));
    await poller.tick();
    expect(queued.flat()).toEqual([folderId, folderId]);
    expect((await folderRow(folderId)).nextPollAt!.getTime()).toBe(at.getTime() + 250);
  }, 60_000);
});
