import { createHash } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, mailMessages } from '../src/db/schema/index.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type TestApp } from './helpers.ts';
import { CLAIMS, documentCount, monitor, settle } from './sync-helpers.ts';

let app: TestApp;
beforeAll(async () => {
  // Push and hot-folder polling off: the test runs the folder's first round itself.
  app = await startTestApp({ MAILROOM_PUSH: 'false', SYNC_HOT_MINUTES: '0' });
});
afterAll(async () => {
  await app?.close();
});

async function sha256(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash('sha256');
  for await (const c of stream) h.update(c);
  return h.digest('hex');
}

describe('backfill', () => {
  it(
    '1,000 messages and a 40 MB attachment: each once, attachments and .eml byte-identical',
    { timeout: 600_000 },
    async () => {
      const { client: admin, workspaceId: ws } = await setUp(app);
      const connectorId = await connectedOwnApp(admin, ws, 'Backfill');
      const control = app.server.sandbox!.control;
      const folder = await control.createFolder(CLAIMS, 'Backfill');
      const big = await control.deliverGenerated(CLAIMS, {
        folder: folder.id,
        pdfs: 0,
        jpegs: 0,
        extraAttachments: [{ name: 'survey.bin', size: 40 * 1024 * 1024 }],
      });
      const job = await control.generateMail(CLAIMS, { count: 999, folder: folder.id });
      while (!(await control.mailJob(job.id)).done) await new Promise((r) => setTimeout(r, 200));

      const { folderId, userId } = await monitor(app, {
        workspaceId: ws,
        connectorId,
        address: CLAIMS,
        folder: 'Backfill',
        processFrom: new Date(Date.now() - 365 * 86_400_000),
      });
      // This round reads the whole folder. Another round of the folder may run meanwhile (the
      // minute's reconciliation queues one for a folder never read; hot-folder polling, off here, did
      // so after the first page and this round recorded 800): the two share the work items, each
      // recorded once, so the folder's count says that all 1,000 were seen, not this round's.
      const round = await app.server.sync.syncFolder(folderId);
      expect(round.ok).toBe(true);
      const [seen] = await app.server.database.db
        .select({ n: count() })
        .from(mailMessages)
        .where(eq(mailMessages.folderId, folderId));
      expect(seen?.n).toBe(1000);
      await settle(app, folderId, 480_000);
      expect(await documentCount(app, folderId)).toBe(1000);

      // The big attachment and the original MIME are exactly what Graph serves (a second download).
      const [row] = await app.server.database.db
        .select()
        .from(mailMessages)
        .where(eq(mailMessages.graphMessageId, big.immutableId));
      const [doc] = await app.server.database.db
        .select()
        .from(documents)
        .where(eq(documents.messageId, row!.id));
      const att = doc!.attachments.find((a) => a.name === 'survey.bin')!;
      expect(att.size).toBe(40 * 1024 * 1024);
      const token = await app.server.connectors.broker.graphToken(connectorId);
      const mail = app.server.mail;
      const list = await mail.attachments(token, userId, big.immutableId);
      const remote = await mail.stream(
        token,
        userId,
        mail.attachmentPath(userId, big.immutableId, list.value.find((a) => a.name === 'survey.bin')!.id),
        (body) => sha256(body),
      );
      expect(att.sha256, 'attachment').toBe(remote);
      expect(await sha256(app.server.blobs.open(att.sha256!))).toBe(att.sha256);
      const mime = await mail.stream(token, userId, mail.mimePath(userId, big.immutableId), (body) =>
        sha256(body),
      );
      expect(doc!.emlSha256, 'eml').toBe(mime);
    },
  );
});
