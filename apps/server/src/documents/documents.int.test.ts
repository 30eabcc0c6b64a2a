import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers.ts';
import { AppError } from '../core/errors.ts';
import type { InflowDecision } from '../core/inflow-rules.ts';
import { searchTextOf } from '../core/search-text.ts';
import type { Database, Db } from '../db/client.ts';
import {
  auditLog,
  connectors,
  documentHistory,
  documents,
  documentTypes,
  inboxAccess,
  inboxes,
  mailboxes,
  mailMessages,
  memberships,
  monitoredFolders,
  tags,
  users,
  workspaces,
} from '../db/schema/index.ts';
import { applyAction, type ActionDeps } from './actions.ts';
import { recordHistory } from './history.ts';
import {
  documentDetail,
  filteredOfFolder,
  inboxScope,
  listDocuments,
  mailboxOptions,
  readableDocument,
  type DocumentRow,
  type KeysetPosition,
} from './queries.ts';
import { recordViewed } from './viewed.ts';

// The documents module's reads and actions called directly on a real database (PGlite, or
// PostgreSQL with TEST_DATABASE_URL): no HTTP, no Microsoft 365. The routes' own tests are
// test/documents.int.test.ts, document-actions, cursors, attachment-names, inboxes and inflow.

let database: Database & { dispose(): Promise<void> };
let db: Db;
let ws: string;
let otherWs: string;
let claims: string;
let production: string;
let reader: { id: string; email: string };
let folderId: string;
let otherFolderId: string;
const docs: DocumentRow[] = [];
const base = Date.parse('2026-06-01T12:00:00Z');

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

async function folderIn(workspaceId: string, inboxId: string, address: string) {
  const [c] = await db
    .insert(connectors)
    .values({ workspaceId, name: 'Fixture', type: 'microsoft365' })
    .returning();
  const [m] = await db
    .insert(mailboxes)
    .values({
      workspaceId,
      connectorId: c!.id,
      graphUserId: `user-${address}`,
      address,
      displayName: address,
      kind: 'shared',
      access: 'readable',
    })
    .returning();
  const [f] = await db
    .insert(monitoredFolders)
    .values({
      workspaceId,
      mailboxId: m!.id,
      graphFolderId: `inbox-${address}`,
      displayName: 'Inbox',
      inboxId,
      processFrom: new Date(0),
    })
    .returning();
  return { mailboxId: m!.id, folderId: f!.id };
}

let n = 0;
async function doc(
  at: { workspaceId: string; inboxId: string; folderId: string; mailboxId: string },
  d: { subject: string; receivedAt: Date; status?: DocumentRow['status']; createdAt?: Date },
): Promise<DocumentRow> {
  const [msg] = await db
    .insert(mailMessages)
    .values({
      workspaceId: at.workspaceId,
      folderId: at.folderId,
      graphMessageId: `msg-${++n}`,
      state: 'done',
    })
    .returning();
  const [row] = await db
    .insert(documents)
    .values({
      workspaceId: at.workspaceId,
      inboxId: at.inboxId,
      messageId: msg!.id,
      mailboxId: at.mailboxId,
      subject: d.subject,
      fromAddress: `sender${n}@example.be`,
      to: [],
      cc: [],
      receivedAt: d.receivedAt,
      emlSha256: '0'.repeat(64),
      emlSize: 10,
      attachments: [],
      bodyHtml: '<p>Logo <img data-remote-src="https://example.be/logo.png"></p>',
      searchText: searchTextOf({
        subject: d.subject,
        fromName: null,
        fromAddress: null,
        attachmentNames: [],
      }),
      ...(d.status ? { status: d.status } : {}),
      ...(d.createdAt ? { createdAt: d.createdAt } : {}),
    })
    .returning();
  return row!;
}

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
  const [w, w2] = await db
    .insert(workspaces)
    .values([{ name: 'Contoso' }, { name: 'Fabrikam' }])
    .returning();
  ws = w!.id;
  otherWs = w2!.id;
  const [a, b, c] = await db
    .insert(inboxes)
    .values([
      { workspaceId: ws, name: 'Claims' },
      { workspaceId: ws, name: 'Production' },
      { workspaceId: otherWs, name: 'Elsewhere' },
    ])
    .returning();
  claims = a!.id;
  production = b!.id;
  const [u] = await db
    .insert(users)
    .values({ email: 'rita@example.com', name: 'Rita', passwordHash: 'x' })
    .returning();
  reader = { id: u!.id, email: u!.email };
  await db.insert(memberships).values({ workspaceId: ws, userId: reader.id, role: 'member' });
  // Rita is on Claims only (decision 0006).
  await db.insert(inboxAccess).values({ inboxId: claims, workspaceId: ws, userId: reader.id });
  const inClaims = await folderIn(ws, claims, 'claims@contoso.example');
  const inProduction = await folderIn(ws, production, 'production@contoso.example');
  const elsewhere = await folderIn(otherWs, c!.id, 'claims@fabrikam.example');
  folderId = inClaims.folderId;
  otherFolderId = elsewhere.folderId;
  const statuses = ['new', 'approved', 'bounced', 'deleted', 'filtered'] as const;
  for (let i = 0; i < 10; i++)
    docs.push(
      await doc(
        { workspaceId: ws, inboxId: claims, ...inClaims },
        {
          subject: `Claim ${1000 + i} ${i % 2 ? 'storm' : 'water'} damage`,
          // Three share one time: the id breaks the tie.
          receivedAt: new Date(base - (i < 3 ? 0 : i) * 3_600_000),
          status: statuses[i % statuses.length]!,
          // One filtered email came before today.
          ...(i === 4 ? { createdAt: new Date(base - 86_400_000 * 400) } : {}),
        },
      ),
    );
  docs.push(
    await doc(
      { workspaceId: ws, inboxId: production, ...inProduction },
      { subject: 'Order 1', receivedAt: new Date(base) },
    ),
  );
});
afterAll(async () => {
  await database?.dispose();
});

const newestFirst = (list: DocumentRow[]) =>
  [...list]
    .sort((x, y) => y.receivedAt.getTime() - x.receivedAt.getTime() || (x.id < y.id ? 1 : -1))
    .map((d) => d.id);
const query = { limit: 50, inboxIds: [] as string[], after: undefined as KeysetPosition | undefined };

describe('documents: the inbox list', () => {
  it('looks in the inboxes the caller is on; another inbox answers 404', async () => {
    expect(await inboxScope(db, ws, reader.id, undefined)).toEqual([claims]);
    expect(await inboxScope(db, ws, reader.id, claims)).toEqual([claims]);
    expect((await rejection(inboxScope(db, ws, reader.id, production))).code).toBe('not_found');
    expect(await inboxScope(db, otherWs, reader.id, undefined)).toEqual([]);
  });

  it('shows the working statuses newest first, and pages by keyset visiting each document once', async () => {
    const working = docs.filter(
      (d) => d.inboxId === claims && ['new', 'approved', 'bounced'].includes(d.status),
    );
    const seen: string[] = [];
    let after: KeysetPosition | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listDocuments(db, ws, { ...query, limit: 2, inboxIds: [claims], after });
      seen.push(...page.items.map((d) => d.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(newestFirst(working));
    const page = await listDocuments(db, ws, { ...query, inboxIds: [claims] });
    expect(page.items[0]).toMatchObject({ mailbox: 'claims@contoso.example', folder: 'Inbox' });
    expect(page.next).toBeNull();
  });

  it('filters by status and searches words as prefixes', async () => {
    const deleted = await listDocuments(db, ws, { ...query, inboxIds: [claims], status: 'deleted' });
    expect(deleted.items.map((d) => d.id)).toEqual(newestFirst(docs.filter((d) => d.status === 'deleted')));
    const storm = await listDocuments(db, ws, { ...query, inboxIds: [claims], q: 'sto' });
    expect(storm.items.map((d) => d.id)).toEqual(
      newestFirst(
        docs.filter((d) => d.subject.includes('storm') && ['new', 'approved', 'bounced'].includes(d.status)),
      ),
    );
    expect((await listDocuments(db, ws, { ...query, inboxIds: [claims], q: 'order' })).items).toEqual([]);
  });
});

describe('documents: one document', () => {
  it('is readable only on an inbox the caller is on, in its own workspace', async () => {
    const mine = docs[0]!;
    expect((await readableDocument(db, ws, mine.id, reader.id)).id).toBe(mine.id);
    const theirs = docs.at(-1)!;
    expect((await rejection(readableDocument(db, ws, theirs.id, reader.id))).message).toBe(
      'Document not found.',
    );
    expect((await rejection(readableDocument(db, otherWs, mine.id, reader.id))).code).toBe('not_found');
  });

  it('shows its origin, its history in order, and remote images only when asked', async () => {
    const d = docs[1]!;
    await recordHistory(db, d, 'ingested', null);
    await recordHistory(db, d, 'routed', null);
    const detail = await documentDetail(db, d, false);
    expect(detail).toMatchObject({
      id: d.id,
      mailbox: 'claims@contoso.example',
      folderId,
      hasRemoteImages: true,
      outflow: [],
    });
    expect(detail.history.map((h) => h.kind)).toEqual(['ingested', 'routed']);
    expect(detail.bodyHtml).not.toContain(' src=');
    expect((await documentDetail(db, d, true)).bodyHtml).toContain(' src="https://example.be/logo.png"');
  });

  it('records a view once per person in ten minutes, with its audit line', async () => {
    const d = docs[2]!;
    expect(await recordViewed(db, d, reader)).toBe(true);
    expect(await recordViewed(db, d, reader)).toBe(false);
    const lines = await db
      .select()
      .from(documentHistory)
      .where(and(eq(documentHistory.documentId, d.id), eq(documentHistory.kind, 'viewed')));
    expect(lines).toHaveLength(1);
    const audits = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, d.id), eq(auditLog.action, 'document.viewed')));
    expect(audits).toHaveLength(1);
  });
});

describe('documents: filtered emails and mailbox options', () => {
  it("lists a folder's filtered emails from the caller's inboxes, with today's count; another workspace's folder is 404", async () => {
    const filtered = docs.filter((d) => d.status === 'filtered');
    const list = await filteredOfFolder(db, ws, folderId, reader.id, 50);
    expect(list.items.map((d) => d.id)).toEqual(newestFirst(filtered));
    expect(list.today).toBe(filtered.length - 1);
    expect((await rejection(filteredOfFolder(db, ws, otherFolderId, reader.id, 50))).message).toBe(
      'Folder not found.',
    );
    expect(await filteredOfFolder(db, ws, folderId, '00000000-0000-4000-8000-000000000000', 50)).toEqual({
      today: 0,
      items: [],
    });
  });

  it("lists the workspace's mailboxes by address", async () => {
    expect((await mailboxOptions(db, ws)).map((m) => m.address)).toEqual([
      'claims@contoso.example',
      'production@contoso.example',
    ]);
  });
});

describe('documents: actions', () => {
  const decisions: { token: string | null }[] = [];
  const deps = (): ActionDeps => ({
    db,
    // The port reprocess runs the folder's rule through: here a rule that files the email in Production.
    inflow: {
      decide: async (rule, input): Promise<InflowDecision> => {
        decisions.push({ token: input.token });
        return {
          status: 'new',
          filterReason: null,
          evidence: null,
          inboxId: production,
          documentTypeId: rule.documentTypeId,
          tagIds: [],
          metadata: { channel: 'email' },
        };
      },
    },
    token: () => Promise.reject(new Error('no Graph here')),
    enqueueOutflow: async () => undefined,
  });

  it('approves once: a second click is a success that changes nothing; one audit and history line', async () => {
    const d = docs[0]!;
    const approved = await applyAction(deps(), d, { action: 'approve' }, reader);
    expect(approved.status).toBe('approved');
    // The second click read the document before the first one landed (its row still says "new").
    const again = await applyAction(deps(), d, { action: 'approve' }, reader);
    expect(again).toMatchObject({ id: d.id, status: 'approved', revision: approved.revision });
    // A retry that read it after: already approved, still a success.
    expect((await applyAction(deps(), approved, { action: 'approve' }, reader)).status).toBe('approved');
    const audits = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, d.id), eq(auditLog.action, 'document.approved')));
    expect(audits).toHaveLength(1);
    const lines = await db
      .select()
      .from(documentHistory)
      .where(and(eq(documentHistory.documentId, d.id), eq(documentHistory.kind, 'approved')));
    expect(lines).toHaveLength(1);
    // What cannot happen from here is still refused, in words: an approved document is not released.
    const bounced = await applyAction(
      deps(),
      approved,
      { action: 'bounce', reason: 'Wrong insurer' },
      reader,
    );
    expect((await rejection(applyAction(deps(), bounced, { action: 'approve' }, reader))).message).toBe(
      'This document is bounced: it cannot be approved.',
    );
  });

  it('restores a deleted document with the status it had, and reopens a bounced one; both audited, both repeatable', async () => {
    const [approved] = await db
      .update(documents)
      .set({ status: 'approved' })
      .where(eq(documents.id, docs[5]!.id))
      .returning();
    const deleted = await applyAction(deps(), approved!, { action: 'delete' }, reader);
    expect(deleted.status).toBe('deleted');
    const restored = await applyAction(deps(), deleted, { action: 'restore' }, reader);
    expect(restored.status).toBe('approved');
    // A second click on Restore (it read the deleted row): a success, nothing more written.
    expect((await applyAction(deps(), deleted, { action: 'restore' }, reader)).status).toBe('approved');

    const bounced = await applyAction(deps(), restored, { action: 'bounce', reason: 'Not ours' }, reader);
    const reopened = await applyAction(deps(), bounced, { action: 'reopen' }, reader);
    expect(reopened.status).toBe('new');
    expect((await applyAction(deps(), bounced, { action: 'reopen' }, reader)).status).toBe('new');

    const actions = (
      await db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, docs[5]!.id))
    ).map((a) => a.action);
    expect(actions.filter((a) => a === 'document.restored')).toHaveLength(1);
    expect(actions.filter((a) => a === 'document.reopened')).toHaveLength(1);
    const kinds = (
      await db.select().from(documentHistory).where(eq(documentHistory.documentId, docs[5]!.id))
    ).map((h) => h.kind);
    expect(kinds).toEqual(expect.arrayContaining(['deleted', 'restored', 'bounced', 'reopened']));
    // A document that is not bounced has nothing to reopen.
    expect((await rejection(applyAction(deps(), docs[9]!, { action: 'reopen' }, reader))).code).toBe(
      'conflict',
    );
  });

  it('reprocess keeps the type, tags and metadata people set where the rule sets none', async () => {
    const [type] = await db.insert(documentTypes).values({ workspaceId: ws, name: 'Claim' }).returning();
    const [tag] = await db.insert(tags).values({ workspaceId: ws, name: 'urgent' }).returning();
    const [d] = await db
      .update(documents)
      .set({ documentTypeId: type!.id, tagIds: [tag!.id], metadata: { policy: 'P-1', channel: 'phone' } })
      .where(eq(documents.id, docs[1]!.id))
      .returning();
    const again = await applyAction(deps(), d!, { action: 'reprocess' }, reader);
    // The rule (the folder's: no type, no tags) sets only `channel`; the rest is what people set.
    expect(again).toMatchObject({
      documentTypeId: type!.id,
      tagIds: [tag!.id],
      metadata: { policy: 'P-1', channel: 'email' },
    });
  });

  it('reprocesses through the inflow port as a new version (no token: the rule uses what is known)', async () => {
    const d = docs[4]!;
    const again = await applyAction(deps(), d, { action: 'reprocess' }, reader);
    expect(decisions.at(-1)).toEqual({ token: null });
    expect(again).toMatchObject({
      inboxId: production,
      status: 'new',
      version: d.version + 1,
      metadata: { channel: 'email' },
    });
    const kinds = (await db.select().from(documentHistory).where(eq(documentHistory.documentId, d.id))).map(
      (h) => h.kind,
    );
    expect(kinds).toContain('reprocessed');
    // Versions move one at a time: reprocessing the old version again loses.
    expect((await rejection(applyAction(deps(), d, { action: 'reprocess' }, reader))).code).toBe('conflict');
  });
});
