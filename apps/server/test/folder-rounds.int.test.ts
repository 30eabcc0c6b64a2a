import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoredFolders } from '../src/db/schema/index.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type TestApp } from './helpers.ts';
import { CLAIMS, monitor } from './sync-helpers.ts';

// Push and hot-folder polling off: the test runs the rounds itself.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ MAILROOM_PUSH: 'false', SYNC_HOT_MINUTES: '0' });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

describe('a fetch of folder rounds (folder.sync, 4 jobs a fetch)', () => {
  it('runs each folder’s round: new mail recorded in its own, the quiet ones’ cursors and ends written together', async () => {
    const { client: admin, workspaceId } = await setUp(app);
    const connectorId = await connectedOwnApp(admin, workspaceId, 'Rounds');
    const control = app.server.sandbox!.control;
    const { db } = app.server.database;
    const names = ['Rounds A', 'Rounds B', 'Rounds C'];
    const graph = await Promise.all(names.map((n) => control.createFolder(CLAIMS, n)));
    const ids: string[] = [];
    for (const folder of names)
      ids.push(
        (await monitor(app, { workspaceId, connectorId, address: CLAIMS, folder, processFrom: new Date(0) }))
          .folderId,
      );
    // An inactive folder and one that no longer exists ride in the same fetch.
    const [inactive] = await db
      .insert(monitoredFolders)
      .values({
        ...(await db.select().from(monitoredFolders).where(eq(monitoredFolders.id, ids[0]!)))[0]!,
        id: randomUUID(),
        graphFolderId: 'elsewhere',
        active: false,
      })
      .returning();
    const gone = randomUUID();

    // First rounds: every folder is empty, each ends quiet with a delta cursor.
    const first = await app.server.sync.syncFolders(ids);
    expect(first.map((r) => !(r instanceof Error) && r.ok)).toEqual([true, true, true]);
    const before = await db.select().from(monitoredFolders).where(inArray(monitoredFolders.id, ids));
    for (const f of before) {
      expect(f.cursorKind).toBe('delta');
      expect(f.cursor).toBeTruthy();
      expect(f.lastSyncAt).not.toBeNull();
    }

    // New mail in B only; C's cursor is made stale so that its write is seen.
    await control.deliverGenerated(CLAIMS, { folder: graph[1]!.id });
    await db
      .update(monitoredFolders)
      .set({ lastError: 'old', lastSyncAt: new Date(0) })
      .where(eq(monitoredFolders.id, ids[2]!));
    const out = await app.server.sync.syncFolders([ids[0]!, ids[1]!, inactive!.id, gone, ids[2]!]);
    const results = out.map((r) => {
      if (r instanceof Error) throw r;
      return r;
    });
    expect(results.map((r) => [r.ok, r.recorded])).toEqual([
      [true, 0],
      [true, 1],
      [false, 0],
      [false, 0],
      [true, 0],
    ]);
    const after = new Map(
      (await db.select().from(monitoredFolders).where(inArray(monitoredFolders.id, ids))).map((f) => [
        f.id,
        f,
      ]),
    );
    const c = after.get(ids[2]!)!;
    expect(c.lastError).toBeNull();
    expect(c.lastSyncAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(c.cursorKind).toBe('delta');
    for (const id of ids)
      expect(after.get(id)!.lastSyncAt!.getTime()).toBeGreaterThanOrEqual(
        before.find((f) => f.id === id)!.lastSyncAt!.getTime(),
      );
    // The inactive folder was not touched.
    const [still] = await db.select().from(monitoredFolders).where(eq(monitoredFolders.id, inactive!.id));
    expect(still!.cursor).toBeNull();
    expect(still!.lastSyncAt).toBeNull();

    // One folder alone (the engine's single round) goes the same way.
    const one = await app.server.sync.syncFolder(ids[1]!);
    expect([one.ok, one.recorded]).toEqual([true, 0]);
  });
});
