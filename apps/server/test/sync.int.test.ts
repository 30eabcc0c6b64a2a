import { DEMO } from '@mailroom/m365-emulator';
import { api } from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, mailMessages } from '../src/db/schema/index.ts';
import { newConnector, waitFor } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, documentCount, monitor, settle } from './sync-helpers.ts';

let app: TestApp;
let admin: Client;
let ws: string;
let connectorId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await newConnector(admin, ws, 'Claims');
  await admin.post(api.connectOwnApp(ws, connectorId), { tenant: DEMO.contoso.domain, clientId: DEMO.customerApp.clientId, clientSecret: DEMO.customerApp.clientSecret, secretExpiresAt: '2099-12-31' });
  await waitFor(admin, ws, connectorId, (c) => c.status === 'connected', 'connected');
});
afterAll(async () => {
  await app?.close();
});

describe('sync engine', () => {
  it('backfills a folder: one document per message, attachments byte-identical, nothing twice', { timeout: 180_000 }, async () => {
    const control = app.server.sandbox!.control;
    const { folderId } = await monitor(app, { workspaceId: ws, connectorId, address: CLAIMS, folder: 'Inbox', processFrom: new Date(Date.now() - 60 * 86_400_000) });
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
      const [row] = await app.server.database.db.select().from(mailMessages).where(eq(mailMessages.graphMessageId, m.immutableId));
      const doc = docs.find((d) => d.messageId === row!.id)!;
      expect(doc.attachments.map((a) => [a.name, a.size]).sort()).toEqual(m.attachments.map((a) => [a.name, a.size]).sort());
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
  });

});
