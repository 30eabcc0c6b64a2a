import {
  api,
  type Document,
  type DocumentList,
  type DocumentType,
  type FilteredList,
  type InboxList,
  type InflowSettings,
  type ManagedInbox,
  type ManagedInboxList,
  type SessionInfo,
} from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxAccess } from '../src/db/schema/index.ts';
import { fixtureDocument, fixtureFolder, join } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

type Err = { error: { code: string; details?: { path: string }[] } };

let app: TestApp;
let owner: Client;
let ownerId: string;
let ws: string;
let admin: { client: Client; userId: string };
let member: { client: Client; userId: string };

beforeAll(async () => {
  app = await startTestApp();
  ({ client: owner, workspaceId: ws } = await setUp(app));
  ownerId = (await owner.get<SessionInfo>(api.session)).body.user!.id;
  admin = await join(app, owner, ws, 'ada@example.com', 'admin');
  member = await join(app, owner, ws, 'mia@example.com', 'member');
});
afterAll(async () => {
  await app?.close();
});

const names = (l: { items: { name: string }[] }) => l.items.map((i) => i.name);

describe('inboxes', () => {
  it('puts the owner and everyone who joins on the default inbox, and nobody on others', async () => {
    for (const c of [owner, admin.client, member.client]) {
      const mine = await c.get<InboxList>(api.inboxes(ws));
      expect(mine.body.items).toMatchObject([{ name: 'Inbox', isDefault: true, archived: false }]);
    }
    const created = await owner.post<ManagedInbox>(api.inboxes(ws), { name: 'Claims' });
    expect(created.status).toBe(201);
    // The creator is on it; the other admin is not, and does not see it among their inboxes.
    expect(created.body.memberIds).toEqual([ownerId]);
    expect(names((await owner.get<InboxList>(api.inboxes(ws))).body)).toEqual(['Inbox', 'Claims']);
    expect(names((await admin.client.get<InboxList>(api.inboxes(ws))).body)).toEqual(['Inbox']);
    // …but an admin manages every inbox.
    const managed = await admin.client.get<ManagedInboxList>(api.managedInboxes(ws));
    expect(names(managed.body)).toEqual(['Inbox', 'Claims']);
    expect((await member.client.get<Err>(api.managedInboxes(ws))).status).toBe(403);
  });

  it('renames, refuses duplicates, archives and restores; members cannot', async () => {
    const p = await admin.client.post<ManagedInbox>(api.inboxes(ws), {
      name: 'Production',
      memberIds: [member.userId],
    });
    expect(p.body.memberIds.sort()).toEqual([admin.userId, member.userId].sort());
    expect((await admin.client.post<Err>(api.inboxes(ws), { name: 'claims' })).status).toBe(409);
    expect((await admin.client.patch<Err>(api.inbox(ws, p.body.id), { name: 'CLAIMS' })).status).toBe(409);
    const renamed = await admin.client.patch<ManagedInbox>(api.inbox(ws, p.body.id), {
      name: 'Underwriting',
    });
    expect(renamed.body.name).toBe('Underwriting');
    expect((await member.client.patch<Err>(api.inbox(ws, p.body.id), { name: 'Mine' })).status).toBe(403);
    expect((await member.client.post<Err>(api.inboxes(ws), { name: 'Mine' })).status).toBe(403);

    const archived = await admin.client.patch<ManagedInbox>(api.inbox(ws, p.body.id), { archived: true });
    expect(archived.body.archived).toBe(true);
    const restored = await admin.client.patch<ManagedInbox>(api.inbox(ws, p.body.id), {
      archived: false,
      name: 'Production',
    });
    expect(restored.body).toMatchObject({ archived: false, name: 'Production' });

    const def = (await owner.get<InboxList>(api.inboxes(ws))).body.items.find((i) => i.isDefault)!;
    expect((await owner.patch<Err>(api.inbox(ws, def.id), { archived: true })).status).toBe(409);
    // An inbox a rule sends mail to cannot be archived before the rule points elsewhere.
    await fixtureFolder(app, ws, p.body.id, 'production@contoso-insurance.com');
    expect((await owner.patch<Err>(api.inbox(ws, p.body.id), { archived: true })).status).toBe(409);
  });

  it('keeps only workspace members and types on an inbox', async () => {
    const claims = (await owner.get<ManagedInboxList>(api.managedInboxes(ws))).body.items.find(
      (i) => i.name === 'Claims',
    )!;
    const bad = await owner.patch<Err>(api.inbox(ws, claims.id), {
      memberIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.[0]?.path).toBe('memberIds');
    const badType = await owner.patch<Err>(api.inbox(ws, claims.id), {
      documentTypeIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(badType.status).toBe(400);
  });
});

describe('document types, tags and internal domains', () => {
  it('are managed by admins and read by members', async () => {
    const claim = await admin.client.post<DocumentType>(api.documentTypes(ws), { name: 'Claim' });
    expect(claim.status).toBe(201);
    expect((await admin.client.post<Err>(api.documentTypes(ws), { name: 'claim' })).status).toBe(409);
    expect((await member.client.post<Err>(api.documentTypes(ws), { name: 'Invoice' })).status).toBe(403);
    // The same Idempotency-Key twice (a double click): one tag, the second answer is the first's (decision 0019).
    const key = { 'idempotency-key': 'tag-dbl-1' };
    const once = await admin.client.request<DocumentType>('POST', api.tags(ws), { name: 'twice' }, key);
    const again = await admin.client.request<DocumentType>('POST', api.tags(ws), { name: 'twice' }, key);
    expect([once.status, again.status, again.body.id]).toEqual([201, 200, once.body.id]);
    await admin.client.del(api.tag(ws, once.body.id));
    // A name too long is refused in words, never cut (issue 19 §5: a 150-character type).
    const long = await admin.client.post<{ error: { details: { path: string; message: string }[] } }>(
      api.documentTypes(ws),
      { name: 'x'.repeat(150) },
    );
    expect(long.status).toBe(400);
    expect(long.body.error.details).toEqual([{ path: 'name', message: 'Use at most 80 characters.' }]);
    const tag = await admin.client.post<DocumentType>(api.tags(ws), { name: 'email' });
    expect(tag.status).toBe(201);
    expect(
      (await member.client.get<{ items: DocumentType[] }>(api.tags(ws))).body.items.map((t) => t.name),
    ).toEqual(['email']);
    const renamed = await admin.client.patch<DocumentType>(api.documentType(ws, claim.body.id), {
      name: 'Claim form',
    });
    expect(renamed.body.name).toBe('Claim form');

    const claims = (await owner.get<ManagedInboxList>(api.managedInboxes(ws))).body.items.find(
      (i) => i.name === 'Claims',
    )!;
    const withTypes = await owner.patch<ManagedInbox>(api.inbox(ws, claims.id), {
      documentTypeIds: [claim.body.id],
    });
    expect(withTypes.body.documentTypeIds).toEqual([claim.body.id]);
    const gone = await admin.client.request('DELETE', api.documentType(ws, claim.body.id));
    expect(gone.status).toBe(204);
    expect(
      (await owner.get<ManagedInboxList>(api.managedInboxes(ws))).body.items.find((i) => i.id === claims.id)!
        .documentTypeIds,
    ).toEqual([]);

    const domains = await admin.client.request<InflowSettings>('PUT', api.inflowSettings(ws), {
      internalDomains: ['Contoso.BE', 'contoso.be', 'fabrikam.example'],
    });
    expect(domains.body.internalDomains).toEqual(['contoso.be', 'fabrikam.example']);
    expect(
      (await admin.client.request<Err>('PUT', api.inflowSettings(ws), { internalDomains: ['not a domain'] }))
        .status,
    ).toBe(400);
    expect(
      (await member.client.request<Err>('PUT', api.inflowSettings(ws), { internalDomains: [] })).status,
    ).toBe(403);
  });
});

describe('inbox access on every document route', () => {
  it('answers 404 to anyone not on the inbox, admins included, and lets them in once added', async () => {
    const claims = (await owner.get<ManagedInboxList>(api.managedInboxes(ws))).body.items.find(
      (i) => i.name === 'Claims',
    )!;
    const origin = await fixtureFolder(app, ws, claims.id);
    const doc = await fixtureDocument(
      app,
      { workspaceId: ws, inboxId: claims.id, ...origin },
      { attachmentNames: ['form.pdf'] },
    );
    const filtered = await fixtureDocument(
      app,
      { workspaceId: ws, inboxId: claims.id, ...origin },
      { status: 'filtered', filterReason: 'internal_sender' },
    );

    const routes = (c: Client) => [
      c.get(api.document(ws, doc.id)),
      c.get(api.documentEml(ws, doc.id)),
      c.get(api.documentAttachment(ws, doc.id, 0)),
      c.patch(api.document(ws, doc.id), { metadata: { a: 'b' } }),
      c.post(api.documentActions(ws, doc.id), { action: 'approve' }),
      c.post(api.documentActions(ws, filtered.id), { action: 'release' }),
      c.get(`${api.documents(ws)}?inboxId=${claims.id}`),
    ];
    for (const c of [admin.client, member.client]) {
      for (const r of await Promise.all(routes(c))) expect(r.status).toBe(404);
      const all = await c.get<DocumentList>(api.documents(ws));
      expect(all.body.items.map((d) => d.id)).not.toContain(doc.id);
      const f = await c.get<FilteredList>(api.filteredMessages(ws, origin.folderId));
      expect(f.body).toEqual({ today: 0, items: [] });
    }
    // The owner created Claims: on it, so every route answers.
    const seen = await owner.get<Document>(api.document(ws, doc.id));
    expect(seen.status).toBe(200);
    expect(
      (await owner.get<FilteredList>(api.filteredMessages(ws, origin.folderId))).body.items.map((d) => d.id),
    ).toEqual([filtered.id]);

    // Put the member on Claims: in. Take them off: out again.
    await owner.patch(api.inbox(ws, claims.id), { memberIds: [ownerId, member.userId] });
    expect((await member.client.get(api.document(ws, doc.id))).status).toBe(200);
    expect((await member.client.get<DocumentList>(api.documents(ws))).body.items.map((d) => d.id)).toContain(
      doc.id,
    );
    await owner.patch(api.inbox(ws, claims.id), { memberIds: [ownerId] });
    expect((await member.client.get(api.document(ws, doc.id))).status).toBe(404);
  });

  it('takes every inbox away from someone who leaves the workspace', async () => {
    const { db } = app.server.database;
    expect(
      (await db.select().from(inboxAccess).where(eq(inboxAccess.userId, member.userId))).length,
    ).toBeGreaterThan(0);
    expect((await owner.del(api.member(ws, member.userId))).status).toBe(204);
    expect(await db.select().from(inboxAccess).where(eq(inboxAccess.userId, member.userId))).toEqual([]);
  });
});
