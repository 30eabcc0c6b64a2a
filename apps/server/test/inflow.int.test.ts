import os from 'node:os';
import { DEMO } from '@mailroom/m365-emulator';
import {
  api,
  type Document,
  type DocumentList,
  type DocumentType,
  type FilteredList,
  type FolderStatus,
  type ManagedInbox,
} from '@mailroom/contracts';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, events } from '../src/db/schema/index.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, monitor, settle } from './sync-helpers.ts';

let app: TestApp;
let admin: Client;
let ws: string;
let folderId: string;
let claimsInbox: string;
let claimType: string;
let emailTag: string;

/** Delivers raw MIME into claims@'s Inbox, runs a round and waits for ingestion. */
async function arrive(from: string, subject: string, headers: Record<string, string> = {}) {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const eml = `From: ${from}\r\nTo: ${CLAIMS}\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random()}@test>\r\nDate: ${new Date().toUTCString()}\r\n${extra}Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n`;
  await app.server.sandbox!.control.deliverEml(CLAIMS, eml);
  await app.server.sync.syncFolder(folderId);
  await settle(app, folderId);
  const [d] = await app.server.database.db.select().from(documents).where(eq(documents.subject, subject));
  if (!d) {
    const msgs = await app.server.database.db.query.mailMessages.findMany();
    throw new Error(
      `no document "${subject}": ${JSON.stringify(msgs.map((m) => [m.subject, m.state, m.lastError, m.receivedAt]))}`,
    );
  }
  return d;
}

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  const connectorId = await connectedOwnApp(admin, ws, 'Claims');
  // From now: the seeded mail stays out, only what the test delivers counts.
  ({ folderId } = await monitor(app, {
    workspaceId: ws,
    connectorId,
    address: CLAIMS,
    folder: 'Inbox',
    processFrom: new Date(Date.now() - 10 * 60_000),
  }));
  await app.server.sync.syncFolder(folderId);
  await settle(app, folderId);
  claimsInbox = (await admin.post<ManagedInbox>(api.inboxes(ws), { name: 'Claims' })).body.id;
  claimType = (await admin.post<DocumentType>(api.documentTypes(ws), { name: 'Claim' })).body.id;
  emailTag = (await admin.post<DocumentType>(api.tags(ws), { name: 'email' })).body.id;
  await admin.request('PUT', api.inflowSettings(ws), { internalDomains: ['partner-internal.example'] });
});
afterAll(async () => {
  await app?.close();
});

describe('inflow rules at ingestion', () => {
  it('routes external mail with type, tags and metadata, and filters internal and automated mail', async () => {
    const rule = await admin.patch<FolderStatus>(api.folder(ws, folderId), {
      inboxId: claimsInbox,
      filterInflow: true,
      documentTypeId: claimType,
      tagIds: [emailTag],
      metadata: { channel: 'email' },
    });
    expect(rule.status).toBe(200);
    expect(rule.body).toMatchObject({
      filterInflow: true,
      documentTypeId: claimType,
      tagIds: [emailTag],
      metadata: { channel: 'email' },
    });

    const external = await arrive('Jan Peeters <jan.peeters@example.be>', 'Water damage 1');
    expect(external).toMatchObject({
      status: 'new',
      inboxId: claimsInbox,
      documentTypeId: claimType,
      tagIds: [emailTag],
      metadata: { channel: 'email' },
    });
    // The tenant's verified domain (from Graph), the workspace's own list, automated mail of each kind.
    const cases: [string, string, Record<string, string>, string][] = [
      [`Lynne <lynne.robbins@${DEMO.contoso.domain}>`, 'From a colleague', {}, 'internal_sender'],
      ['x@partner-internal.example', 'From a partner desk', {}, 'internal_sender'],
      ['jan.peeters@example.be', 'Out of office', { 'Auto-Submitted': 'auto-replied' }, 'auto_reply'],
      [
        'news@broker.example',
        'Newsletter',
        { 'List-Unsubscribe': '<mailto:unsub@broker.example>' },
        'bulk_mail',
      ],
      ['MAILER-DAEMON@example.be', 'Undeliverable', {}, 'mailer_daemon'],
      ['alerts@broker.example', 'Digest', { Precedence: 'bulk' }, 'bulk_mail'],
    ];
    const madeAt: Date[] = [];
    for (const [from, subject, headers, reason] of cases) {
      const d = await arrive(from, subject, headers);
      expect([subject, d.status, d.filterReason]).toEqual([subject, 'filtered', reason]);
      madeAt.push(d.createdAt);
    }
    // "Today" starts at 00:00 UTC when asked: a run that crosses midnight counts only what came after
    // it (counted before and after the request, in case midnight falls in between).
    const madeToday = () => madeAt.filter((t) => t.getTime() >= new Date().setUTCHours(0, 0, 0, 0)).length;
    const countedToday = async <R>(ask: () => Promise<R>, count: (r: R) => number): Promise<R> => {
      const before = madeToday();
      const r = await ask();
      expect([before, madeToday()]).toContain(count(r));
      return r;
    };

    // Listed with the reason, counted today; the inbox itself does not show them.
    const filtered = await countedToday(
      () => admin.get<FilteredList>(api.filteredMessages(ws, folderId)),
      (r) => r.body.today,
    );
    expect(filtered.body.items.map((d) => d.filterReason).sort()).toEqual(cases.map((c) => c[3]).sort());
    const inbox = await admin.get<DocumentList>(`${api.documents(ws)}?inboxId=${claimsInbox}`);
    expect(inbox.body.items.map((d) => d.subject)).toEqual(['Water damage 1']);
    const connectorId = (await app.server.database.db.query.mailboxes.findFirst())!.connectorId;
    await countedToday(
      () => admin.get<{ items: { folders: FolderStatus[] }[] }>(api.mailboxes(ws, connectorId)),
      (r) => r.body.items[0]!.folders[0]!.filteredToday,
    );

    // History and events: created for the routed one only.
    const ext = await admin.get<Document>(api.document(ws, external.id));
    expect(ext.body.history.map((h) => h.kind)).toEqual(['ingested', 'routed', 'viewed']);
    // Which process ingested it (several workers share the database): host and pid.
    expect(ext.body.history[0]!.details).toMatchObject({ process: `${os.hostname()}:${process.pid}` });
    const created = await app.server.database.db
      .select()
      .from(events)
      .where(eq(events.type, 'document.created'));
    expect(created.map((e) => e.subjectId)).toEqual([external.id]);
    // The event's id is the history line's: stable, and matched to it.
    expect(ext.body.history.find((h) => h.kind === 'routed')!.id).toBe(created[0]!.id);
  }, 120_000);

  it('lets a filtered email in by hand, as created now', async () => {
    const colleague = (await admin.get<FilteredList>(api.filteredMessages(ws, folderId))).body.items.find(
      (d) => d.subject === 'From a colleague',
    )!;
    const released = await admin.post<Document>(api.documentActions(ws, colleague.id), { action: 'release' });
    expect(released.status).toBe(200);
    expect(released.body.status).toBe('new');
    expect(released.body.history.map((h) => h.kind)).toEqual(['ingested', 'filtered', 'released']);
    // Let in already: a second click is a success that changes nothing.
    const again = await admin.post<Document>(api.documentActions(ws, colleague.id), { action: 'release' });
    expect([again.status, again.body.history.length]).toEqual([200, 3]);
    const evs = await app.server.database.db
      .select()
      .from(events)
      .where(and(eq(events.type, 'document.created'), eq(events.subjectId, colleague.id)));
    expect(evs).toHaveLength(1);
  });

  it('applies a changed rule to new mail only', async () => {
    const before = await arrive('a@example.be', 'Before the change');
    await admin.patch(api.folder(ws, folderId), {
      documentTypeId: null,
      tagIds: [],
      metadata: {},
      filterInflow: false,
    });
    const after = await arrive(`lynne.robbins@${DEMO.contoso.domain}`, 'After the change');
    expect(after).toMatchObject({ status: 'new', documentTypeId: null, tagIds: [], metadata: {} });
    const again = (
      await app.server.database.db.select().from(documents).where(eq(documents.id, before.id))
    )[0]!;
    expect(again).toMatchObject({
      documentTypeId: claimType,
      tagIds: [emailTag],
      metadata: { channel: 'email' },
    });
    const history = await app.server.database.db.query.documentHistory.findMany({
      where: (h) => eq(h.documentId, before.id),
      orderBy: (h) => asc(h.seq),
    });
    expect(history.map((h) => h.kind)).toEqual(['ingested', 'routed']);
  }, 60_000);

  it('refuses a type or tag from elsewhere in a rule', async () => {
    const bad = await admin.patch<{ error: { details: { path: string }[] } }>(api.folder(ws, folderId), {
      tagIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe('tagIds');
  });

  it('takes headers already parsed from the MIME instead of reading the .eml again', async () => {
    const d = await app.server.inflow.decide(
      { inboxId: claimsInbox, filterInflow: true, documentTypeId: null, tagIds: [], metadata: {} },
      {
        workspaceId: ws,
        connectorId: (await app.server.database.db.query.mailboxes.findFirst())!.connectorId,
        token: null,
        from: 'jan.peeters@example.be',
        // No such blob: reading it would throw.
        emlSha256: '0'.repeat(64),
        headers: { 'Auto-Submitted': 'auto-replied' },
      },
    );
    expect([d.status, d.filterReason]).toEqual(['filtered', 'auto_reply']);
  });
});
