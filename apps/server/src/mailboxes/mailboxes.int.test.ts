import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers.ts';
import type { TokenBroker } from '../connectors/token-broker.ts';
import { AppError } from '../core/errors.ts';
import type { Database, Db } from '../db/client.ts';
import {
  auditLog,
  connectors,
  inboxes,
  mailboxes,
  mailMessages,
  memberships,
  monitoredFolders,
  tags,
  users,
  workspaces,
} from '../db/schema/index.ts';
import { GraphApiError, GraphNetworkError } from '../microsoft/graph.ts';
import { testAccess } from './access-test.ts';
import type { MailboxDeps } from './deps.ts';
import { listDirectory } from './directory.ts';
import { failedMessages, retryMessage } from './failed-messages.ts';
import { mailboxViews } from './folder-status.ts';
import { folderTree, setFolders, syncNow, updateFolderRule } from './folders.ts';
import { connectedConnector, workspaceConnectorId, workspaceFolder, workspaceMailbox } from './lookup.ts';
import { setMailboxes } from './selection.ts';

// The mailboxes module called directly on a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL), with Graph, push and the job queue as fakes: no HTTP, no server. The routes'
// own tests are test/mailboxes.int.test.ts, inflow, outflow, workspace and sandbox-surfaces.

let database: Database & { dispose(): Promise<void> };
let db: Db;
let ws: string;
let otherWs: string;
let connectorId: string;
let unconnectedId: string;
let actor: { id: string; email: string };
// PostgreSQL refuses NUL in text: an audit line by this actor cannot be written, so the change it
// records must not be saved either (the audit is in the change's transaction).
const unrecordable = { id: '00000000-0000-0000-0000-000000000001', email: 'broken\u0000@example.com' };

/** Graph as the tests want it: per mailbox, an Inbox that answers or the error it throws. */
const refusals = new Map<string, Error>();
const calls = {
  syncFolder: [] as string[],
  syncFolders: [] as string[][],
  released: [] as string[],
  releasedMailboxes: [] as string[],
  retried: [] as string[],
};
const mail: MailboxDeps['mail'] = {
  async json<T>(_token: string, mailbox: string, path: string): Promise<T> {
    if (path.startsWith('/users?')) {
      return {
        value: [
          {
            id: 'u-shared',
            displayName: 'Claims',
            mail: 'claims@contoso.example',
            userPrincipalName: 'claims@contoso.example',
          },
          { id: 'u-own', mail: null, userPrincipalName: 'Ada@contoso.example' },
        ],
      } as T;
    }
    if (path.includes('/mailboxSettings')) {
      if (mailbox === 'u-own') throw new GraphApiError(403, 'ErrorAccessDenied', 'Access is denied.');
      return { userPurpose: 'shared' } as T;
    }
    const refusal = refusals.get(mailbox);
    if (refusal) throw refusal;
    return { id: 'inbox' } as T;
  },
  async folders() {
    return [{ id: 'f-inbox', displayName: 'Inbox', childFolderCount: 2 }];
  },
};
const broker = { graphToken: async () => 'token', grants: async () => null } as unknown as TokenBroker;
let d: MailboxDeps;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}
const audits = async (action: string) =>
  (
    await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, ws), eq(auditLog.action, action)))
  ).length;
const entry = (graphUserId: string, address: string) => ({
  graphUserId,
  address,
  displayName: address,
  kind: 'user' as const,
});

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
  const [w, o] = await db
    .insert(workspaces)
    .values([{ name: 'Contoso' }, { name: 'Fabrikam' }])
    .returning();
  ws = w!.id;
  otherWs = o!.id;
  const [u] = await db
    .insert(users)
    .values({ email: 'ada@example.com', name: 'Ada', passwordHash: 'x' })
    .returning();
  actor = { id: u!.id, email: u!.email };
  await db.insert(memberships).values({ workspaceId: ws, userId: actor.id, role: 'admin' });
  const [c, n] = await db
    .insert(connectors)
    .values([
      { workspaceId: ws, name: 'M365', type: 'microsoft365', authMode: 'organization', status: 'connected' },
      { workspaceId: ws, name: 'Not yet', type: 'microsoft365' },
    ])
    .returning();
  connectorId = c!.id;
  unconnectedId = n!.id;
  d = {
    db,
    broker,
    mail,
    push: {
      enabled: false,
      releaseFolders: async (ids) => void calls.released.push(...ids),
      releaseMailboxes: async (ids) => void calls.releasedMailboxes.push(...ids),
    },
    reconcileMs: 90_000,
    syncFolder: async (id) => void calls.syncFolder.push(id),
    syncFolders: async (ids) => void calls.syncFolders.push(ids),
    retryMessage: async (id) => void calls.retried.push(id),
  };
});
afterAll(async () => {
  await database?.dispose();
});
beforeEach(() => {
  refusals.clear();
  for (const list of Object.values(calls)) list.length = 0;
});

describe('the mailboxes module', () => {
  it('finds connectors, mailboxes and folders in their workspace only; the directory needs a connection', async () => {
    expect((await rejection(workspaceConnectorId(db, otherWs, connectorId))).code).toBe('not_found');
    expect((await rejection(connectedConnector(db, ws, unconnectedId))).code).toBe('conflict');
    expect(await workspaceConnectorId(db, ws, unconnectedId)).toBe(unconnectedId);
    expect((await rejection(workspaceMailbox(db, ws, unconnectedId))).message).toBe('Mailbox not found.');
    expect((await rejection(workspaceFolder(db, ws, unconnectedId))).message).toBe('Folder not found.');
  });

  it('lists the directory with each kind, the signed-in account first', async () => {
    const items = await listDirectory(d, { id: connectorId, accountUpn: 'ada@contoso.example' }, undefined);
    expect(items).toEqual([
      {
        graphUserId: 'u-own',
        address: 'Ada@contoso.example',
        displayName: 'Ada@contoso.example',
        kind: 'unknown',
      },
      { graphUserId: 'u-shared', address: 'claims@contoso.example', displayName: 'Claims', kind: 'shared' },
    ]);
  });

  it('tells access in words: readable, a named cause, or unknown while Microsoft does not answer', async () => {
    refusals.set('denied', new GraphApiError(403, 'ErrorAccessDenied', 'Access is denied.'));
    refusals.set('slow', new GraphNetworkError('timeout'));
    refusals.set('odd', new GraphApiError(400, 'SomethingElse', 'No idea.'));
    expect(await testAccess(mail, 't', 'fine')).toEqual({ access: 'readable', detail: null, deniedBy: null });
    expect((await testAccess(mail, 't', 'denied')).access).toBe('mailbox_no_rights');
    expect(await testAccess(mail, 't', 'slow')).toEqual({
      access: 'unknown',
      detail: 'timeout',
      deniedBy: null,
    });
    expect((await testAccess(mail, 't', 'odd')).access).toBe('unknown');
  });

  it('confirms mailboxes with their tested access, drops the ones left out, and the health follows', async () => {
    refusals.set('u-b', new GraphApiError(403, 'ErrorAccessDenied', 'Access is denied.'));
    const first = await setMailboxes(d, {
      workspaceId: ws,
      connectorId,
      actor,
      mailboxes: [entry('u-a', 'a@contoso.example'), entry('u-b', 'b@contoso.example')],
    });
    expect(first.map((m) => [m.address, m.access])).toEqual([
      ['a@contoso.example', 'readable'],
      ['b@contoso.example', 'mailbox_no_rights'],
    ]);
    const [c] = await db.select().from(connectors).where(eq(connectors.id, connectorId));
    expect([c!.status, c!.problemMailbox]).toEqual(['degraded', 'b@contoso.example']);

    const dropped = first.find((m) => m.address === 'b@contoso.example')!.id;
    const second = await setMailboxes(d, {
      workspaceId: ws,
      connectorId,
      actor,
      mailboxes: [entry('u-a', 'a@contoso.example')],
    });
    expect(second.map((m) => m.address)).toEqual(['a@contoso.example']);
    expect(calls.releasedMailboxes).toEqual([dropped]);
    expect(await audits('connector.mailboxes_set')).toBe(2);
    expect((await db.select().from(connectors).where(eq(connectors.id, connectorId)))[0]!.status).toBe(
      'connected',
    );
  });

  it('sets folders into the default inbox, queues the active ones, and refuses an unknown inbox whole', async () => {
    const [m] = await db.select().from(mailboxes).where(eq(mailboxes.connectorId, connectorId));
    expect(await folderTree(d, m!, undefined)).toEqual([
      { graphFolderId: 'f-inbox', displayName: 'Inbox', childFolderCount: 2, totalItemCount: null },
    ]);
    const view = await setFolders(d, {
      workspaceId: ws,
      mailbox: m!,
      actor,
      folders: [
        { graphFolderId: 'f-inbox', displayName: 'Inbox', active: true },
        { graphFolderId: 'f-later', displayName: 'Later' },
      ],
    });
    const [inbox] = await db.select().from(inboxes).where(eq(inboxes.workspaceId, ws));
    expect(
      view.folders.map((f) => [f.displayName, f.inboxId, f.active, f.delivery.mode, f.delivery.pollMinutes]),
    ).toEqual([
      ['Inbox', inbox!.id, true, 'polling', 1.5],
      ['Later', inbox!.id, false, 'polling', 1.5],
    ]);
    expect(calls.syncFolders).toEqual([[view.folders[0]!.id]]);

    const otherInbox = (
      await db.insert(inboxes).values({ workspaceId: otherWs, name: 'Theirs' }).returning()
    )[0]!.id;
    const refused = await rejection(
      setFolders(d, {
        workspaceId: ws,
        mailbox: m!,
        actor,
        folders: [{ graphFolderId: 'f-new', displayName: 'New', inboxId: otherInbox }],
      }),
    );
    expect(refused.details).toEqual([{ path: 'inboxId', message: 'No such inbox in this workspace.' }]);
    // Nothing of it was saved: the two folders are still there, the new one is not.
    const names = (await db.select().from(monitoredFolders).where(eq(monitoredFolders.mailboxId, m!.id))).map(
      (f) => f.displayName,
    );
    expect(names.sort()).toEqual(['Inbox', 'Later']);
  });

  it("changes a rule for new mail only, checks its type and tags, and saves nothing when the audit can't be written", async () => {
    const [f] = await db.select().from(monitoredFolders).where(eq(monitoredFolders.displayName, 'Inbox'));
    await db
      .update(monitoredFolders)
      .set({ cursor: 'delta-link', cursorKind: 'delta' })
      .where(eq(monitoredFolders.id, f!.id));
    const theirTag = (await db.insert(tags).values({ workspaceId: otherWs, name: 'Theirs' }).returning())[0]!
      .id;
    const badTag = await rejection(
      updateFolderRule(d, { workspaceId: ws, folder: f!, actor, rule: { tagIds: [theirTag] } }),
    );
    expect(badTag.details).toEqual([{ path: 'tagIds', message: 'No such tag.' }]);

    const status = await updateFolderRule(d, {
      workspaceId: ws,
      folder: f!,
      actor,
      rule: { filterInflow: true, processFrom: '2024-01-01T00:00:00.000Z', active: false },
    });
    expect([status.filterInflow, status.processFrom, status.active]).toEqual([
      true,
      '2024-01-01T00:00:00.000Z',
      false,
    ]);
    const [saved] = await db.select().from(monitoredFolders).where(eq(monitoredFolders.id, f!.id));
    // A new start date starts a new round from that date.
    expect([saved!.cursor, saved!.cursorKind]).toEqual([null, null]);
    expect(calls.syncFolders).toEqual([[]]);
    expect(await audits('folder.rule_changed')).toBe(1);

    await expect(
      updateFolderRule(d, {
        workspaceId: ws,
        folder: saved!,
        actor: unrecordable,
        rule: { filterInflow: false },
      }),
    ).rejects.toThrow();
    expect(
      (await db.select().from(monitoredFolders).where(eq(monitoredFolders.id, f!.id)))[0]!.filterInflow,
    ).toBe(true);
    expect(await audits('folder.rule_changed')).toBe(1);
  });

  it('syncs active folders only; lists and retries failed messages of its own workspace', async () => {
    const [f] = await db.select().from(monitoredFolders).where(eq(monitoredFolders.displayName, 'Inbox'));
    expect((await rejection(syncNow(d, f!))).code).toBe('conflict');
    await syncNow(d, { ...f!, active: true });
    expect(calls.syncFolder).toEqual([f!.id]);

    const [failed] = await db
      .insert(mailMessages)
      .values([
        {
          workspaceId: ws,
          folderId: f!.id,
          graphMessageId: 'm1',
          subject: 'Broken',
          state: 'failed',
          attempts: 5,
          lastError: 'bad MIME',
        },
        { workspaceId: ws, folderId: f!.id, graphMessageId: 'm2', state: 'pending' },
      ])
      .returning();
    expect(await failedMessages(db, f!.id)).toEqual([
      { id: failed!.id, subject: 'Broken', receivedAt: null, attempts: 5, lastError: 'bad MIME' },
    ]);
    const [view] = await mailboxViews(d, { mailboxId: f!.mailboxId });
    expect(view!.folders.find((x) => x.id === f!.id)).toMatchObject({
      pending: 1,
      failed: 1,
      processedTotal: 0,
      filteredToday: 0,
    });

    expect((await rejection(retryMessage(d, otherWs, failed!.id))).message).toBe('Message not found.');
    await retryMessage(d, ws, failed!.id);
    expect(calls.retried).toEqual([failed!.id]);
  });
});
