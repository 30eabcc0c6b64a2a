import {
  api,
  type Document,
  type DocumentList,
  type FolderStatus,
  type MailboxList,
  type OutflowAction,
} from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outflowRuns } from '../src/db/schema/index.ts';
import { planOutflow } from '../src/documents/outflow-plan.ts';
import { OUTFLOW_KEY_PROPERTY_ID } from '../src/microsoft/outlook-write.ts';
import { connectedOwnApp } from './connect-helpers.ts';
import { join } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, monitor, until } from './sync-helpers.ts';

type Err = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

const ADJUSTER = 'adjuster@loss-adjusters.example';
let app: TestApp;
let admin: Client;
let ws: string;
let connectorId: string;
let folderId: string;
let userId: string;

const control = () => app.server.sandbox!.control;
const graph = async <T>(path: string) =>
  app.server.mail.json<T>(await app.server.connectors.broker.graphToken(connectorId), userId, path);
const mailbox = async () => (await admin.get<MailboxList>(api.mailboxes(ws, connectorId))).body.items[0]!;
const setOutflow = (outflow: OutflowAction[]) =>
  admin.request<FolderStatus & Err>('PATCH', api.folder(ws, folderId), { outflow });
const runsOf = (documentId: string) =>
  app.server.database.db.select().from(outflowRuns).where(eq(outflowRuns.documentId, documentId));
const forwardsTo = async (to: string, subject: string) =>
  (await control().outbound()).filter((o) => o.to.includes(to) && o.subject.includes(subject));

/** Delivers an email from outside, runs the folder's round, and returns the document it became. */
async function arrive(subject: string): Promise<Document> {
  await control().deliverGenerated(CLAIMS, { subject, pdfs: 0, jpegs: 0 });
  let found: string | undefined;
  await until(`document "${subject}"`, async () => {
    await admin.post(api.syncFolder(ws, folderId));
    const list = await admin.get<DocumentList>(
      `${api.documents(ws)}?q=${encodeURIComponent(subject.split(' ').pop()!)}`,
    );
    found = list.body.items.find((d) => d.subject === subject)?.id;
    return Boolean(found);
  });
  return (await admin.get<Document>(api.document(ws, found!))).body;
}

async function settled(documentId: string): Promise<Document> {
  await until(
    'outflow finished',
    async () => (await runsOf(documentId)).every((r) => r.state !== 'pending'),
    45_000,
  );
  return (await admin.get<Document>(api.document(ws, documentId))).body;
}

beforeAll(async () => {
  // Retries after 1 s, 2 s, … instead of 15 s: the fault tests wait for them.
  app = await startTestApp({ SYNC_RECONCILE_SECONDS: '3600', OUTFLOW_RETRY_BASE_SECONDS: '1' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await connectedOwnApp(admin, ws, 'Claims');
  ({ folderId, userId } = await monitor(app, {
    workspaceId: ws,
    connectorId,
    address: CLAIMS,
    folder: 'Inbox',
    processFrom: new Date(),
  }));
}, 120_000);
afterAll(async () => {
  await app?.close();
});

describe('outflow', () => {
  it('says before saving what the connection cannot do, and saves once Microsoft has granted it', async () => {
    // The sandbox's customer-owned app has Mail.ReadWrite and MailboxSettings.Read, not Mail.Send.
    let perms = (await mailbox()).outflowPermissions;
    expect(perms).toEqual({
      known: true,
      missing: { category: [], forward: ['Mail.Send'], move: [] },
      canCreateCategories: false,
    });
    const forward: OutflowAction = {
      on: 'document.bounced',
      kind: 'forward',
      to: ADJUSTER,
      comment: 'Please handle.',
    };
    const refused = await setOutflow([forward]);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { path: 'outflow.0', message: expect.stringContaining('Microsoft has not granted Mail.Send') },
    ]);
    expect((await mailbox()).folders[0]!.outflow).toEqual([]);

    // An admin grants the permissions; "check the connection" gets a token that carries them.
    await control().grantConsent(DEMO.contoso.domain, DEMO.customerApp.clientId, {
      application: ['Mail.Send', 'MailboxSettings.ReadWrite'],
    });
    await admin.post(api.checkConnector(ws, connectorId));
    perms = (await mailbox()).outflowPermissions;
    expect(perms).toEqual({
      known: true,
      missing: { category: [], forward: [], move: [] },
      canCreateCategories: true,
    });
    const saved = await setOutflow([forward]);
    expect(saved.status).toBe(200);
    expect(saved.body.outflow).toEqual([{ ...forward, id: expect.any(String) }]);
    // Saved again as it came back: the action keeps its id (runs are keyed on it).
    const again = await setOutflow(saved.body.outflow);
    expect(again.body.outflow[0]!.id).toBe(saved.body.outflow[0]!.id);
  });

  it('only admins set outflow: a member is refused on the rule and on the inbox', async () => {
    const { client: member } = await join(app, admin, ws, 'max@example.com', 'member');
    const action = [
      { on: 'document.bounced', kind: 'forward', to: 'exfiltrate@elsewhere.example', comment: '' },
    ];
    expect((await member.request('PATCH', api.folder(ws, folderId), { outflow: action })).status).toBe(403);
    const [inbox] = (await admin.get<{ items: { id: string }[] }>(api.managedInboxes(ws))).body.items;
    expect((await member.request('PATCH', api.inbox(ws, inbox!.id), { outflow: action })).status).toBe(403);
    expect(
      (await mailbox()).folders[0]!.outflow.some(
        (a) => a.kind === 'forward' && a.to.startsWith('exfiltrate'),
      ),
    ).toBe(false);
  });

  it(
    'approve → the category is created in the mailbox with its colour and set on the email, once',
    { timeout: 90_000 },
    async () => {
      await setOutflow([
        { on: 'document.approved', kind: 'category', category: 'Claims: approved', color: 'preset4' },
      ]);
      const doc = await arrive('Outflow category claim 7301');
      expect(
        (await admin.post<Document>(api.documentActions(ws, doc.id), { action: 'approve' })).status,
      ).toBe(200);
      const done = await settled(doc.id);
      expect(done.outflow).toMatchObject([
        { state: 'done', on: 'document.approved', source: 'rule', attempts: 1, lastError: null },
      ]);
      const line = done.history.find((h) => h.kind === 'outflow')!;
      expect(line.details).toMatchObject({ outcome: 'done', detail: 'Category "Claims: approved" set.' });
      const msg = (await control().listMessages(CLAIMS)).find((m) => m.subject === doc.subject)!;
      expect(msg.categories).toEqual(['Claims: approved']);
      const master = await graph<{ value: { displayName: string; color: string }[] }>(
        `/users/${userId}/outlook/masterCategories`,
      );
      expect(master.value.filter((c) => c.displayName === 'Claims: approved')).toEqual([
        expect.objectContaining({ color: 'preset4' }),
      ]);

      // The same event can plan its actions only once, and a finished run does nothing more.
      const [run] = await runsOf(doc.id);
      expect(
        await app.server.database.db.transaction((tx) =>
          planOutflow(tx, doc.id, 'document.approved', run!.eventId),
        ),
      ).toEqual([]);
      expect(await app.server.outflow.run(run!.id)).toBe('skipped');
      expect(
        (await control().listMessages(CLAIMS)).find((m) => m.subject === doc.subject)!.categories,
      ).toEqual(['Claims: approved']);
    },
  );

  it(
    'bounce → forwarded exactly once although send fails twice after the draft was created',
    { timeout: 90_000 },
    async () => {
      await setOutflow([
        { on: 'document.bounced', kind: 'forward', to: ADJUSTER, comment: 'Not ours: please handle.' },
      ]);
      const doc = await arrive('Outflow forward claim 7302');
      const fault = await control().addFault({
        path: '/messages/[^/?]+/send$',
        method: 'POST',
        count: 2,
        action: { kind: 'status', status: 503 },
      });
      await admin.post(api.documentActions(ws, doc.id), { action: 'bounce', reason: 'Not a claim.' });
      const done = await settled(doc.id);
      await control().removeFault(fault.id);
      expect(done.outflow).toMatchObject([{ state: 'done', attempts: 3, lastError: null }]);
      expect(await forwardsTo(ADJUSTER, doc.subject)).toHaveLength(1);
      // One draft was made, and it is the one that went out: none is left behind.
      const [run] = await runsOf(doc.id);
      const tagged = await graph<{ value: { id: string; isDraft: boolean }[] }>(
        `/users/${userId}/messages?$filter=${encodeURIComponent(`singleValueExtendedProperties/Any(ep: ep/id eq '${OUTFLOW_KEY_PROPERTY_ID}' and ep/value eq '${run!.id}')`)}&$select=id,isDraft`,
      );
      expect(tagged.value.map((m) => m.isDraft)).toEqual([false]);
      expect(tagged.value[0]!.id).toBe(run!.draftId);
      expect(done.history.filter((h) => h.kind === 'outflow').map((h) => h.details.outcome)).toEqual([
        'done',
      ]);
    },
  );

  it('a forward whose answer was lost is not sent again', { timeout: 90_000 }, async () => {
    const doc = await arrive('Outflow lost answer claim 7303');
    const fault = await control().addFault({
      path: '/messages/[^/?]+/send$',
      method: 'POST',
      count: 1,
      action: { kind: 'dropAfter' },
    });
    await admin.post(api.documentActions(ws, doc.id), { action: 'bounce', reason: 'Not a claim.' });
    const done = await settled(doc.id);
    await control().removeFault(fault.id);
    expect(done.outflow).toMatchObject([{ state: 'done', attempts: 2 }]);
    expect(done.history.find((h) => h.kind === 'outflow')!.details.detail).toBe(
      `Forwarded to ${ADJUSTER} (the forward had gone out already).`,
    );
    expect(await forwardsTo(ADJUSTER, doc.subject)).toHaveLength(1);
  });

  it(
    'a failure waiting cannot fix is shown with its cause and not retried',
    { timeout: 90_000 },
    async () => {
      await setOutflow([
        { on: 'document.approved', kind: 'move', destinationFolderId: 'archive', destinationName: 'Archive' },
      ]);
      const doc = await arrive('Outflow vanished claim 7304');
      // Someone deletes the email in Outlook before it is approved in Mailroom.
      const msg = (await control().listMessages(CLAIMS)).find((m) => m.subject === doc.subject)!;
      await control().deleteMessage(CLAIMS, msg.id);
      await admin.post(api.documentActions(ws, doc.id), { action: 'approve' });
      const done = await settled(doc.id);
      expect(done.outflow).toMatchObject([
        { state: 'failed', attempts: 1, lastError: expect.stringContaining('no longer in the mailbox') },
      ]);
      expect(done.history.find((h) => h.kind === 'outflow')!.details).toMatchObject({ outcome: 'failed' });
    },
  );

  it('move → the email lands in the folder once; a repeat finds it there', { timeout: 90_000 }, async () => {
    const doc = await arrive('Outflow move claim 7305');
    await admin.post(api.documentActions(ws, doc.id), { action: 'approve' });
    const done = await settled(doc.id);
    expect(done.outflow).toMatchObject([{ state: 'done' }]);
    const archived = (await control().listMessages(CLAIMS, { folder: 'archive' })).filter(
      (m) => m.subject === doc.subject,
    );
    expect(archived).toHaveLength(1);
    const [run] = await runsOf(doc.id);
    // Replayed by hand as a crashed worker's retry would: nothing moves twice.
    await app.server.database.db
      .update(outflowRuns)
      .set({ state: 'pending' })
      .where(eq(outflowRuns.id, run!.id));
    expect(await app.server.outflow.run(run!.id)).toBe('done');
    const [again] = await runsOf(doc.id);
    expect(again!.state).toBe('done');
    expect(
      (await control().listMessages(CLAIMS, { folder: 'archive' })).filter((m) => m.subject === doc.subject),
    ).toHaveLength(1);
  });

  it(
    'inbox actions: only folders every mailbox has; they run for documents routed there',
    { timeout: 90_000 },
    async () => {
      const [inbox] = (await admin.get<{ items: { id: string }[] }>(api.managedInboxes(ws))).body.items;
      const bad = await admin.request<Err>('PATCH', api.inbox(ws, inbox!.id), {
        outflow: [
          {
            on: 'document.created',
            kind: 'move',
            destinationFolderId: 'AAMkAGI2some-folder',
            destinationName: 'Claims 2026',
          },
        ],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details![0]!.path).toBe('outflow.0.destinationFolderId');
      await setOutflow([]);
      const ok = await admin.request('PATCH', api.inbox(ws, inbox!.id), {
        outflow: [{ on: 'document.created', kind: 'category', category: 'In Mailroom', color: 'preset9' }],
      });
      expect(ok.status).toBe(200);
      const doc = await arrive('Outflow inbox claim 7306');
      const done = await settled(doc.id);
      expect(done.outflow).toMatchObject([{ state: 'done', source: 'inbox', on: 'document.created' }]);
      expect(
        (await control().listMessages(CLAIMS)).find((m) => m.subject === doc.subject)!.categories,
      ).toEqual(['In Mailroom']);
      await admin.request('PATCH', api.inbox(ws, inbox!.id), { outflow: [] });
    },
  );
});
