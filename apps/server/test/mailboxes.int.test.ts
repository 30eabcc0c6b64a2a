import {
  api,
  type AccessTestResult,
  type DirectoryList,
  type Document,
  type DocumentList,
  type FolderTree,
  type InboxList,
  type Mailbox,
  type MailboxList,
} from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConnector, waitFor } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { settle, until } from './sync-helpers.ts';

let app: TestApp;
let admin: Client;
let ws: string;
let connectorId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await newConnector(admin, ws, 'Contoso');
  // Contoso's own app is limited by an access policy to claims@ and production@.
  await admin.post(api.connectOwnApp(ws, connectorId), {
    tenant: DEMO.contoso.domain,
    clientId: DEMO.customerApp.clientId,
    clientSecret: DEMO.customerApp.clientSecret,
    secretExpiresAt: '2099-12-31',
  });
  await waitFor(admin, ws, connectorId, (c) => c.status === 'connected', 'connected');
});
afterAll(async () => {
  await app?.close();
});

describe('choosing mailboxes and folders', () => {
  it('lists the directory with shared mailboxes marked, and tests access in words', async () => {
    const dir = await admin.get<DirectoryList>(`${api.directory(ws, connectorId)}?search=claims`);
    expect(dir.status).toBe(200);
    expect(dir.body.items).toEqual([
      expect.objectContaining({ address: DEMO.contoso.sharedMailboxes[0], kind: 'shared' }),
    ]);
    const all = await admin.get<DirectoryList>(api.directory(ws, connectorId));
    const byAddress = new Map(all.body.items.map((i) => [i.address, i]));
    const ids = [DEMO.contoso.sharedMailboxes[0], DEMO.contoso.handlers[0], DEMO.contoso.noMailboxUser].map(
      (a) => byAddress.get(a)!.graphUserId,
    );
    const tested = await admin.post<AccessTestResult>(api.testMailboxes(ws, connectorId), {
      graphUserIds: ids,
    });
    // The access policy is checked before the mailbox itself: Patti (no licence) is blocked by it too.
    expect(
      tested.body.items.map((i) => i.access),
      JSON.stringify(tested.body.items),
    ).toEqual(['readable', 'mailbox_blocked_by_policy', 'mailbox_blocked_by_policy']);
    expect(tested.body.items[1]!.detail).toMatch(/Access to OData is disabled/);
  });

  it('confirms a mailbox, monitors its Inbox, and turns its mail into documents', async () => {
    const all = await admin.get<DirectoryList>(api.directory(ws, connectorId));
    const claims = all.body.items.find((i) => i.address === DEMO.contoso.sharedMailboxes[0])!;
    const set = await admin.request<MailboxList>('PUT', api.mailboxes(ws, connectorId), {
      mailboxes: [claims],
    });
    expect(set.status).toBe(200);
    const mailbox = set.body.items[0]!;
    expect(mailbox).toMatchObject({
      address: claims.address,
      kind: 'shared',
      access: 'readable',
      folders: [],
    });

    const tree = await admin.get<FolderTree>(api.folderTree(ws, mailbox.id));
    const inboxFolder = tree.body.items.find((f) => f.displayName === 'Inbox')!;
    expect(inboxFolder).toBeTruthy();
    const inboxes = await admin.get<InboxList>(api.inboxes(ws));
    expect(inboxes.body.items.map((i) => i.name)).toEqual(['Inbox']);

    // Not active yet: nothing is read.
    const saved = await admin.request<Mailbox>('PUT', api.monitoredFolders(ws, mailbox.id), {
      folders: [{ graphFolderId: inboxFolder.graphFolderId, displayName: 'Inbox' }],
    });
    expect(saved.body.folders[0]).toMatchObject({ active: false, processedTotal: 0 });
    const folderId = saved.body.folders[0]!.id;
    expect((await admin.post(api.syncFolder(ws, folderId))).status).toBe(409);

    const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const activated = await admin.patch(api.folder(ws, folderId), { active: true, processFrom: from });
    expect(activated.status).toBe(200);
    const expected = (
      await app.server.sandbox!.control.listMessages(claims.address, { folder: 'inbox' })
    ).filter((m) => m.receivedDateTime >= from).length;
    expect(expected).toBeGreaterThan(0);
    let status: Mailbox | undefined;
    for (let i = 0; i < 300; i++) {
      status = (await admin.get<MailboxList>(api.mailboxes(ws, connectorId))).body.items[0];
      if (status?.folders[0]?.processedTotal === expected && status.folders[0].pending === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status?.folders[0]).toMatchObject({
      processedTotal: expected,
      pending: 0,
      failed: 0,
      lastError: null,
    });
    expect(status?.folders[0]?.lastSyncAt).toBeTruthy();

    const docs = await admin.get<DocumentList>(`${api.documents(ws)}?limit=5`);
    expect(docs.body.items).toHaveLength(Math.min(5, expected));
    const withAtt = (await admin.get<DocumentList>(`${api.documents(ws)}?limit=200`)).body.items.find(
      (d) => d.attachmentCount > 0,
    )!;
    const doc = await admin.get<Document>(api.document(ws, withAtt.id));
    expect(doc.body).toMatchObject({ mailbox: claims.address, folder: 'Inbox' });
    const eml = await admin.request('GET', api.documentEml(ws, withAtt.id));
    expect(eml.headers['content-type']).toContain('message/rfc822');
    expect(String(eml.body)).toMatch(/^[\s\S]*Subject:/m);
    const att = await app.server.http!.inject({
      url: api.documentAttachment(ws, withAtt.id, 0),
      headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(att.statusCode).toBe(200);
    expect(att.rawPayload.length).toBe(doc.body.attachments[0]!.size);
    expect(att.headers['content-disposition']).toMatch(/^attachment;/);

    // Cursor pagination visits every document once.
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: DocumentList } = await admin.get<DocumentList>(
        `${api.documents(ws)}?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const d of page.body.items) seen.add(d.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(expected);

    // The sandbox's "send a test email" arrives on the next round.
    const sent = await admin.post(api.sandboxTestEmail(ws, connectorId), {
      address: claims.address,
      sender: 'external',
      attachments: true,
    });
    expect(sent.status).toBe(202);
    await admin.post(api.syncFolder(ws, folderId));
    await settle(app, folderId);
    for (let i = 0; i < 100; i++) {
      const total = (await admin.get<MailboxList>(api.mailboxes(ws, connectorId))).body.items[0]!.folders[0]!
        .processedTotal;
      if (total === expected + 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      (await admin.get<MailboxList>(api.mailboxes(ws, connectorId))).body.items[0]!.folders[0]!
        .processedTotal,
    ).toBe(expected + 1);
  }, 120_000);

  it('setting several active folders at once queues a round for each; an unknown inbox saves nothing', async () => {
    const all = await admin.get<DirectoryList>(api.directory(ws, connectorId));
    const production = all.body.items.find((i) => i.address === DEMO.contoso.sharedMailboxes[1])!;
    const claims = all.body.items.find((i) => i.address === DEMO.contoso.sharedMailboxes[0])!;
    const set = await admin.request<MailboxList>('PUT', api.mailboxes(ws, connectorId), {
      mailboxes: [claims, production],
    });
    const mailbox = set.body.items.find((m) => m.address === production.address)!;
    const tree = (await admin.get<FolderTree>(api.folderTree(ws, mailbox.id))).body.items.slice(0, 3);
    expect(tree.length).toBe(3);
    const inboxId = (await admin.get<InboxList>(api.inboxes(ws))).body.items[0]!.id;
    const folders = tree.map((f) => ({
      graphFolderId: f.graphFolderId,
      displayName: f.displayName,
      active: true,
      inboxId,
    }));

    // One folder names an inbox that is not the workspace's: refused, and none of the three is saved.
    const refused = await admin.request('PUT', api.monitoredFolders(ws, mailbox.id), {
      folders: [...folders.slice(0, 2), { ...folders[2]!, inboxId: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('No such inbox');
    expect(
      (await admin.get<MailboxList>(api.mailboxes(ws, connectorId))).body.items.find(
        (m) => m.id === mailbox.id,
      )!.folders,
    ).toEqual([]);

    const saved = await admin.request<Mailbox>('PUT', api.monitoredFolders(ws, mailbox.id), { folders });
    expect(saved.status).toBe(200);
    expect(saved.body.folders.map((f) => f.active)).toEqual([true, true, true]);
    // Every active folder gets its delta round (queued in one go).
    const synced = async () =>
      (await admin.get<MailboxList>(api.mailboxes(ws, connectorId))).body.items
        .find((m) => m.id === mailbox.id)!
        .folders.filter((f) => f.lastSyncAt).length;
    await until('a round of each of the three folders', async () => (await synced()) === 3);
  }, 120_000);
});
