import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchRequestContent,
  BatchResponseContent,
  type Client,
  type GraphError,
} from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import {
  customerAppToken,
  delegatedToken,
  fail,
  graphClient,
  IMMUTABLE,
  mailroomAppToken,
} from './mail-helpers.ts';
import { composeMime } from '../mail/mime.ts';

const C = DEMO.contoso;
const CLAIMS = C.sharedMailboxes[0];
const ALEX = C.handlers[0];
const MARKER = 'String {8d2f3c1e-5b7a-4c9d-a1e2-f3b4c5d6e7f8} Name ProcessedBy';

describe('Graph mail write endpoints, $batch and throttling (graph-client)', () => {
  let emu: Emulator;
  let app: Client;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    app = graphClient(emu, await mailroomAppToken(emu));
  });
  afterAll(() => emu.close());

  it('PATCH categories, isRead, flag and a single-value extended property; read it back with $expand and query it with $filter', async () => {
    const d = await emu.control.deliverMessage(CLAIMS, { subject: 'to tag' });
    await emu.control.deliverMessage(CLAIMS, { subject: 'other' });
    // Adding to the master list is a mailbox setting: MailboxSettings.ReadWrite, which the customer's demo app lacks.
    const denied = await fail(
      graphClient(emu, await customerAppToken(emu))
        .api(`/users/${CLAIMS}/outlook/masterCategories`)
        .post({ displayName: 'Mailroom: processed', color: 'preset4' }),
    );
    expect([denied.statusCode, denied.code]).toEqual([403, 'ErrorAccessDenied']);
    await emu.control.grantConsent(C.tenantId, DEMO.mailroomApp.clientId, {
      application: ['Mail.ReadWrite', 'Mail.Send', 'MailboxSettings.ReadWrite', 'User.Read.All'],
    });
    app = graphClient(emu, await mailroomAppToken(emu));
    const cat = (await app
      .api(`/users/${CLAIMS}/outlook/masterCategories`)
      .post({ displayName: 'Mailroom: processed', color: 'preset4' })) as { id: string; displayName: string };
    expect(cat.displayName).toBe('Mailroom: processed');
    const dup = await fail(
      app.api(`/users/${CLAIMS}/outlook/masterCategories`).post({ displayName: 'mailroom: PROCESSED' }),
    );
    expect(dup.statusCode).toBe(409);
    const cats = (await app.api(`/users/${CLAIMS}/outlook/masterCategories`).get()) as {
      value: { displayName: string }[];
    };
    expect(cats.value.map((c) => c.displayName)).toContain('Mailroom: processed');

    const patched = (await app.api(`/users/${CLAIMS}/messages/${d.id}`).patch({
      categories: ['Mailroom: processed'],
      isRead: true,
      flag: { flagStatus: 'flagged' },
      singleValueExtendedProperties: [{ id: MARKER, value: 'job-1' }],
    })) as Record<string, unknown>;
    expect(patched).toMatchObject({
      categories: ['Mailroom: processed'],
      isRead: true,
      flag: { flagStatus: 'flagged' },
    });
    const replaced = (await app.api(`/users/${CLAIMS}/messages/${d.id}`).patch({ categories: [] })) as {
      categories: string[];
      changeKey: string;
    };
    expect(replaced.categories).toEqual([]);
    expect(replaced.changeKey).not.toBe(patched.changeKey);

    const withExt = (await app
      .api(`/users/${CLAIMS}/messages/${d.id}`)
      .expand(`singleValueExtendedProperties($filter=id eq '${MARKER.replace('String', 'string')}')`)
      .get()) as { singleValueExtendedProperties: { id: string; value: string }[] };
    expect(withExt.singleValueExtendedProperties).toEqual([{ id: MARKER, value: 'job-1' }]);
    const without = (await app.api(`/users/${CLAIMS}/messages/${d.id}`).get()) as Record<string, unknown>;
    expect(without.singleValueExtendedProperties).toBeUndefined();
    const found = (await app
      .api(`/users/${CLAIMS}/messages`)
      .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${MARKER}' and ep/value eq 'JOB-1')`)
      .get()) as { value: { subject: string }[] };
    expect(found.value.map((m) => m.subject)).toEqual(['to tag']);
    const bad = await fail(app.api(`/users/${CLAIMS}/messages/${d.id}`).patch({ id: 'x' }));
    expect(bad.statusCode).toBe(400);
  });

  it('move (201, new REST id), copy, DELETE', async () => {
    const d = await emu.control.deliverMessage(CLAIMS, { subject: 'move me' });
    const moved = (await app
      .api(`/users/${CLAIMS}/messages/${d.id}/move`)
      .post({ destinationId: 'archive' })) as { id: string; parentFolderId: string };
    expect(moved.id).not.toBe(d.id);
    const copy = (await app
      .api(`/users/${CLAIMS}/messages/${moved.id}/copy`)
      .post({ destinationId: 'inbox' })) as { id: string; subject: string };
    expect(copy.subject).toBe('move me');
    await app.api(`/users/${CLAIMS}/messages/${copy.id}`).delete();
    expect((await fail(app.api(`/users/${CLAIMS}/messages/${copy.id}`).get())).code).toBe(
      'ErrorItemNotFound',
    );
    const e = await fail(app.api(`/users/${CLAIMS}/messages/${moved.id}/move`).post({}));
    expect(e.statusCode).toBe(400);
  });

  it('createForward + tag + send, forward, sendMail (JSON and MIME): tenant recipients get the mail, others land in the outbound log', async () => {
    const original = await emu.control.deliverGenerated(CLAIMS, { seed: 3, pdfs: 1, jpegs: 1 });
    const draft = (await app
      .api(`/users/${CLAIMS}/messages/${original.id}/createForward`)
      .headers(IMMUTABLE)
      .post({
        toRecipients: [
          { emailAddress: { address: ALEX } },
          { emailAddress: { address: 'adjuster@loss-adjusters.example' } },
        ],
        comment: 'Please handle.',
      })) as { id: string; subject: string; isDraft: boolean; hasAttachments: boolean };
    expect(draft).toMatchObject({ isDraft: true, hasAttachments: true });
    expect(draft.subject.startsWith('FW: ')).toBe(true);
    await app
      .api(`/users/${CLAIMS}/messages/${draft.id}`)
      .headers(IMMUTABLE)
      .patch({ singleValueExtendedProperties: [{ id: MARKER, value: 'fwd-1' }] });
    const sent = (await app
      .api(`/users/${CLAIMS}/messages/${draft.id}/send`)
      .headers(IMMUTABLE)
      .responseType('raw' as never)
      .post(null)) as Response;
    expect(sent.status).toBe(202);
    const inSent = (await app
      .api(`/users/${CLAIMS}/mailFolders/sentitems/messages`)
      .filter(`singleValueExtendedProperties/any(ep: ep/id eq '${MARKER}' and ep/value eq 'fwd-1')`)
      .headers(IMMUTABLE)
      .get()) as { value: { id: string; isDraft: boolean }[] };
    expect(inSent.value).toEqual([expect.objectContaining({ id: draft.id, isDraft: false })]);
    const alexInbox = await emu.control.listMessages(ALEX, { folder: 'inbox' });
    expect(alexInbox.map((m) => m.subject)).toContain(draft.subject);
    expect((await emu.control.outbound()).map((o) => o.to)).toContainEqual([
      'adjuster@loss-adjusters.example',
    ]);

    const fwd = (await app
      .api(`/users/${CLAIMS}/messages/${original.id}/forward`)
      .responseType('raw' as never)
      .post({ comment: 'FYI', toRecipients: [{ emailAddress: { address: C.handlers[1] } }] })) as Response;
    expect(fwd.status).toBe(202);
    expect(await fwd.text()).toBe('');
    const both = await fail(
      app.api(`/users/${CLAIMS}/messages/${original.id}/forward`).post({
        comment: 'x',
        message: { body: { contentType: 'text', content: 'y' } },
        toRecipients: [{ emailAddress: { address: ALEX } }],
      }),
    );
    expect(both.statusCode).toBe(400);

    const delegated = graphClient(emu, await delegatedToken(emu, ALEX, ['Mail.Send', 'Mail.ReadWrite']));
    await delegated.api('/me/sendMail').post({
      message: {
        subject: 'to lynne',
        body: { contentType: 'text', content: 'hi' },
        toRecipients: [{ emailAddress: { address: C.handlers[1] } }],
      },
    });
    expect((await emu.control.listMessages(C.handlers[1])).map((m) => m.subject)).toContain('to lynne');
    const mime = await composeMime({ from: ALEX, to: C.handlers[1], subject: 'mime send', text: 'hello' });
    await delegated.api('/me/sendMail').header('Content-Type', 'text/plain').post(mime.toString('base64'));
    expect((await emu.control.listMessages(C.handlers[1])).map((m) => m.subject)).toContain('mime send');
    const badMime = await fail(
      delegated.api('/me/sendMail').header('Content-Type', 'text/plain').post('%%% not base64'),
    );
    expect([badMime.statusCode, badMime.code]).toEqual([400, 'ErrorMimeContentInvalidBase64String']);
  });

  it('$batch (serial dependsOn, as the SDK builds it): a throttled inner request answered 429 with its own Retry-After, 424 for its dependant', async () => {
    const a = await emu.control.deliverMessage(CLAIMS, { subject: 'batch a' });
    const b = await emu.control.deliverMessage(CLAIMS, { subject: 'batch b' });
    const rule = await emu.control.addFault({
      path: `/messages/${b.id}$`,
      method: 'GET',
      count: 1,
      action: { kind: 'status', status: 429, retryAfterSeconds: 7 },
    });
    const content = new BatchRequestContent([
      {
        id: '1',
        request: new Request(`https://x/users/${CLAIMS}/messages/${a.id}?$select=subject`, { method: 'GET' }),
      },
      {
        id: '2',
        request: new Request(`https://x/users/${CLAIMS}/messages/${a.id}`, {
          method: 'PATCH',
          body: JSON.stringify({ isRead: true }),
          headers: { 'Content-Type': 'application/json' },
        }),
        dependsOn: ['1'],
      },
      {
        id: '3',
        request: new Request(`https://x/users/${CLAIMS}/messages/${b.id}`, { method: 'GET' }),
        dependsOn: ['2'],
      },
      {
        id: '4',
        request: new Request(`https://x/users/${CLAIMS}/messages/${b.id}`, {
          method: 'PATCH',
          body: JSON.stringify({ isRead: true }),
          headers: { 'Content-Type': 'application/json' },
        }),
        dependsOn: ['3'],
      },
    ]);
    const res = new BatchResponseContent(
      (await app.api('/$batch').post(await content.getContent())) as never,
    );
    const status = (id: string) => res.getResponseById(id)!.status;
    expect([status('1'), status('2'), status('3'), status('4')]).toEqual([200, 200, 429, 424]);
    expect(res.getResponseById('3')!.headers.get('Retry-After')).toBe('7');
    expect(((await res.getResponseById('3')!.json()) as { error: { code: string } }).error.code).toBe(
      'ApplicationThrottled',
    );
    expect(((await res.getResponseById('1')!.json()) as { subject: string }).subject).toBe('batch a');
    expect((await emu.control.faults()).requests.find((r) => r.id === rule.id)?.hits).toBe(1);
    const tooMany = await fail(
      app.api('/$batch').post({
        requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me' })),
      }),
    );
    expect(tooMany.statusCode).toBe(400);
    const dup = await fail(
      app.api('/$batch').post({
        requests: [
          { id: '1', method: 'GET', url: '/me' },
          { id: '1', method: 'GET', url: '/me' },
        ],
      }),
    );
    expect(dup.statusCode).toBe(400);
    await emu.control.clearFaults();
  });

  it('a 5th concurrent request to one mailbox is answered 429 ApplicationThrottled (MailboxConcurrency) with Retry-After; counters; switchable off', async () => {
    // Warm 5 keep-alive connections first, so that the 5 delayed requests below surely overlap.
    await emu.control.setThrottling({ enabled: false });
    await Promise.all(Array.from({ length: 5 }, () => app.api(`/users/${CLAIMS}/mailFolders`).get()));
    await emu.control.setThrottling({ enabled: true });
    await emu.control.resetThrottlingCounters();
    await emu.control.addFault({ path: '/mailFolders/inbox/messages', action: { kind: 'delay', ms: 1000 } });
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        app
          .api(`/users/${CLAIMS}/mailFolders/inbox/messages`)
          .top(1)
          .get()
          .then(
            () => 200,
            (e: GraphError) => e,
          ),
      ),
    );
    const errors = results.filter((r): r is GraphError => r !== 200);
    expect(results.filter((r) => r === 200)).toHaveLength(4);
    expect(errors).toHaveLength(1);
    expect([errors[0]!.statusCode, errors[0]!.code, errors[0]!.message]).toEqual([
      429,
      'ApplicationThrottled',
      'Application is over its MailboxConcurrency limit.',
    ]);
    expect((errors[0]!.headers as Headers).get('retry-after')).toBe('1');
    const counters = (await emu.control.throttling()).counters.find(
      (c) => c.mailboxId === emu.state.dir.findUser(CLAIMS)!.id,
    )!;
    expect(counters).toMatchObject({ throttled: 1, served: 4, maxInFlight: 4, inFlight: 0 });
    // Other mailboxes are counted separately.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        app.api(`/users/${C.sharedMailboxes[1]}/mailFolders/inbox/messages`).get(),
      ),
    );
    await emu.control.setThrottling({ enabled: false });
    const unthrottled = await Promise.all(
      Array.from({ length: 6 }, () =>
        app
          .api(`/users/${CLAIMS}/mailFolders/inbox/messages`)
          .get()
          .then(
            () => 200,
            (e: GraphError) => e.statusCode,
          ),
      ),
    );
    expect(unthrottled).toEqual([200, 200, 200, 200, 200, 200]);
    await emu.control.clearFaults();
    await emu.control.setThrottling({ enabled: true, requestsPerWindow: 3 });
    await emu.control.resetThrottlingCounters();
    const seq: (number | string)[] = [];
    for (let i = 0; i < 4; i++)
      seq.push(
        await app
          .api(`/users/${CLAIMS}/mailFolders`)
          .get()
          .then(
            () => 200,
            (e: GraphError) => e.statusCode,
          ),
      );
    expect(seq).toEqual([200, 200, 200, 429]);
    await emu.control.setThrottling({ requestsPerWindow: 10_000 });
  });
});
