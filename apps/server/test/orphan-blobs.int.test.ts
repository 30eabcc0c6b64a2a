import { randomBytes } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../src/blobs/fs-store.ts';
import { sweepOrphanBlobs } from '../src/documents/orphan-blobs.ts';
import { inboxes } from '../src/db/schema/index.ts';
import { blobSweep } from '../src/jobs/catalog.ts';
import { fixtureDocument, fixtureFolder } from './document-fixtures.ts';
import { setUp, startTestApp, type TestApp } from './helpers.ts';

// The orphan sweep (decision 0012) on a real database and a real blob store: the files no document
// uses go once nobody has stored them for a day; every file a document uses stays, however old.

const DAY = 86_400_000;

let app: TestApp;
let at: Awaited<ReturnType<typeof fixtureFolder>> & { workspaceId: string; inboxId: string };

function fileBlobs(): FsBlobStore {
  if (!(app.server.blobs instanceof FsBlobStore)) throw new Error('these tests age files: BLOB_STORE=fs');
  return app.server.blobs;
}
/** As if the file had last been stored `days` ago. */
async function age(days: number, ...shas: string[]) {
  const then = new Date(Date.now() - days * DAY);
  for (const sha of shas) await utimes(fileBlobs().pathOf(sha), then, then);
}
const exists = (sha: string) => app.server.blobs.exists(sha);
const orphan = async () => (await app.server.blobs.putBuffer(randomBytes(200))).sha256;
const sweep = (opts: Parameters<typeof sweepOrphanBlobs>[1] = {}) =>
  sweepOrphanBlobs({ db: app.server.database.db, blobs: app.server.blobs }, opts);

beforeAll(async () => {
  app = await startTestApp();
  const { workspaceId } = await setUp(app);
  const [{ id: inboxId }] = (await app.server.database.db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, workspaceId), eq(inboxes.isDefault, true)))) as [{ id: string }];
  at = { ...(await fixtureFolder(app, workspaceId, inboxId)), workspaceId, inboxId };
});
afterAll(async () => {
  await app?.close();
});

describe('the orphan blob sweep', () => {
  it('erases the files no document uses once they are a day old, and keeps every file a document uses', async () => {
    const attachment = await app.server.blobs.putBuffer(randomBytes(500));
    const doc = await fixtureDocument(app, at, {
      attachments: [
        {
          name: 'claim.pdf',
          contentType: 'application/pdf',
          size: 500,
          kind: 'file',
          sha256: attachment.sha256,
        },
      ],
    });
    // A document in the trash still uses its files.
    const trashed = await fixtureDocument(app, at, { status: 'deleted' });
    const [old1, old2, fresh] = [await orphan(), await orphan(), await orphan()];
    await age(3, doc.emlSha256!, attachment.sha256, trashed.emlSha256!, old1, old2);
    // Stored 23 hours ago: within the day's grace (an ingestion may be about to save its document).
    await age(23 / 24, fresh);

    // A crash in the middle of a write leaves its temporary file (touched now: kept for the day).
    const stranded = path.join(fileBlobs().dir, 'tmp', 'crash-left');
    await mkdir(path.dirname(stranded), { recursive: true });
    await writeFile(stranded, 'half a write');

    const r = await sweep();
    expect(r).toMatchObject({ erased: 2, keptFresh: 1, temporaries: 0, next: undefined });
    expect(r.used).toBe(3);
    expect(await exists(old1)).toBe(false);
    expect(await exists(old2)).toBe(false);
    expect(await exists(fresh)).toBe(true);
    for (const sha of [doc.emlSha256!, attachment.sha256, trashed.emlSha256!])
      expect(await exists(sha)).toBe(true);
    // Again: nothing more to erase. Two days on, the fresh orphan and the stranded file go too.
    expect(await sweep()).toMatchObject({ erased: 0, keptFresh: 1, temporaries: 0 });
    const later = await sweep({ now: () => Date.now() + 2 * DAY });
    expect(later).toMatchObject({ erased: 1, keptFresh: 0, temporaries: 1 });
    expect(await exists(fresh)).toBe(false);
    for (const sha of [doc.emlSha256!, attachment.sha256, trashed.emlSha256!])
      expect(await exists(sha)).toBe(true);
  });

  it('stops on its time budget and goes on from where it stopped', async () => {
    const shas = [await orphan(), await orphan(), await orphan()];
    await age(2, ...shas);
    // One file a page, and a budget spent at once: one page a run.
    const first = await sweep({ pageSize: 1, maxRunMs: -1 });
    expect(first.listed).toBe(1);
    expect(first.next).toBeDefined();
    let cursor = first.next;
    let erased = first.erased;
    for (let runs = 0; cursor !== undefined && runs < 100; runs++) {
      const r = await sweep({ pageSize: 1, maxRunMs: -1, cursor });
      erased += r.erased;
      cursor = r.next;
    }
    expect(cursor).toBeUndefined();
    expect(erased).toBe(3);
    for (const sha of shas) expect(await exists(sha)).toBe(false);
  });

  it('runs as the daily blob.sweep job through the queue', async () => {
    const sha = await orphan();
    await age(2, sha);
    const jobId = await app.server.jobs.send(blobSweep, {});
    let state: string | undefined;
    for (let i = 0; i < 100 && state !== 'completed' && state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await app.server.jobs.boss.getJobById<object>(blobSweep.name, jobId!))?.state;
    }
    expect(state).toBe('completed');
    expect(await exists(sha)).toBe(false);
  });
});
