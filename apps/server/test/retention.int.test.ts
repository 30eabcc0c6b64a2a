import { randomUUID } from 'node:crypto';
import { readFile, utimes } from 'node:fs/promises';
import { api, type Workspace } from '@mailroom/contracts';
import { and, eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../src/blobs/fs-store.ts';
import { eraseExpiredDocuments } from '../src/documents/retention.ts';
import {
  auditLog,
  documentHistory,
  documents,
  events,
  inboxes,
  mailMessages,
  outflowRuns,
  webhookDeliveries,
  webhookEndpoints,
  workspaces,
} from '../src/db/schema/index.ts';
import { documentRetention } from '../src/jobs/catalog.ts';
import { updateWorkspace } from '../src/workspaces/settings.ts';
import { fixtureDocument, fixtureFolder, join } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// Retention (issue 21 §4, decision 0012) on a real database and a real blob store: what is past a
// workspace's retention goes — rows, files, content — and nothing else does.

const DAY = 86_400_000;
const HOUR = 3_600_000;
const quiet = pino({ level: 'silent' });

let app: TestApp;
let owner: Client;
let ownerId: string;
let ws: string;
let inbox: string;
let other: string;
let otherInbox: string;

type Doc = Awaited<ReturnType<typeof fixtureDocument>>;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

/** This file's server keeps its blobs in files (both stores' retention: shared-blobs.int.test.ts). */
function fileBlobs(): FsBlobStore {
  if (!(app.server.blobs instanceof FsBlobStore)) throw new Error('these tests age files: BLOB_STORE=fs');
  return app.server.blobs;
}
/** As if the file had been written two hours ago: past the grace that protects blobs being ingested. */
async function age(...shas: string[]) {
  const then = new Date(Date.now() - 2 * HOUR);
  for (const sha of shas) await utimes(fileBlobs().pathOf(sha), then, then);
}
const exists = (sha: string) => app.server.blobs.exists(sha);
/** The files retention asked to erase, in order. */
let erasing: string[] = [];
const erase = (opts: Parameters<typeof eraseExpiredDocuments>[1] = {}) =>
  eraseExpiredDocuments(
    {
      db: app.server.database.db,
      blobs: {
        eraseUnlessFresh: (sha, graceMs, now) => {
          erasing.push(sha);
          return app.server.blobs.eraseUnlessFresh(sha, graceMs, now);
        },
      },
      logger: quiet,
      now: () => new Date(),
    },
    { pauseMs: 0, ...opts },
  );
async function documentIds(ids: string[]) {
  const rows = await app.server.database.db
    .select({ id: documents.id })
    .from(documents)
    .where(inArray(documents.id, ids));
  return rows.map((r) => r.id).sort();
}

beforeAll(async () => {
  app = await startTestApp();
  ({ client: owner, workspaceId: ws } = await setUp(app));
  ownerId = (await owner.session()).user!.id;
  const { db } = app.server.database;
  [{ id: inbox }] = (await db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.workspaceId, ws), eq(inboxes.isDefault, true)))) as [{ id: string }];
  // Another workspace on the same instance (and the same blob store), keeping documents a year.
  const [w] = await db.insert(workspaces).values({ name: 'Fabrikam', retentionDays: 365 }).returning();
  other = w!.id;
  const [i] = await db
    .insert(inboxes)
    .values({ workspaceId: other, name: 'Inbox', isDefault: true })
    .returning();
  otherInbox = i!.id;
});
afterAll(async () => {
  await app?.close();
});

describe('the retention setting', () => {
  it('is applied by an hourly job', async () => {
    const schedules = await app.server.jobs.boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron])).toContainEqual([
      documentRetention.name,
      documentRetention.cron,
    ]);
    // From here on the tests run retention themselves: the hourly run must not slip in between.
    await app.server.jobs.boss.unschedule(documentRetention.name);
  });

  it('is 29 days unless changed, and shown with the workspace', async () => {
    const w = await owner.get<Workspace>(api.workspace(ws));
    expect(w.status).toBe(200);
    expect(w.body.retentionDays).toBe(29);
  });

  it('takes 1 to 3,650 whole days from admins only, each change audited with what it was', async () => {
    for (const bad of [0, 3651, -5, 1.5, '30', null]) {
      const r = await owner.patch(api.workspace(ws), { retentionDays: bad });
      expect(r.status, `retentionDays: ${String(bad)}`).toBe(400);
    }
    expect((await owner.patch(api.workspace(ws), {})).status).toBe(400);
    const { client: member } = await join(app, owner, ws, 'mia@example.com', 'member');
    expect((await member.patch(api.workspace(ws), { retentionDays: 1 })).status).toBe(403);
    expect((await owner.get<Workspace>(api.workspace(ws))).body.retentionDays).toBe(29);

    for (const days of [1, 3650, 30]) {
      const r = await owner.patch<Workspace>(api.workspace(ws), { retentionDays: days });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: ws, name: 'Contoso Claims', retentionDays: days });
    }
    // The same value again is no change, and no audit line.
    expect((await owner.patch<Workspace>(api.workspace(ws), { retentionDays: 30 })).status).toBe(200);
    // A rename alone leaves the retention as it is.
    const renamed = await owner.patch<Workspace>(api.workspace(ws), { name: 'Contoso' });
    expect(renamed.body).toMatchObject({ name: 'Contoso', retentionDays: 30 });

    const lines = await app.server.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws), eq(auditLog.action, 'workspace.retention_changed')))
      .orderBy(auditLog.seq);
    expect(lines.map((l) => [l.actorUserId, l.targetType, l.targetId, l.details])).toEqual([
      [ownerId, 'workspace', ws, { retentionDays: 1, previousRetentionDays: 29 }],
      [ownerId, 'workspace', ws, { retentionDays: 3650, previousRetentionDays: 1 }],
      [ownerId, 'workspace', ws, { retentionDays: 30, previousRetentionDays: 3650 }],
    ]);
    // The other workspace was not touched.
    const [o] = await app.server.database.db.select().from(workspaces).where(eq(workspaces.id, other));
    expect(o!.retentionDays).toBe(365);
  });

  it('is not changed when its audit line cannot be written (same transaction)', async () => {
    // PostgreSQL refuses NUL in text: this actor's audit line fails, so the change must roll back.
    const unrecordable = { id: ownerId, email: 'broken\u0000@example.com' };
    await expect(
      updateWorkspace(app.server.database.db, ws, { retentionDays: 7 }, unrecordable),
    ).rejects.toThrow();
    expect((await owner.get<Workspace>(api.workspace(ws))).body.retentionDays).toBe(30);
  });
});

describe('erasing what is past retention', () => {
  // Workspace `ws` keeps 30 days (set above); `other` keeps 365.
  let folder: { folderId: string; mailboxId: string };
  let otherFolder: { folderId: string; mailboxId: string };
  const at = () => ({ workspaceId: ws, inboxId: inbox, ...folder });
  let alone: Doc;
  let sharedOld: Doc;
  let keptSharing: Doc;
  let twinA: Doc;
  let twinB: Doc;
  let withAttachment: Doc;
  let attachmentSha: string;
  let freshBlob: Doc;
  let recent: Doc;
  let otherOld: Doc;
  let otherRecent: Doc;
  let endpointId: string;
  let keptHistoryId: string;

  beforeAll(async () => {
    const { db, blobs } = { db: app.server.database.db, blobs: app.server.blobs };
    folder = await fixtureFolder(app, ws, inbox, 'claims@contoso-insurance.com');
    otherFolder = await fixtureFolder(app, other, otherInbox, 'claims@fabrikam.example');

    alone = await fixtureDocument(app, at(), {
      receivedAt: daysAgo(40),
      subject: 'Secret claim Zebra-41',
      fromAddress: 'zebra@example.be',
    });
    // An old document whose .eml a kept document also holds (as an attachment: the same bytes).
    sharedOld = await fixtureDocument(app, at(), { receivedAt: daysAgo(45), subject: 'Forwarded original' });
    keptSharing = await fixtureDocument(app, at(), {
      receivedAt: daysAgo(3),
      attachments: [
        {
          name: 'original.eml',
          contentType: 'message/rfc822',
          size: sharedOld.emlSize!,
          kind: 'item',
          sha256: sharedOld.emlSha256!,
        },
      ],
    });
    // Two old documents with the same bytes (the same email in two folders): erased one after the
    // other, in different transactions; the file goes with the last one.
    twinA = await fixtureDocument(app, at(), { receivedAt: daysAgo(50), subject: 'Twin' });
    twinB = await fixtureDocument(app, at(), {
      receivedAt: daysAgo(31),
      emlSha256: twinA.emlSha256!,
      emlSize: twinA.emlSize!,
    });
    // An old document with an attachment of its own, and a reference attachment (a link, no file).
    attachmentSha = (await blobs.putBuffer(Buffer.from('%PDF-1.7 constat amiable'))).sha256;
    withAttachment = await fixtureDocument(app, at(), {
      receivedAt: daysAgo(60),
      attachments: [
        {
          name: 'constat.pdf',
          contentType: 'application/pdf',
          size: 24,
          kind: 'file',
          sha256: attachmentSha,
        },
        { name: 'link', contentType: 'text/html', size: 0, kind: 'reference', url: 'https://example.com/x' },
      ],
    });
    // An old document whose file was just written again (an email with the same bytes being ingested
    // right now): the row goes, the file stays for the ingestion about to reference it.
    freshBlob = await fixtureDocument(app, at(), { receivedAt: daysAgo(35) });
    recent = await fixtureDocument(app, at(), { receivedAt: daysAgo(29) });
    // The other workspace keeps a year: 40 days old stays there.
    otherOld = await fixtureDocument(
      app,
      { workspaceId: other, inboxId: otherInbox, ...otherFolder },
      { receivedAt: daysAgo(40) },
    );
    otherRecent = await fixtureDocument(
      app,
      { workspaceId: other, inboxId: otherInbox, ...otherFolder },
      { receivedAt: daysAgo(2) },
    );

    // What hangs on documents: history, outbox events (a document event's id is its history
    // line's), outflow runs, webhook deliveries — for an erased document and for a kept one.
    const [endpoint] = await db
      .insert(webhookEndpoints)
      .values({ workspaceId: ws, url: 'https://hooks.example.com/in', secret: 'not-a-real-secret' })
      .returning();
    endpointId = endpoint!.id;
    for (const d of [alone, keptSharing]) {
      const [h] = await db
        .insert(documentHistory)
        .values({
          workspaceId: ws,
          documentId: d.id,
          kind: 'bounced',
          details: { reason: `About ${d.subject}` },
        })
        .returning();
      if (d === keptSharing) keptHistoryId = h!.id;
      await db.insert(events).values({
        id: h!.id,
        workspaceId: ws,
        type: 'document.bounced',
        subjectType: 'document',
        subjectId: d.id,
        payload: { documentId: d.id, reason: `About ${d.subject}` },
      });
      await db.insert(webhookDeliveries).values({
        workspaceId: ws,
        endpointId,
        eventId: h!.id,
        eventType: 'document.bounced',
        documentId: d.id,
        // Not pending: the dispatcher leaves it alone during the test.
        state: 'failed',
      });
      await db.insert(outflowRuns).values({
        workspaceId: ws,
        documentId: d.id,
        eventId: h!.id,
        actionId: randomUUID(),
        source: 'inbox',
        action: { on: 'document.bounced', kind: 'category', category: 'Bounced', color: 'preset0' },
        state: 'done',
      });
    }

    const all = [alone, sharedOld, keptSharing, twinA, twinB, withAttachment, recent, otherOld, otherRecent];
    await age(...new Set([...all.map((d) => d.emlSha256!), attachmentSha, freshBlob.emlSha256!]));
    // The "ingestion" of the same bytes as freshBlob's: `put` writes the file again (mtime now).
    const again = await readFile(fileBlobs().pathOf(freshBlob.emlSha256!));
    expect((await blobs.putBuffer(again)).sha256).toBe(freshBlob.emlSha256!);
  });

  it('erases the documents, their rows and their files; keeps what is shared, recent or elsewhere', async () => {
    const { db } = app.server.database;
    const expired = [alone, sharedOld, twinA, twinB, withAttachment, freshBlob];
    const kept = [keptSharing, recent, otherOld, otherRecent];
    const all = [...expired, ...kept];

    // One document per transaction, oldest first: the twins' file is decided across transactions.
    erasing = [];
    const r = await erase({ batchSize: 1 });
    // Files erased: alone's, the twins', withAttachment's .eml and its PDF; freshBlob's is kept.
    expect(r).toEqual({ documents: 6, blobsErased: 4, blobsKeptFresh: 1, more: false });

    expect(await documentIds(all.map((d) => d.id))).toEqual(kept.map((d) => d.id).sort());

    // Files: gone when no document uses them; the shared one and the kept ones stay.
    for (const d of [alone, twinA, withAttachment]) expect(await exists(d.emlSha256!), d.subject).toBe(false);
    expect(await exists(attachmentSha)).toBe(false);
    expect(await exists(sharedOld.emlSha256!)).toBe(true);
    for (const d of kept) expect(await exists(d.emlSha256!)).toBe(true);
    // Written again a moment ago by an ingestion: left for the document about to reference it.
    expect(await exists(freshBlob.emlSha256!)).toBe(true);
    // Each file went with the last document using it: the twins' with twinB (31 days), not twinA
    // (50 days), though twinA's transaction came first.
    expect(erasing).toEqual([
      withAttachment.emlSha256!,
      attachmentSha,
      alone.emlSha256!,
      freshBlob.emlSha256!,
      twinA.emlSha256!,
    ]);

    // Work items stay (`done`: a full resync does not ingest those emails again), without content.
    const items = await db
      .select()
      .from(mailMessages)
      .where(
        inArray(
          mailMessages.id,
          all.map((d) => d.messageId!),
        ),
      );
    expect(items).toHaveLength(all.length);
    for (const item of items) {
      const wasErased = expired.some((d) => d.messageId === item.id);
      expect(item.state).toBe('done');
      if (wasErased) expect(item.subject).toBeNull();
      else expect(item.subject).not.toBeNull();
    }

    // History, events, outflow runs and webhook deliveries of the erased document are gone; the
    // kept document's are there.
    expect(
      (await db.select().from(documentHistory).where(eq(documentHistory.documentId, alone.id))).length,
    ).toBe(0);
    expect((await db.select().from(outflowRuns).where(eq(outflowRuns.documentId, alone.id))).length).toBe(0);
    expect(
      (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.documentId, alone.id))).length,
    ).toBe(0);
    expect((await db.select().from(events).where(eq(events.subjectId, alone.id))).length).toBe(0);
    expect(
      (await db.select().from(documentHistory).where(eq(documentHistory.documentId, keptSharing.id))).length,
    ).toBe(1);
    expect(
      (await db.select().from(outflowRuns).where(eq(outflowRuns.documentId, keptSharing.id))).length,
    ).toBe(1);
    expect(
      (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.documentId, keptSharing.id)))
        .length,
    ).toBe(1);
    expect((await db.select().from(events).where(eq(events.id, keptHistoryId))).length).toBe(1);

    // The audit log keeps the fact, one line per document, and nothing of the content.
    const lines = await db.select().from(auditLog).where(eq(auditLog.action, 'document.erased'));
    expect(lines.map((l) => l.targetId).sort()).toEqual(expired.map((d) => d.id).sort());
    for (const l of lines) {
      expect(l).toMatchObject({
        workspaceId: ws,
        actorUserId: null,
        actorEmail: null,
        actorApiKeyId: null,
        targetType: 'document',
        details: { reason: 'retention', retentionDays: 30 },
      });
    }
    const everything = JSON.stringify(await db.select().from(auditLog));
    for (const d of expired) {
      expect(everything).not.toContain(d.subject);
      expect(everything).not.toContain(d.fromAddress!);
      expect(everything).not.toContain(d.emlSha256!);
    }
    expect(everything).not.toContain('Zebra');

    // The other workspace: nothing erased, nothing audited.
    expect(
      await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.workspaceId, other), eq(auditLog.action, 'document.erased'))),
    ).toEqual([]);
  });

  it('finds nothing more to do on the next run', async () => {
    expect(await erase()).toEqual({ documents: 0, blobsErased: 0, blobsKeptFresh: 0, more: false });
    expect(await exists(sharedOld.emlSha256!)).toBe(true);
  });

  it('lets a shared file go with the last document that used it', async () => {
    const { db } = app.server.database;
    // The kept document reaches past retention (the admin shortens it to 1 day).
    await owner.patch(api.workspace(ws), { retentionDays: 1 });
    const r = await erase();
    expect(r.documents).toBe(2); // keptSharing (3 days) and recent (29 days)
    expect(await exists(sharedOld.emlSha256!)).toBe(false);
    expect(await exists(keptSharing.emlSha256!)).toBe(false);
    expect(await documentIds([otherOld.id, otherRecent.id])).toEqual([otherOld.id, otherRecent.id].sort());
    expect(await exists(otherOld.emlSha256!)).toBe(true);
    // The retention change itself is on record, between the erasures.
    const [changed] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws), eq(auditLog.action, 'workspace.retention_changed')))
      .orderBy(auditLog.seq)
      .then((l) => l.slice(-1));
    expect(changed!.details).toEqual({ retentionDays: 1, previousRetentionDays: 30 });
  });

  it('runs as the periodic document.retention job through the queue', async () => {
    const { db } = app.server.database;
    const old = await fixtureDocument(app, at(), { receivedAt: daysAgo(5) });
    await age(old.emlSha256!);
    const jobId = await app.server.jobs.send(documentRetention, {});
    let state: string | undefined;
    for (let i = 0; i < 100 && state !== 'completed' && state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await app.server.jobs.boss.getJobById<object>(documentRetention.name, jobId!))?.state;
    }
    expect(state).toBe('completed');
    expect(await documentIds([old.id])).toEqual([]);
    expect(await exists(old.emlSha256!)).toBe(false);
    const [item] = await db.select().from(mailMessages).where(eq(mailMessages.id, old.messageId!));
    expect(item).toMatchObject({ state: 'done', subject: null });
  });

  it('stops on its time budget and says there is more', async () => {
    const a = await fixtureDocument(app, at(), { receivedAt: daysAgo(9) });
    const b = await fixtureDocument(app, at(), { receivedAt: daysAgo(8) });
    await age(a.emlSha256!, b.emlSha256!);
    const r = await erase({ batchSize: 1, maxRunMs: -1 });
    expect(r).toEqual({ documents: 0, blobsErased: 0, blobsKeptFresh: 0, more: true });
    expect(await erase({ batchSize: 1 })).toMatchObject({ documents: 2, blobsErased: 2, more: false });
  });
});
