import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  api,
  type DirectoryList,
  type FolderTree,
  type Mailbox,
  type MailboxList,
} from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.ts';
import {
  auditLog,
  connectors,
  documents,
  mailboxes,
  mailMessages,
  monitoredFolders,
} from '../src/db/schema/index.ts';
import { connectDelegated, connectOrganization, newConnector, waitFor } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { settle } from './sync-helpers.ts';

/**
 * Issue 19 §2: a mailbox is read by one connector per workspace. Alex's mailbox, offered by a
 * delegated connector (Alex signed in) and an organisation-wide one on the same sandbox tenant: the
 * second is refused in words, the directory says who reads it, a move hands it over with its folders,
 * and every email is one document throughout.
 */
let app: TestApp;
let admin: Client;
let ws: string;
let delegated: string;
let organization: string;
const ALEX = DEMO.contoso.handlers[0];

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  delegated = await newConnector(admin, ws, 'Alex delegated');
  await connectDelegated(app, admin, ws, delegated, ALEX);
  await waitFor(admin, ws, delegated, (c) => c.status === 'connected', 'delegated connected');
  organization = await newConnector(admin, ws, 'Contoso org-wide');
  await connectOrganization(app, admin, ws, organization);
  await waitFor(admin, ws, organization, (c) => c.status === 'connected', 'organisation-wide connected');
}, 120_000);
afterAll(async () => {
  await app?.close();
});

async function alexIn(connectorId: string) {
  const dir = await admin.get<DirectoryList>(`${api.directory(ws, connectorId)}?search=alex`);
  expect(dir.status).toBe(200);
  return dir.body.items.find((i) => i.address === ALEX)!;
}

/** Documents made from one delivered email, in the whole workspace. */
async function documentsOf(immutableId: string): Promise<number> {
  const [r] = await app.server.database.db
    .select({ n: count() })
    .from(documents)
    .innerJoin(mailMessages, eq(mailMessages.id, documents.messageId))
    .where(and(eq(documents.workspaceId, ws), eq(mailMessages.graphMessageId, immutableId)));
  return r?.n ?? 0;
}

/** Every active folder of the workspace reads its delta, then ingestion settles. */
async function syncAll(): Promise<void> {
  const { db } = app.server.database;
  const active = await db
    .select({ id: monitoredFolders.id })
    .from(monitoredFolders)
    .where(and(eq(monitoredFolders.workspaceId, ws), eq(monitoredFolders.active, true)));
  for (const f of active) await app.server.sync.syncFolder(f.id);
  for (const f of active) await settle(app, f.id);
}

/** The Inbox of a mailbox, monitored from a minute ago (as the folder picker does it). */
async function monitorInbox(mailboxId: string): Promise<string> {
  const tree = await admin.get<FolderTree>(api.folderTree(ws, mailboxId));
  const inbox = tree.body.items.find((f) => f.displayName === 'Inbox')!;
  const set = await admin.request<Mailbox>('PUT', api.monitoredFolders(ws, mailboxId), {
    folders: [
      {
        graphFolderId: inbox.graphFolderId,
        displayName: 'Inbox',
        active: true,
        processFrom: new Date(Date.now() - 60_000).toISOString(),
      },
    ],
  });
  expect(set.status).toBe(200);
  return set.body.folders[0]!.id;
}

describe('one reader per mailbox', () => {
  let mailbox: Mailbox;

  it(
    'the same mailbox offered under both connectors: each email is one document',
    { timeout: 60_000 },
    async () => {
      // Both try to read it; whatever each is allowed to keep is monitored.
      for (const c of [delegated, organization])
        await admin.request('PUT', api.mailboxes(ws, c), { mailboxes: [await alexIn(c)] });
      const rows = await app.server.database.db.select().from(mailboxes).where(eq(mailboxes.workspaceId, ws));
      for (const m of rows) await monitorInbox(m.id);
      const email = await app.server.sandbox!.control.deliverGenerated(ALEX, {});
      await syncAll();
      expect(await documentsOf(email.immutableId)).toBe(1);
    },
  );

  it('refuses the second connector, naming the first; the directory says who reads it', async () => {
    const entry = await alexIn(delegated);
    expect(entry.readBy).toBeNull();
    const first = await admin.request<MailboxList>('PUT', api.mailboxes(ws, delegated), {
      mailboxes: [entry],
    });
    expect(first.status).toBe(200);
    mailbox = first.body.items[0]!;

    const offered = await alexIn(organization);
    expect(offered.readBy).toEqual({
      mailboxId: mailbox.id,
      connectorId: delegated,
      connectorName: 'Alex delegated',
    });
    const second = await admin.request<{ error: { code: string; message: string } }>(
      'PUT',
      api.mailboxes(ws, organization),
      { mailboxes: [offered] },
    );
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain(`${ALEX} is already read by the connector "Alex delegated"`);
    const rows = await app.server.database.db.select().from(mailboxes).where(eq(mailboxes.workspaceId, ws));
    expect(rows.map((r) => r.connectorId)).toEqual([delegated]);
  });

  it(
    'every email is one document, before and after the mailbox moves to the other connector',
    { timeout: 120_000 },
    async () => {
      const control = app.server.sandbox!.control;
      const folderId = await monitorInbox(mailbox.id);

      const before = await control.deliverGenerated(ALEX, { pdfs: 1 });
      await syncAll();
      expect(await documentsOf(before.immutableId)).toBe(1);

      // Moved: the same mailbox and folder, now read with the organisation-wide connection.
      const moved = await admin.post<MailboxList>(api.moveMailbox(ws, mailbox.id), {
        connectorId: organization,
      });
      expect(moved.status).toBe(200);
      expect(moved.body.items[0]).toMatchObject({ id: mailbox.id, connectorId: organization });
      expect(moved.body.items[0]!.folders.map((f) => f.id)).toEqual([folderId]);
      // A second click: the same answer, nothing more.
      const again = await admin.post<MailboxList>(api.moveMailbox(ws, mailbox.id), {
        connectorId: organization,
      });
      expect(again.status).toBe(200);
      expect((await admin.get<MailboxList>(api.mailboxes(ws, delegated))).body.items).toEqual([]);
      expect((await alexIn(delegated)).readBy).toMatchObject({ connectorId: organization });

      const after = await control.deliverGenerated(ALEX, { jpegs: 1 });
      await syncAll();
      // A full round with the new connection (its cursor refused) records nothing twice either.
      await control.evictDeltaTokens({ mailbox: ALEX });
      await syncAll();
      expect(await documentsOf(before.immutableId)).toBe(1);
      expect(await documentsOf(after.immutableId)).toBe(1);
      // Nothing else was made twice either: one document per work item, one work item per email.
      const [total] = await app.server.database.db
        .select({ n: count() })
        .from(documents)
        .where(eq(documents.workspaceId, ws));
      const [emails] = await app.server.database.db
        .select({ n: sql<number>`count(distinct ${mailMessages.graphMessageId})`.mapWith(Number) })
        .from(mailMessages)
        .where(eq(mailMessages.workspaceId, ws));
      expect(total!.n).toBe(emails!.n);

      const audit = await app.server.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.workspaceId, ws), eq(auditLog.action, 'mailbox.moved')));
      expect(audit.map((a) => a.details)).toEqual([
        { address: ALEX, from: 'Alex delegated', to: 'Contoso org-wide' },
      ]);
    },
  );

  it('a move to a connector that cannot read the mailbox is refused, nothing moved', async () => {
    const own = await newConnector(admin, ws, 'Own app');
    // Contoso's own app registration is limited by an access policy to claims@ and production@.
    await admin.post(api.connectOwnApp(ws, own), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: '2099-12-31',
    });
    await waitFor(admin, ws, own, (c) => c.status === 'connected', 'own app connected');
    const r = await admin.post<{ error: { message: string } }>(api.moveMailbox(ws, mailbox.id), {
      connectorId: own,
    });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(
      /The connector "Own app" cannot read alex\.wilber@.*Nothing was moved\./,
    );
    const [row] = await app.server.database.db.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id));
    expect(row!.connectorId).toBe(organization);
  });
});

describe('two selections at once', () => {
  it('the same mailbox confirmed under two connectors at the same moment: one wins, the other hears why', async () => {
    const production = DEMO.contoso.sharedMailboxes[1];
    const entry = async (c: string) => {
      const dir = await admin.get<DirectoryList>(`${api.directory(ws, c)}?search=production`);
      return dir.body.items.find((i) => i.address === production)!;
    };
    const alex = await alexIn(organization);
    const [a, b] = await Promise.all([
      admin.request<{ error?: { message: string } }>('PUT', api.mailboxes(ws, organization), {
        mailboxes: [alex, await entry(organization)],
      }),
      admin.request<{ error?: { message: string } }>('PUT', api.mailboxes(ws, delegated), {
        mailboxes: [await entry(delegated)],
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const refused = a.status === 409 ? a : b;
    expect(refused.body.error?.message).toMatch(
      /is already read by the connector "(Alex delegated|Contoso org-wide)"/,
    );
    const rows = await app.server.database.db
      .select()
      .from(mailboxes)
      .where(and(eq(mailboxes.workspaceId, ws), eq(mailboxes.address, production)));
    expect(rows).toHaveLength(1);
  });
});

describe('migration 0012 on a database that already holds a mailbox twice', () => {
  it('keeps the first connector’s copy, switches the later one off with its folders, keeps both', async () => {
    const { db } = app.server.database;
    const sqlFile = path.join(
      path.dirname(fileURLToPath(import.meta.url)),
      '../src/db/migrations/0012_one_reader_per_mailbox.sql',
    );
    const statements = (await readFile(sqlFile, 'utf8')).split('--> statement-breakpoint').slice(1);
    // As before the migration: no index, the same mailbox under two connectors.
    await db.execute(sql`drop index mailboxes_workspace_user_key`);
    const [c1] = await db.select().from(connectors).where(eq(connectors.id, delegated));
    const [old] = await db
      .insert(mailboxes)
      .values({
        workspaceId: ws,
        connectorId: c1!.id,
        graphUserId: 'twice',
        address: 'twice@contoso.example',
        displayName: 'Twice',
        createdAt: new Date(Date.now() - 86_400_000),
      })
      .returning();
    const [later] = await db
      .insert(mailboxes)
      .values({
        workspaceId: ws,
        connectorId: organization,
        graphUserId: 'twice',
        address: 'twice@contoso.example',
        displayName: 'Twice',
      })
      .returning();
    const inboxId = (await db.select().from(monitoredFolders).where(eq(monitoredFolders.workspaceId, ws)))[0]!
      .inboxId;
    for (const m of [old!, later!])
      await db.insert(monitoredFolders).values({
        workspaceId: ws,
        mailboxId: m.id,
        graphFolderId: 'inbox',
        displayName: 'Inbox',
        inboxId,
        processFrom: new Date(),
        active: true,
      });

    for (const s of statements) await db.execute(sql.raw(s));

    const rows = await db.select().from(mailboxes).where(eq(mailboxes.graphUserId, 'twice'));
    expect(rows.find((r) => r.id === old!.id)!.disabledAt).toBeNull();
    expect(rows.find((r) => r.id === later!.id)!.disabledAt).not.toBeNull();
    const folders = await db
      .select({ mailboxId: monitoredFolders.mailboxId, active: monitoredFolders.active })
      .from(monitoredFolders)
      .where(eq(monitoredFolders.graphFolderId, 'inbox'));
    expect(folders.find((f) => f.mailboxId === old!.id)!.active).toBe(true);
    expect(folders.find((f) => f.mailboxId === later!.id)!.active).toBe(false);
    const index = rowsOf<{ n: number }>(
      await db.execute(
        sql`select count(*)::int as n from pg_indexes where indexname = 'mailboxes_workspace_user_key'`,
      ),
    );
    expect(index[0]!.n).toBe(1);
    // The switched-off copy is not offered as a reader, and is not read.
    const folder = (
      await db.select().from(monitoredFolders).where(eq(monitoredFolders.mailboxId, later!.id))
    )[0]!;
    expect((await app.server.sync.syncFolder(folder.id)).pages).toBe(0);
  });
});
