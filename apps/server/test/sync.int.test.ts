import { api } from '@mailroom/contracts';
import pino from 'pino';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, mailMessages, monitoredFolders } from '../src/db/schema/index.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, documentCount, monitor, settle, until } from './sync-helpers.ts';
import { MARKER_PROPERTY_ID } from '../src/microsoft/mail-client.ts';
import { runSyncReconcile } from '../src/jobs/handlers/mail-sync.ts';
import type { MailClient } from '../src/microsoft/mail-client.ts';
import type { SyncDeps } from '../src/sync/deps.ts';
import { MarkerWriter, mailboxBeingRead } from '../src/sync/markers.ts';
import { QuietProbes } from '../src/sync/quiet-probes.ts';

let app: TestApp;
let admin: Client;
let ws: string;
let connectorId: string;

beforeAll(async () => {
  // Push and hot-folder polling off: these tests run rounds themselves and count what each one
  // recorded. A polling round of a folder that has just read mail took the test's one-shot fault
  // (a replayed delta page) before the test's own round could (a fresh clone failed so).
  app = await startTestApp(
    { MAILROOM_PUSH: 'false', SYNC_HOT_MINUTES: '0' },
    process.env.SYNC_DEBUG ? { logger: (await import('pino')).default({ level: 'debug' }) } : {},
  );
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await connectedOwnApp(admin, ws, 'Claims');
});
afterAll(async () => {
  await app?.close();
});

describe('sync engine', () => {
  it(
    'backfills a folder: one document per message, attachments byte-identical, nothing twice',
    { timeout: 180_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const { folderId, userId, graphFolderId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Inbox',
        processFrom: new Date(Date.now() - 60 * 86_400_000),
      });
      const inMailbox = await control.listMessages(CLAIMS, { folder: 'inbox' });
      expect(inMailbox.length).toBeGreaterThan(20);

      const first = await app.server.sync.syncFolder(folderId);
      expect(first.recorded).toBe(inMailbox.length);
      await settle(app, folderId);
      expect(await documentCount(app, folderId)).toBe(inMailbox.length);

      // Attachments: the same names and sizes as in the mailbox, stored by content hash.
      const docs = await app.server.database.db.select().from(documents);
      const withAttachments = inMailbox.filter((m) => m.attachments.length > 0);
      expect(withAttachments.length).toBeGreaterThan(0);
      for (const m of withAttachments.slice(0, 10)) {
        const [row] = await app.server.database.db
          .select()
          .from(mailMessages)
          .where(eq(mailMessages.graphMessageId, m.immutableId));
        const doc = docs.find((d) => d.messageId === row!.id)!;
        expect(doc.attachments.map((a) => [a.name, a.size]).sort()).toEqual(
          m.attachments.map((a) => [a.name, a.size]).sort(),
        );
        for (const a of doc.attachments) expect(await app.server.blobs.exists(a.sha256!)).toBe(true);
        expect(doc.emlSize).toBeGreaterThan(0);
      }

      // A second round finds nothing new; an evicted delta token means a full round that creates nothing.
      expect((await app.server.sync.syncFolder(folderId)).recorded).toBe(0);
      await control.evictDeltaTokens({ mailbox: CLAIMS });
      const resync = await app.server.sync.syncFolder(folderId);
      expect(resync.resynced).toBe(true);
      expect(resync.recorded).toBe(0);
      expect(await documentCount(app, folderId)).toBe(inMailbox.length);

      // New mail arrives: exactly one more document.
      await control.deliverGenerated(CLAIMS, { pdfs: 1, jpegs: 1 });
      expect((await app.server.sync.syncFolder(folderId)).recorded).toBe(1);
      await settle(app, folderId);
      expect(await documentCount(app, folderId)).toBe(inMailbox.length + 1);

      // The hidden marker names the folder on every processed message, written 20 per $batch.
      const { db } = app.server.database;
      await until('all markers written', async () => {
        const missing = await db
          .select({ id: mailMessages.id })
          .from(mailMessages)
          .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.markerWritten, false)));
        return missing.length === 0;
      });
      const token = await app.server.connectors.broker.graphToken(connectorId);
      const sample = inMailbox[0]!;
      const read = await app.server.mail.json<{
        singleValueExtendedProperties?: { id: string; value: string }[];
      }>(
        token,
        userId,
        `/users/${userId}/messages/${encodeURIComponent(sample.immutableId)}?$select=id&$expand=singleValueExtendedProperties($filter=id eq '${MARKER_PROPERTY_ID}')`,
      );
      expect(read.singleValueExtendedProperties?.[0]?.value).toBe(graphFolderId);
      const batches = (await control.requests({ area: 'graph' })).filter((r) => r.path.endsWith('/$batch'));
      expect(batches.length).toBeGreaterThan(0);
      expect(batches.length).toBeLessThanOrEqual(Math.ceil((inMailbox.length + 1) / 20) * 3);
    },
  );

  it(
    'a message moved into another monitored folder is processed there once; moved back, nothing',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const { db } = app.server.database;
      await control.createFolder(CLAIMS, 'Reprocess');
      const [anyMsg] = await db.select().from(mailMessages).where(eq(mailMessages.state, 'done')).limit(1);
      const inboxFolderId = anyMsg!.folderId;
      const [inboxRow] = await db
        .select({ mailboxId: monitoredFolders.mailboxId })
        .from(monitoredFolders)
        .where(eq(monitoredFolders.id, inboxFolderId));
      const mailboxId = inboxRow!.mailboxId;
      const reprocess = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Reprocess',
        processFrom: new Date(Date.now() - 60 * 86_400_000),
        mailboxId,
      });
      expect((await app.server.sync.syncFolder(reprocess.folderId)).recorded).toBe(0);

      const before = await documentCount(app, inboxFolderId);
      await control.moveMessage(CLAIMS, anyMsg!.graphMessageId, 'Reprocess');
      await app.server.sync.syncFolder(inboxFolderId); // records the move out (@removed), creates nothing
      expect((await app.server.sync.syncFolder(reprocess.folderId)).recorded).toBe(1);
      await settle(app, reprocess.folderId);
      expect(await documentCount(app, reprocess.folderId)).toBe(1);

      await control.moveMessage(CLAIMS, anyMsg!.graphMessageId, 'inbox');
      await app.server.sync.syncFolder(inboxFolderId);
      await settle(app, inboxFolderId);
      expect(await documentCount(app, inboxFolderId)).toBe(before);
      const [again] = await db
        .select()
        .from(mailMessages)
        .where(
          and(
            eq(mailMessages.folderId, inboxFolderId),
            eq(mailMessages.graphMessageId, anyMsg!.graphMessageId),
          ),
        );
      expect(again?.removedAt).not.toBeNull();
    },
  );

  it(
    'survives a 429 storm, a failing MIME download and a move before the fetch: one document per message',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const [anyMsg] = await app.server.database.db.select().from(mailMessages).limit(1);
      const folderId = anyMsg!.folderId;
      const before = await documentCount(app, folderId);
      const storm = await control.addFault({
        path: '/messages',
        action: {
          kind: 'status',
          status: 429,
          code: 'ApplicationThrottled',
          message: 'Application is over its MailboxConcurrency limit.',
          retryAfterSeconds: 1,
        },
        probability: 0.3,
      });
      // Attachments are read from the MIME: its download is the one that fails.
      const flaky = await control.addFault({
        path: '/messages/[^/]+/\\$value',
        action: { kind: 'status', status: 503 },
        count: 2,
      });
      const delivered = [];
      for (let i = 0; i < 5; i++) delivered.push(await control.deliverGenerated(CLAIMS, { pdfs: 1 }));
      const moved = await control.deliverGenerated(CLAIMS, {});
      const deleted = await control.deliverGenerated(CLAIMS, {});
      // Between the delta page and the fetch, an Outlook rule moves one message and the user deletes
      // another: their fetches are held back until that has happened.
      for (const m of [moved, deleted])
        await control.addFault({
          path: `messages/${escape(m.immutableId)}\\?`,
          action: { kind: 'delay', ms: 1500 },
          count: 1,
        });
      await app.server.sync.syncFolder(folderId).catch(() => app.server.sync.syncFolder(folderId));
      await new Promise((r) => setTimeout(r, 300));
      await control.moveMessage(CLAIMS, moved.immutableId, 'archive');
      await control.deleteMessage(CLAIMS, deleted.immutableId);
      await settle(app, folderId);
      await control.removeFault(storm.id);
      await control.removeFault(flaky.id).catch(() => undefined);
      // Immutable ids still find a moved message: it was in the folder when seen, so it is processed
      // once, here. The deleted one is recorded as gone, not as an error.
      expect(await documentCount(app, folderId)).toBe(before + 6);
      const [gone] = await app.server.database.db
        .select()
        .from(mailMessages)
        .where(eq(mailMessages.graphMessageId, deleted.immutableId));
      expect(gone?.state).toBe('gone');
    },
  );

  it(
    'stores or fails malformed mail with a reason, never crashing: no subject, long subject, many recipients, empty attachment, broken MIME',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const created = await control.createFolder(CLAIMS, 'Malformed');
      const { folderId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Malformed',
        processFrom: new Date(Date.now() - 86_400_000),
      });
      const before = 0;
      const folder = created.id;
      const many = Array.from({ length: 500 }, (_, i) => ({
        emailAddress: { address: `r${i}@example.com` },
      }));
      await control.deliverMessage(
        CLAIMS,
        {
          subject: '',
          body: { contentType: 'text', content: 'no subject' },
          from: { emailAddress: { address: 'a@example.com' } },
        },
        { folder },
      );
      await control.deliverMessage(
        CLAIMS,
        {
          subject: 'x'.repeat(10_000),
          toRecipients: many,
          body: { contentType: 'html', content: '<p>long</p><script>x()</script>' },
        },
        { folder },
      );
      await control.deliverGenerated(CLAIMS, {
        pdfs: 0,
        jpegs: 0,
        extraAttachments: [{ name: 'empty.bin', size: 0 }],
        folder,
      });
      await control.deliverEml(CLAIMS, 'This is not a MIME message at all\r\n\r\n\u0000\u0001 garbage', {
        folder,
      });
      await app.server.sync.syncFolder(folderId);
      await settle(app, folderId);
      const docs = await app.server.database.db.select().from(documents);
      expect(await documentCount(app, folderId)).toBe(before + 4);
      expect(docs.some((d) => d.subject === '(no subject)')).toBe(true);
      const long = docs.find((d) => d.subject.length === 10_000)!;
      expect(long.to).toHaveLength(500);
      expect(long.bodyHtml).not.toContain('script');
      expect(docs.some((d) => d.attachments.some((a) => a.name === 'empty.bin' && a.size === 0))).toBe(true);
    },
  );

  it(
    'replayed delta pages and a delta token lost mid-round create nothing twice',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const created = await control.createFolder(CLAIMS, 'Replays');
      const job = await control.generateMail(CLAIMS, { count: 250, folder: created.id, pdfs: 0, jpegs: 0 });
      while (!(await control.mailJob(job.id)).done) await new Promise((r) => setTimeout(r, 100));
      const { folderId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Replays',
        processFrom: new Date(Date.now() - 365 * 86_400_000),
      });

      // The second page of the first round answers 410 SyncStateNotFound: a full round starts over.
      const lost = await control.addFault({
        path: '\\$skiptoken=',
        action: {
          kind: 'status',
          status: 410,
          code: 'SyncStateNotFound',
          message: 'The sync state generation is not found.',
        },
        count: 1,
      });
      const first = await app.server.sync.syncFolder(folderId);
      expect(first.resynced).toBe(true);
      expect(first.recorded).toBe(250);
      await control.removeFault(lost.id).catch(() => undefined);

      // The next incremental round replays the whole folder, as Graph sometimes does.
      await control.addFault({ path: '\\$deltatoken=', action: { kind: 'deltaReplay' }, count: 1 });
      const replay = await app.server.sync.syncFolder(folderId);
      expect(replay.pages).toBeGreaterThan(1);
      expect(replay.recorded).toBe(0);
      await settle(app, folderId, 120_000);
      expect(await documentCount(app, folderId)).toBe(250);
    },
  );
  it(
    'reads attachment contents from the MIME (no download each), keeps links and attached emails',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const created = await control.createFolder(CLAIMS, 'Attachments');
      const { folderId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Attachments',
        processFrom: new Date(Date.now() - 86_400_000),
      });
      const pdf = Buffer.from('%PDF-1.4\n% a small claim form\n%%EOF\n');
      const since = (await control.requests({ area: 'graph' })).at(-1)?.seq ?? 0;
      await control.deliverMessage(
        CLAIMS,
        {
          subject: 'Two forms, a link and a forwarded email',
          from: { emailAddress: { address: 'broker@example.be' } },
          body: { contentType: 'text', content: 'See attached.' },
          attachments: [
            {
              '@odata.type': '#microsoft.graph.fileAttachment',
              name: 'form.pdf',
              contentType: 'application/pdf',
              contentBytes: pdf.toString('base64'),
            },
            // Two files of one name: each maps to its own part.
            {
              '@odata.type': '#microsoft.graph.fileAttachment',
              name: 'form.pdf',
              contentType: 'application/pdf',
              contentBytes: Buffer.from('%PDF-1.4 second').toString('base64'),
            },
            {
              '@odata.type': '#microsoft.graph.referenceAttachment',
              name: 'Photos of the damage',
              sourceUrl: 'https://contoso-my.sharepoint.com/photos',
            },
          ],
        },
        { folder: created.id },
      );
      await app.server.sync.syncFolder(folderId);
      await settle(app, folderId);
      const [doc] = await app.server.database.db
        .select()
        .from(documents)
        .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
        .where(eq(mailMessages.folderId, folderId));
      const atts = doc!.documents.attachments;
      expect(atts.map((a) => [a.name, a.kind, a.size])).toEqual([
        ['form.pdf', 'file', pdf.length],
        ['form.pdf', 'file', 15],
        ['Photos of the damage', 'reference', expect.any(Number)],
      ]);
      expect(atts[2]!.url).toBe('https://contoso-my.sharepoint.com/photos');
      const stored = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        app.server.blobs
          .open(atts[0]!.sha256!)
          .on('data', (c: Buffer) => chunks.push(c))
          .on('end', () => resolve(Buffer.concat(chunks)));
      });
      expect(stored.equals(pdf)).toBe(true);
      // Graph was asked for the MIME and the list, never for an attachment's bytes.
      const graph = (await control.requests({ area: 'graph', since })).map((r) => r.path);
      expect(graph.some((p) => /\/attachments$/.test(p))).toBe(true);
      expect(graph.filter((p) => /\/attachments\/[^/]+\/\$value$/.test(p))).toEqual([]);
    },
  );
  it(
    'ingests a batch together; a message the database refuses fails alone with its reason, the others are saved',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const { db } = app.server.database;
      const created = await control.createFolder(CLAIMS, 'Batch');
      const { folderId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Batch',
        processFrom: new Date(Date.now() - 86_400_000),
      });
      // No round of its own (the reconciliation would queue one): the work items are recorded here.
      await db.update(monitoredFolders).set({ active: false }).where(eq(monitoredFolders.id, folderId));
      const subjects = ['Batch one', 'Refused by the database', 'Batch three'];
      for (const subject of subjects)
        await control.deliverMessage(
          CLAIMS,
          {
            subject,
            from: { emailAddress: { address: 'broker@example.be' } },
            body: { contentType: 'text', content: subject },
          },
          { folder: created.id },
        );
      const listed = await control.listMessages(CLAIMS, { folder: created.id });
      const rows = await db
        .insert(mailMessages)
        .values(
          subjects.map((subject) => ({
            workspaceId: ws,
            folderId,
            graphMessageId: listed.find((m) => m.subject === subject)!.immutableId,
            subject,
            hasAttachments: false,
          })),
        )
        .returning({ id: mailMessages.id });
      const ids = rows.map((r) => r.id);
      // What "bad data the database refuses" looks like from here.
      await db.execute(sql`create function refuse_test_document() returns trigger language plpgsql as $$
      begin if new.subject = 'Refused by the database' then raise exception 'refused by the test trigger'; end if; return new; end $$`);
      await db.execute(
        sql`create trigger refuse_test_document before insert on documents for each row execute function refuse_test_document()`,
      );
      try {
        const outcomes = await app.server.sync.ingestMany(ids);
        expect(outcomes[0]).toBe('created');
        expect(outcomes[1]).toBeInstanceOf(Error);
        expect(outcomes[2]).toBe('created');
        const items = await db.select().from(mailMessages).where(eq(mailMessages.folderId, folderId));
        const refused = items.find((m) => m.id === ids[1])!;
        expect(refused.state).toBe('pending');
        expect(refused.attempts).toBe(1);
        expect(refused.lastError).toMatch(/refused by the test trigger/);
        // The database's words, not the statement with the email in its parameters.
        expect(refused.lastError).not.toMatch(/insert into|Batch one/);
        expect(
          items
            .filter((m) => m.state === 'done')
            .map((m) => m.id)
            .sort(),
        ).toEqual([ids[0], ids[2]].sort());
        expect(await documentCount(app, folderId)).toBe(2);
      } finally {
        await db.execute(sql`drop trigger refuse_test_document on documents`);
        await db.execute(sql`drop function refuse_test_document()`);
      }
      // The cause gone, the retry makes its document; the others are not made twice.
      expect(await app.server.sync.ingestMany(ids)).toEqual(['exists', 'created', 'exists']);
      expect(await documentCount(app, folderId)).toBe(3);
    },
  );
  it(
    'reconciliation queues a round for every active folder not synced within the interval',
    { timeout: 60_000 },
    async () => {
      const control = app.server.sandbox!.control;
      await control.createFolder(CLAIMS, 'Reconciled');
      const { folderId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Reconciled',
        processFrom: new Date(),
      });
      expect(await app.server.jobs.boss.findJobs('folder.sync', { key: folderId })).toEqual([]);
      await runSyncReconcile({}, reconcileContext());
      expect((await app.server.jobs.boss.findJobs('folder.sync', { key: folderId })).length).toBe(1);
      await until('the reconciled folder had its round', async () => {
        const [f] = await app.server.database.db
          .select()
          .from(monitoredFolders)
          .where(eq(monitoredFolders.id, folderId));
        return f!.lastSyncAt !== null;
      });
    },
  );
  it(
    'reconciliation probes a quiet folder (one delta request, its cursor written, no round queued); new mail gets a full round',
    { timeout: 60_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const { folderId, graphFolderId } = await readFolder('Probed');
      await settle(app, folderId);
      const before = await folderRow(folderId);
      expect(before.cursorKind).toBe('delta');

      // Quiet: due again, and nothing new in Outlook.
      await makeDue(folderId);
      const since = (await control.requests({ area: 'graph' })).at(-1)?.seq ?? 0;
      await runSyncReconcile({}, reconcileContext());
      const quiet = await folderRow(folderId);
      expect(await app.server.jobs.boss.findJobs('folder.sync', { key: folderId })).toEqual([]);
      expect(quiet.lastSyncAt!.getTime()).toBeGreaterThan(Date.now() - 30_000);
      expect(quiet.cursorKind).toBe('delta');
      const requests = (await control.requests({ area: 'graph', since })).filter((r) =>
        r.path.includes(encodeURIComponent(graphFolderId)),
      );
      expect(requests.map((r) => r.method)).toEqual(['GET']);
      expect(requests[0]!.path).toMatch(/\/messages\/delta$/);

      // New mail since the cursor: the probe writes nothing and hands the folder to a full round,
      // which records the email; its document follows.
      await control.deliverMessage(
        CLAIMS,
        {
          subject: 'Arrived between two reconciliations',
          from: { emailAddress: { address: 'broker@example.be' } },
          body: { contentType: 'text', content: 'Hello' },
        },
        { folder: graphFolderId },
      );
      await makeDue(folderId);
      await runSyncReconcile({}, reconcileContext());
      await until(
        'the full round recorded the new email',
        async () => (await documentCount(app, folderId)) === 1,
      );
      expect((await folderRow(folderId)).cursor).not.toBe(quiet.cursor);
    },
  );
  it(
    'a probe never overwrites a cursor that moved while it read: the folder gets a full round instead',
    { timeout: 60_000 },
    async () => {
      const { folderId } = await readFolder('Raced');
      await makeDue(folderId);
      const { db } = app.server.database;
      // A round elsewhere moves the cursor while the probe waits for Graph's answer.
      const mail = Object.create(app.server.mail) as MailClient;
      mail.deltaPage = async (...args) => {
        const page = await app.server.mail.deltaPage(...args);
        await db
          .update(monitoredFolders)
          .set({ cursor: 'moved-by-another-round' })
          .where(eq(monitoredFolders.id, folderId));
        return page;
      };
      const { queued, quiet } = await reconcileWith(mail);
      expect(queued).toContain(folderId);
      expect(quiet).not.toContain(folderId);
      const row = await folderRow(folderId);
      expect(row.cursor).toBe('moved-by-another-round');
      // Put back a cursor Graph knows, for the rounds of the tests after this one.
      await app.server.sync.syncFolder(folderId);
    },
  );
  it(
    'a probe that gets no answer in time hands its folder to a full round, and the others in its chunk are not held',
    { timeout: 60_000 },
    async () => {
      const stalled = await readFolder('Stalled');
      const answered = await readFolder('Answered');
      for (const f of [stalled, answered]) await makeDue(f.folderId);
      const stalledCursor = (await folderRow(stalled.folderId)).cursor!;
      // Graph never answers the stalled folder's delta request (a mailbox paused by Retry-After).
      const mail = Object.create(app.server.mail) as MailClient;
      mail.deltaPage = (...args) =>
        args[2] === stalledCursor ? new Promise(() => {}) : app.server.mail.deltaPage(...args);
      const { queued, quiet } = await reconcileWith(mail, { probeWaitMs: 500 });
      expect(queued).toContain(stalled.folderId);
      expect(quiet).toContain(answered.folderId);
      expect((await folderRow(stalled.folderId)).cursor).toBe(stalledCursor);
    },
  );
  it(
    'past its probing budget, reconciliation probes no further chunk: the folders left get full rounds',
    { timeout: 60_000 },
    async () => {
      const first = await readFolder('Budget 1');
      const second = await readFolder('Budget 2');
      for (const f of [first, second]) await makeDue(f.folderId);
      // Graph answers no probe (every mailbox paused): the first chunk's probe waits its 300 ms, which
      // spends the 100-ms budget, so the second chunk (one folder each) must not be probed at all.
      const probed: string[] = [];
      const mail = Object.create(app.server.mail) as MailClient;
      mail.deltaPage = (...args) => {
        probed.push(args[2]);
        return new Promise(() => {});
      };
      const { result, queued } = await reconcileWith(mail, {
        probeWaitMs: 300,
        probeBudgetMs: 100,
        chunk: 1,
      });
      // Folders left due by the tests before this one are handed over the same way.
      expect(result).toMatchObject({ quiet: 0, rounds: result.due });
      expect(queued).toEqual(expect.arrayContaining([first.folderId, second.folderId]));
      expect(probed).toHaveLength(1);
    },
  );
  it(
    'a mailbox is being read while a folder holds an email not yet read or a round not at its end (its markers wait their turn then)',
    { timeout: 60_000 },
    async () => {
      const { folderId } = await readFolder('Waiting');
      const { mailboxId, graphFolderId } = await folderRow(folderId);
      await app.server.sandbox!.control.deliverGenerated(CLAIMS, {
        folder: graphFolderId,
        pdfs: 0,
        jpegs: 0,
      });
      expect((await app.server.sync.syncFolder(folderId)).recorded).toBe(1);
      await settle(app, folderId);
      const { db } = app.server.database;
      expect(await mailboxBeingRead(db, mailboxId)).toBe(false);
      // The email as the round leaves it, before its ingestion has run.
      const message = (state: 'pending' | 'done') =>
        db.update(mailMessages).set({ state }).where(eq(mailMessages.folderId, folderId));
      await message('pending');
      expect(await mailboxBeingRead(db, mailboxId)).toBe(true);
      await message('done');
      expect(await mailboxBeingRead(db, mailboxId)).toBe(false);
      // A backfill between two delta pages, its ingestion caught up: still being read.
      const cursorKind = (kind: 'next' | 'delta') =>
        db.update(monitoredFolders).set({ cursorKind: kind }).where(eq(monitoredFolders.id, folderId));
      await cursorKind('next');
      expect(await mailboxBeingRead(db, mailboxId)).toBe(true);
      await cursorKind('delta');
      expect(await mailboxBeingRead(db, mailboxId)).toBe(false);
    },
  );
  it(
    'the markers of a mailbox still being read go in sequential $batches: behind a message gone (404) the rest go again at once, behind a failing one with the retry',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const { folderId } = await readFolder('Sequential');
      const { mailboxId, graphFolderId } = await folderRow(folderId);
      for (let i = 0; i < 25; i++)
        await control.deliverGenerated(CLAIMS, { folder: graphFolderId, pdfs: 0, jpegs: 0 });
      expect((await app.server.sync.syncFolder(folderId)).recorded).toBe(25);
      await settle(app, folderId);
      const { db } = app.server.database;
      const unmarked = () =>
        db
          .select({ id: mailMessages.id })
          .from(mailMessages)
          .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.markerWritten, false)));
      await until('the markers were written', async () => (await unmarked()).length === 0);
      // Unwritten again, in the order the writer reads them; one message is deleted in Outlook, and
      // another's PATCH fails once.
      const rows = await db
        .select({ id: mailMessages.id, graphId: mailMessages.graphMessageId })
        .from(mailMessages)
        .where(eq(mailMessages.folderId, folderId))
        .orderBy(mailMessages.id);
      await db.update(mailMessages).set({ markerWritten: false }).where(eq(mailMessages.folderId, folderId));
      await control.deleteMessage(CLAIMS, rows[3]!.graphId);
      const failing = await control.addFault({
        path: `messages/${escape(rows[22]!.graphId)}$`,
        method: 'PATCH',
        count: 1,
        action: { kind: 'status', status: 503 },
      });
      // Still being read (a backfill between two pages): the batches go sequential.
      await db.update(monitoredFolders).set({ cursorKind: 'next' }).where(eq(monitoredFolders.id, folderId));
      expect(await mailboxBeingRead(db, mailboxId)).toBe(true);
      const sent: { ids: string[]; sequential: boolean | undefined; statuses: number[] }[] = [];
      const mail = Object.create(app.server.mail) as MailClient;
      mail.writeMarkers = async (...args) => {
        const statuses = await app.server.mail.writeMarkers(...args);
        const ids = args[2].map((m) => m.id);
        sent.push({ ids, sequential: args[3]?.sequential, statuses: ids.map((id) => statuses.get(id)!) });
        return statuses;
      };
      const writer = new MarkerWriter({
        db,
        mail,
        broker: app.server.connectors.broker,
        enqueueMarkers: async () => {},
      } as unknown as SyncDeps);
      try {
        await expect(writer.writeMarkers(folderId)).rejects.toThrow('2 marker(s) not written yet');
        const ok = Array<number>(3).fill(200);
        expect(sent).toEqual([
          // The 4th is gone: 404, and the 16 after it are left unrun (424)…
          {
            ids: rows.slice(0, 20).map((r) => r.graphId),
            sequential: true,
            statuses: [...ok, 404, ...Array<number>(16).fill(424)],
          },
          // …and go again at once, with what follows; the 23rd fails, the 2 after it are unrun.
          {
            ids: rows.slice(4, 24).map((r) => r.graphId),
            sequential: true,
            statuses: [...Array<number>(18).fill(200), 503, 424],
          },
          { ids: [rows[24]!.graphId], sequential: true, statuses: [200] },
        ]);
        expect((await unmarked()).map((r) => r.id).sort()).toEqual([rows[22]!.id, rows[23]!.id].sort());
        // The job's retry writes the rest (the mailbox no longer being read: one parallel batch).
        await db
          .update(monitoredFolders)
          .set({ cursorKind: 'delta' })
          .where(eq(monitoredFolders.id, folderId));
        expect(await writer.writeMarkers(folderId)).toEqual({ written: 2, left: 0 });
        expect(sent.at(-1)).toMatchObject({ sequential: false, statuses: [200, 200] });
        expect(await unmarked()).toEqual([]);
      } finally {
        await control.removeFault(failing.id);
        await db
          .update(monitoredFolders)
          .set({ cursorKind: 'delta' })
          .where(eq(monitoredFolders.id, folderId));
      }
    },
  );
  it(
    'a rule without the processed marker writes nothing to Outlook: one MIME read per email; turned on, the marker follows',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const unmarked = await control.createFolder(CLAIMS, 'Unmarked');
      const { folderId, userId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Unmarked',
        processFrom: new Date(Date.now() - 86_400_000),
      });
      const off = await admin.patch<{ writeMarker: boolean }>(api.folder(ws, folderId), {
        writeMarker: false,
      });
      expect(off.status).toBe(200);
      expect(off.body.writeMarker).toBe(false);
      // Earlier tests' marker rounds must be over, or their requests land in this one's window.
      const { db } = app.server.database;
      await until('earlier markers written', async () => {
        const left = await db
          .select({ id: mailMessages.id })
          .from(mailMessages)
          .innerJoin(monitoredFolders, eq(monitoredFolders.id, mailMessages.folderId))
          .where(
            and(
              eq(mailMessages.state, 'done'),
              eq(mailMessages.markerWritten, false),
              eq(monitoredFolders.writeMarker, true),
            ),
          );
        return left.length === 0;
      });
      await new Promise((r) => setTimeout(r, 1500));
      const since = Math.max(0, ...(await control.requests({ area: 'graph' })).map((r) => r.seq));
      const sent = [];
      for (let i = 0; i < 5; i++)
        sent.push(await control.deliverGenerated(CLAIMS, { folder: unmarked.id, pdfs: 0, jpegs: 0 }));
      expect((await app.server.sync.syncFolder(folderId)).recorded).toBe(5);
      await settle(app, folderId);
      expect(await documentCount(app, folderId)).toBe(5);
      // Long enough for a coalesced marker round (1 s) to have run, had one been queued.
      await new Promise((r) => setTimeout(r, 2500));
      const graph = (await control.requests({ area: 'graph', since })).filter((r) => r.seq > since);
      expect(graph.filter((r) => r.method === 'PATCH' || r.path.endsWith('/$batch'))).toEqual([]);
      expect(graph.filter((r) => r.path.endsWith('/$value')).length).toBe(5);
      const token = await app.server.connectors.broker.graphToken(connectorId);
      const markerOf = async (id: string) =>
        (
          await app.server.mail.json<{ singleValueExtendedProperties?: { value: string }[] }>(
            token,
            userId,
            `/users/${userId}/messages/${encodeURIComponent(id)}?$select=id&$expand=singleValueExtendedProperties($filter=id eq '${MARKER_PROPERTY_ID}')`,
          )
        ).singleValueExtendedProperties?.[0]?.value;
      expect(await markerOf(sent[0]!.immutableId)).toBeUndefined();

      // Turned on again: the next round marks what was processed meanwhile.
      expect((await admin.patch(api.folder(ws, folderId), { writeMarker: true })).status).toBe(200);
      await app.server.sync.syncFolder(folderId);
      await until('the markers were written', async () => {
        const missing = await db
          .select({ id: mailMessages.id })
          .from(mailMessages)
          .where(and(eq(mailMessages.folderId, folderId), eq(mailMessages.markerWritten, false)));
        return missing.length === 0;
      });
      expect(await markerOf(sent[0]!.immutableId)).toBeDefined();
    },
  );
});

/** What the reconciliation job's handler is given by the job runtime. */
function reconcileContext() {
  return {
    db: app.server.database.db,
    logger: pino({ level: 'silent' }),
    now: () => new Date(),
    reconcileIntervalMs: 60_000,
    sendMany: (name: string, items: { payload: object; singletonKey?: string }[]) =>
      app.server.jobs.sendMany(name, items),
    sync: app.server.sync,
    push: app.server.push,
  };
}

/** Reconciliation's probes, once, over the folders due a minute ago, with `mail` as Graph: what went where. */
async function reconcileWith(mail: MailClient, opts: ConstructorParameters<typeof QuietProbes>[1] = {}) {
  const probes = new QuietProbes(
    {
      db: app.server.database.db,
      mail,
      broker: app.server.connectors.broker,
      logger: pino({ level: 'silent' }),
    } as SyncDeps,
    opts,
  );
  const queued: string[] = [];
  const quiet: string[] = [];
  const result = await probes.reconcile(new Date(Date.now() - 60_000), {
    queueRounds: async (ids) => void queued.push(...ids),
    afterQuiet: async (id) => void quiet.push(id),
  });
  return { result, queued, quiet };
}

/** A message id as it appears in a Graph path, for a fault's path pattern. */
function escape(id: string) {
  return encodeURIComponent(id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The folder's last round ended two minutes ago: reconciliation (60 s here) finds it due. */
async function makeDue(folderId: string) {
  await app.server.database.db
    .update(monitoredFolders)
    .set({ lastSyncAt: new Date(Date.now() - 120_000) })
    .where(eq(monitoredFolders.id, folderId));
}

async function folderRow(folderId: string) {
  const [f] = await app.server.database.db
    .select()
    .from(monitoredFolders)
    .where(eq(monitoredFolders.id, folderId));
  return f!;
}

/** A new folder in the claims mailbox, monitored from a day ago and read once (its cursor a delta link). */
async function readFolder(name: string) {
  await app.server.sandbox!.control.createFolder(CLAIMS, name);
  const folder = await monitor(app, {
    workspaceId: ws,
    connectorId,
    address: CLAIMS,
    folder: name,
    processFrom: new Date(Date.now() - 86_400_000),
  });
  expect((await app.server.sync.syncFolder(folder.folderId)).ok).toBe(true);
  return folder;
}
