import { api, type Document, type DocumentType, type ManagedInbox } from '@mailroom/contracts';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, events, monitoredFolders } from '../src/db/schema/index.ts';
import { fixtureDocument, fixtureFolder } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

type Err = { error: { code: string; message: string; details?: { path: string }[] } };

let app: TestApp;
let owner: Client;
let ws: string;
let claims: string;
let origin: Awaited<ReturnType<typeof fixtureFolder>>;
let claimType: string;
let urgent: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: owner, workspaceId: ws } = await setUp(app));
  claims = (await owner.post<ManagedInbox>(api.inboxes(ws), { name: 'Claims' })).body.id;
  claimType = (await owner.post<DocumentType>(api.documentTypes(ws), { name: 'Claim' })).body.id;
  urgent = (await owner.post<DocumentType>(api.tags(ws), { name: 'urgent' })).body.id;
  origin = await fixtureFolder(app, ws, claims);
});
afterAll(async () => {
  await app?.close();
});

const at = () => ({ workspaceId: ws, inboxId: claims, ...origin });
const act = (id: string, body: object) => owner.post<Document & Err>(api.documentActions(ws, id), body);
const eventsOf = (id: string) =>
  app.server.database.db
    .select()
    .from(events)
    .where(and(eq(events.subjectType, 'document'), eq(events.subjectId, id)));

describe('document actions', () => {
  it('approves once, bounces with a reason, deletes; each with history and an event of the same id', async () => {
    const d = await fixtureDocument(app, at());
    const approved = await act(d.id, { action: 'approve' });
    expect(approved.body.status).toBe('approved');
    // Approving an approved document again (a double click, a retry) is a success that changes nothing.
    const again = await act(d.id, { action: 'approve' });
    expect([again.status, again.body.status, again.body.revision]).toEqual([
      200,
      'approved',
      approved.body.revision,
    ]);
    // What cannot happen says why, in the server's words.
    const bouncedFirst = await act(d.id, { action: 'release' });
    expect([bouncedFirst.status, bouncedFirst.body.error.message]).toEqual([
      409,
      'This document is approved: it cannot be released.',
    ]);
    const noReason = await act(d.id, { action: 'bounce', reason: '  ' });
    expect(noReason.status).toBe(400);
    const bounced = await act(d.id, { action: 'bounce', reason: 'Not a claim: a policy question.' });
    expect(bounced.body.status).toBe('bounced');
    const deleted = await act(d.id, { action: 'delete' });
    expect(deleted.body.status).toBe('deleted');
    expect((await act(d.id, { action: 'delete' })).status).toBe(200);

    const history = deleted.body.history.filter((h) => h.kind !== 'viewed');
    expect(history.map((h) => [h.kind, h.actor])).toEqual([
      ['approved', 'olivia@example.com'],
      ['bounced', 'olivia@example.com'],
      ['deleted', 'olivia@example.com'],
    ]);
    expect(history[1]!.details).toEqual({ reason: 'Not a claim: a policy question.' });
    const evs = await eventsOf(d.id);
    expect(evs.map((e) => e.type).sort()).toEqual([
      'document.approved',
      'document.bounced',
      'document.deleted',
    ]);
    // Stable ids: each event is its history line, so a consumer can deduplicate and trace it.
    expect(evs.map((e) => e.id).sort()).toEqual(history.map((h) => h.id).sort());
    // The audit log has the facts, not the mail.
    const audited = await app.server.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, 'document'), eq(auditLog.targetId, d.id)));
    expect(audited.map((a) => a.action).sort()).toEqual([
      'document.approved',
      'document.bounced',
      'document.deleted',
    ]);
    expect(JSON.stringify(audited)).not.toContain(d.subject);
    expect(evs.find((e) => e.type === 'document.bounced')!.payload).toMatchObject({
      documentId: d.id,
      inboxId: claims,
      reason: 'Not a claim: a policy question.',
    });
  });

  it('two people approving at once make one change and one event; both are told it is approved', async () => {
    const d = await fixtureDocument(app, at());
    const [a, b] = await Promise.all([act(d.id, { action: 'approve' }), act(d.id, { action: 'approve' })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.status, b.body.status]).toEqual(['approved', 'approved']);
    expect((await eventsOf(d.id)).filter((e) => e.type === 'document.approved')).toHaveLength(1);
  });

  it('changes type, tags and metadata with history; refuses what is not this workspace’s', async () => {
    const d = await fixtureDocument(app, at());
    const changed = await owner.patch<Document>(api.document(ws, d.id), {
      documentTypeId: claimType,
      tagIds: [urgent],
      metadata: { policy: 'P-1' },
    });
    expect(changed.body).toMatchObject({
      documentTypeId: claimType,
      tagIds: [urgent],
      metadata: { policy: 'P-1' },
    });
    const line = changed.body.history.find((h) => h.kind === 'changed')!;
    expect(line.details).toMatchObject({
      before: { documentTypeId: null, tagIds: [] },
      after: { documentTypeId: claimType, tagIds: [urgent] },
    });
    const bad = await owner.patch<Err>(api.document(ws, d.id), {
      tagIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(bad.status).toBe(400);
    expect(
      (await owner.patch<Err>(api.document(ws, d.id), { metadata: { ['x'.repeat(65)]: 'v' } })).status,
    ).toBe(400);
  });

  it('reprocesses with the rule as it is now: a new version, the old one kept in the history', async () => {
    const d = await fixtureDocument(app, at(), { fromAddress: 'ops@contoso-insurance.com' });
    // The rule now filters, with a type and a tag; the sender's domain is one of the connector's mailboxes.
    await app.server.database.db
      .update(monitoredFolders)
      .set({ filterInflow: true, documentTypeId: claimType, tagIds: [urgent], metadata: { source: 'rule' } })
      .where(eq(monitoredFolders.id, origin.folderId));
    const r = await act(d.id, { action: 'reprocess' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      version: 2,
      status: 'filtered',
      filterReason: 'internal_sender',
      documentTypeId: claimType,
      tagIds: [urgent],
      metadata: { source: 'rule' },
    });
    const line = r.body.history.find((h) => h.kind === 'reprocessed')!;
    expect(line).toMatchObject({
      version: 2,
      details: {
        before: { status: 'new', documentTypeId: null },
        after: { status: 'filtered' },
        reason: 'internal_sender',
      },
    });
    // The rule stops filtering: reprocessing lets it in, as created now.
    await app.server.database.db
      .update(monitoredFolders)
      .set({ filterInflow: false })
      .where(eq(monitoredFolders.id, origin.folderId));
    const again = await act(d.id, { action: 'reprocess' });
    expect(again.body).toMatchObject({ version: 3, status: 'new', filterReason: null });
    expect((await eventsOf(d.id)).map((e) => e.type)).toEqual(['document.created']);
    // People's decisions stay: an approved document stays approved whatever the rule says.
    await act(d.id, { action: 'approve' });
    await app.server.database.db
      .update(monitoredFolders)
      .set({ filterInflow: true })
      .where(eq(monitoredFolders.id, origin.folderId));
    expect((await act(d.id, { action: 'reprocess' })).body).toMatchObject({ version: 4, status: 'approved' });
  });
});

describe('document view', () => {
  it('records who viewed, once per person per ten minutes', async () => {
    const d = await fixtureDocument(app, at());
    await owner.get(api.document(ws, d.id));
    const second = await owner.get<Document>(api.document(ws, d.id));
    expect(second.body.history.filter((h) => h.kind === 'viewed').map((h) => h.actor)).toEqual([
      'olivia@example.com',
    ]);
  });

  it('keeps remote images out unless asked', async () => {
    const d = await fixtureDocument(app, at(), {
      bodyHtml: '<p>Hi</p><img data-remote-src="https://cdn.example/logo.png" alt="logo" />',
    });
    const plain = await owner.get<Document>(api.document(ws, d.id));
    expect(plain.body.hasRemoteImages).toBe(true);
    expect(plain.body.bodyHtml).not.toMatch(/\ssrc=/);
    const shown = await owner.get<Document>(`${api.document(ws, d.id)}?images=1`);
    expect(shown.body.bodyHtml).toContain('src="https://cdn.example/logo.png"');
  });

  it('downloads with a safe Content-Disposition and previews only PDFs and images', async () => {
    const d = await fixtureDocument(app, at(), {
      subject: 'Évaluation "quote" \r\nX-Injected: 1/../x',
      attachmentNames: ['rapport d’expertise.pdf', 'page.html'],
    });
    const eml = await owner.get(api.documentEml(ws, d.id));
    const cd = String(eml.headers['content-disposition']);
    expect(cd).toMatch(/^attachment; filename="(?:[^"\\\r\n]|\\.)*"; filename\*=UTF-8''/);
    expect(cd).not.toMatch(/[\r\n]|\.\.\//);
    expect(eml.headers['x-injected']).toBeUndefined();
    const pdf = await owner.get(`${api.documentAttachment(ws, d.id, 0)}?inline=1`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(String(pdf.headers['content-disposition'])).toMatch(/^inline; filename=/);
    expect(pdf.headers['x-frame-options']).toBe('SAMEORIGIN');
    // The fixture declares both as PDFs, but an .html name is never shown inline.
    const html = await owner.get(`${api.documentAttachment(ws, d.id, 1)}?inline=1`);
    expect(html.headers['content-type']).toBe('application/octet-stream');
    expect(String(html.headers['content-disposition'])).toMatch(/^attachment;/);
    expect(html.headers['x-frame-options']).toBe('DENY');
  });
});
