import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
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
import { WebhookReceiver } from '../testing/webhook.ts';

const C = DEMO.contoso;
const CLAIMS = C.sharedMailboxes[0];
const ALEX = C.handlers[0];
/** Polls a condition (the emulator delivers asynchronously); never asserts on time. */
async function until(pred: () => Promise<boolean>, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met');
}
const inDays = (emu: Emulator, d: number) => new Date(emu.state.clock.now() + d * 86_400_000).toISOString();

describe('change notifications: subscriptions against a real local HTTPS endpoint (graph-client)', () => {
  let emu: Emulator;
  let app: Client;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    app = graphClient(emu, await mailroomAppToken(emu));
    hook = await new WebhookReceiver().start(emu.issueServerCertificate());
    await emu.control.setNotificationSettings({ retryBaseMs: 50, retryMaxDelayMs: 200 });
  });
  afterAll(async () => {
    await hook.close();
    await emu.close();
  });

  it('a subscription’s life: validation of both URLs, batched notifications with clientState and immutable ids, retries, renewal, lifecycle events, delete', async () => {
    const sub = (await app
      .api('/subscriptions')
      .headers(IMMUTABLE)
      .post({
        changeType: 'created,updated,deleted',
        notificationUrl: `${hook.url}/notify?connector=42`,
        lifecycleNotificationUrl: `${hook.url}/lifecycle`,
        resource: `users/${CLAIMS}/mailFolders('inbox')/messages`,
        expirationDateTime: inDays(emu, 2),
        clientState: 'secret-state',
      })) as {
      id: string;
      expirationDateTime: string;
      applicationId: string;
      changeType: string;
      resource: string;
    };
    expect(sub).toMatchObject({
      applicationId: DEMO.mailroomApp.clientId,
      changeType: 'created,updated,deleted',
      resource: `users/${CLAIMS}/mailFolders('inbox')/messages`,
    });
    const validations = hook.posts.filter((p) => p.query.has('validationToken'));
    expect(validations.map((p) => p.path)).toEqual(['/notify', '/lifecycle']);
    expect(validations[0]!.query.get('connector')).toBe('42');

    // One change → one notification with Graph's payload.
    const d = await emu.control.deliverMessage(CLAIMS, { subject: 'hello' });
    await hook.waitFor(() => hook.items('/notify').length >= 1);
    const n = hook.items('/notify')[0]!;
    const uid = emu.state.dir.findUser(CLAIMS)!.id;
    expect(n).toMatchObject({
      subscriptionId: sub.id,
      changeType: 'created',
      clientState: 'secret-state',
      tenantId: C.tenantId,
      resource: `Users/${uid}/Messages/${d.immutableId}`,
      resourceData: {
        '@odata.type': '#Microsoft.Graph.Message',
        '@odata.id': `Users/${uid}/Messages/${d.immutableId}`,
        id: d.immutableId,
      },
    });
    expect(
      hook.posts.find((p) => p.path === '/notify' && !p.query.has('validationToken'))!.query.get('connector'),
    ).toBe('42');

    // Several changes at once → one POST with several items.
    const box = emu.state.mail.mailbox(emu.state.dir.findUser(CLAIMS)!);
    const inbox = emu.state.mail.wellKnown(box, 'inbox')!;
    const postsBefore = hook.posts.length;
    for (let i = 0; i < 3; i++) emu.state.mail.addMessage(box, inbox, { subject: `batch ${i}` });
    await hook.waitFor(() => hook.items('/notify').length >= 4);
    expect(hook.posts.length - postsBefore).toBe(1);

    // A failing endpoint (503 twice) is retried until it accepts.
    let failures = 2;
    hook.behaviour = ({ path }) => (path === '/notify' && failures-- > 0 ? { status: 503 } : undefined);
    const since = (await emu.control.notificationLog()).at(-1)!.seq;
    await emu.control.updateMessage(CLAIMS, d.id, { isRead: true });
    await until(async () =>
      (await emu.control.notificationLog(since)).some((r) => r.kind === 'notification' && r.delivered),
    );
    const attempts = (await emu.control.notificationLog(since)).filter((r) => r.kind === 'notification');
    expect(attempts.map((r) => [r.attempt, r.result])).toEqual([
      [1, 503],
      [2, 503],
      [3, 202],
    ]);
    hook.behaviour = undefined;

    // Renewal (under the 10,080-minute reading, so that the lifecycle below has five days to play);
    // over that maximum → 400.
    await emu.control.setNotificationSettings({ maxMessageLifetimeMinutes: 10_080 });
    const renewed = (await app
      .api(`/subscriptions/${sub.id}`)
      .patch({ expirationDateTime: inDays(emu, 5) })) as { expirationDateTime: string };
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    const tooLong = await fail(
      app.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inDays(emu, 8) }),
    );
    expect([tooLong.statusCode, tooLong.message]).toEqual([
      400,
      'Subscription expiration can only be 10080 minutes in the future.',
    ]);
    await emu.control.setNotificationSettings({ maxMessageLifetimeMinutes: 4230 });
    expect(
      ((await app.api('/subscriptions').get()) as { value: { id: string }[] }).value.map((s) => s.id),
    ).toContain(sub.id);

    // Lifecycle: missed (control API), reauthorizationRequired near expiry, then reauthorize.
    await emu.control.sendLifecycleEvent(sub.id, 'missed');
    await emu.control.advanceClock(5 * 86_400 - 300);
    app = graphClient(emu, await mailroomAppToken(emu)); // the old access token expired meanwhile
    await hook.waitFor(() => hook.items('/lifecycle').length >= 2);
    expect(
      hook
        .items('/lifecycle')
        .map((i) => i.lifecycleEvent)
        .sort(),
    ).toEqual(['missed', 'reauthorizationRequired']);
    expect(hook.items('/lifecycle')[0]).toMatchObject({
      subscriptionId: sub.id,
      clientState: 'secret-state',
      tenantId: C.tenantId,
    });
    const re = (await app
      .api(`/subscriptions/${sub.id}/reauthorize`)
      .responseType('raw' as never)
      .post(null)) as Response;
    expect(re.status).toBe(204);

    // Delete → 204, no more notifications; GET → 404.
    await app.api(`/subscriptions/${sub.id}`).delete();
    expect((await fail(app.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
  });

  it('message subscriptions live at most 4,230 minutes by default: a few seconds over is refused, not clamped; 10,080 by setting', async () => {
    expect((await emu.control.getNotificationSettings()).maxMessageLifetimeMinutes).toBe(4230);
    const body = (minutes: number) => ({
      changeType: 'created',
      notificationUrl: `${hook.url}/lifetime`,
      resource: `users/${CLAIMS}/messages`,
      expirationDateTime: new Date(emu.state.clock.now() + minutes * 60_000).toISOString(),
    });
    const over = await fail(app.api('/subscriptions').post(body(4230 + 5 / 60)));
    expect([over.statusCode, over.code, over.message]).toEqual([
      400,
      'ErrorInvalidParameter',
      'Subscription expiration can only be 4230 minutes in the future.',
    ]);
    const ok = (await app.api('/subscriptions').post(body(4229))) as { id: string };
    const renewOver = await fail(
      app.api(`/subscriptions/${ok.id}`).patch({ expirationDateTime: body(4231).expirationDateTime }),
    );
    expect([renewOver.statusCode, renewOver.message]).toEqual([
      400,
      'Subscription expiration can only be 4230 minutes in the future.',
    ]);
    // The other reading of Microsoft's docs, by setting.
    await emu.control.setNotificationSettings({ maxMessageLifetimeMinutes: 10_080 });
    try {
      const long = (await app.api('/subscriptions').post(body(10_079))) as { id: string };
      await app.api(`/subscriptions/${long.id}`).delete();
      expect((await fail(app.api('/subscriptions').post(body(10_081)))).statusCode).toBe(400);
    } finally {
      await emu.control.setNotificationSettings({ maxMessageLifetimeMinutes: 4230 });
    }
    await app.api(`/subscriptions/${ok.id}`).delete();
  });

  it('validation failures, lifetime limit, access policy (ExtensionError), delegated: own mailbox removed on password reset, shared mailbox silent', async () => {
    const body = (url: string, resource = `users/${CLAIMS}/messages`) => ({
      changeType: 'created',
      notificationUrl: url,
      resource,
      expirationDateTime: inDays(emu, 1),
      clientState: 'x',
    });
    hook.behaviour = ({ path }) =>
      path === '/bad-echo'
        ? { status: 200, body: 'nope' }
        : path === '/down'
          ? { status: 500 }
          : path === '/slow'
            ? { status: 200, delayMs: 600 }
            : undefined;
    const e1 = await fail(app.api('/subscriptions').post(body(`${hook.url}/bad-echo`)));
    expect([e1.statusCode, e1.code, e1.message]).toEqual([
      400,
      'ValidationError',
      'Subscription validation request failed. Response must exactly match validationToken query parameter.',
    ]);
    const e2 = await fail(app.api('/subscriptions').post(body(`${hook.url}/down`)));
    expect([e2.statusCode, e2.code]).toEqual([400, 'ValidationError']);
    await emu.control.setNotificationSettings({ validationTimeoutMs: 200 });
    const e3 = await fail(app.api('/subscriptions').post(body(`${hook.url}/slow`)));
    expect([e3.statusCode, e3.code, e3.message]).toEqual([
      400,
      'InvalidRequest',
      'Subscription validation request timed out.',
    ]);
    await emu.control.setNotificationSettings({ validationTimeoutMs: 10_000 });
    hook.behaviour = undefined;
    const e4 = await fail(
      app.api('/subscriptions').post({ ...body(`${hook.url}/n`), expirationDateTime: inDays(emu, 7.1) }),
    );
    expect(e4.statusCode).toBe(400);
    const e5 = await fail(app.api('/subscriptions').post(body('http://localhost:1/n')));
    expect(e5.statusCode).toBe(400);

    const customer = graphClient(emu, await customerAppToken(emu));
    const e6 = await fail(
      customer.api('/subscriptions').post(body(`${hook.url}/n`, `users/${ALEX}/messages`)),
    );
    expect([e6.statusCode, e6.code, e6.message]).toEqual([
      403,
      'ExtensionError',
      'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access to OData is disabled.]',
    ]);

    // Alex: one subscription on his own inbox, one on the shared claims@ (FullAccess + Mail.Read.Shared).
    const alex = graphClient(emu, await delegatedToken(emu, ALEX, ['Mail.Read', 'Mail.Read.Shared']));
    const own = (await alex.api('/subscriptions').post({
      ...body(`${hook.url}/alex`, "me/mailFolders('inbox')/messages"),
      lifecycleNotificationUrl: `${hook.url}/alex-lifecycle`,
    })) as { id: string };
    const shared = (await alex
      .api('/subscriptions')
      .post(body(`${hook.url}/alex-shared`, `users/${CLAIMS}/messages`))) as { id: string };
    const appSub = (await app.api('/subscriptions').post(body(`${hook.url}/app`))) as { id: string };
    await emu.control.deliverMessage(ALEX, { subject: 'for alex' });
    await emu.control.deliverMessage(CLAIMS, { subject: 'for claims' });
    await hook.waitFor(() => hook.items('/alex').length >= 1 && hook.items('/app').length >= 1);
    expect(hook.items('/alex-shared')).toEqual([]); // validated, but silent
    expect(
      hook.posts.filter((p) => p.path === '/alex-shared' && p.query.has('validationToken')),
    ).toHaveLength(1);
    expect((await emu.control.subscriptions()).find((s) => s.id === shared.id)?.silent).toBe(true);

    await emu.control.resetPassword(ALEX, 'New-Password-1!');
    await hook.waitFor(() => hook.items('/alex-lifecycle').length >= 1);
    expect(hook.items('/alex-lifecycle')[0]).toMatchObject({
      subscriptionId: own.id,
      lifecycleEvent: 'subscriptionRemoved',
    });
    expect((await emu.control.subscriptions()).map((s) => s.id)).not.toContain(own.id);
    await app.api(`/subscriptions/${appSub.id}`).delete();
  });

  it('notification faults: duplicated, dropped, delayed, and a message moved by an "Outlook rule" before the fetch (REST id → 404, immutable id still works)', async () => {
    const rest = (await app.api('/subscriptions').post({
      changeType: 'created',
      notificationUrl: `${hook.url}/rest`,
      resource: `users/${C.sharedMailboxes[1]}/mailFolders/inbox/messages`,
      expirationDateTime: inDays(emu, 1),
      clientState: 's',
    })) as { id: string };
    await emu.control.addNotificationFault({ kind: 'duplicate', count: 1 });
    const a = await emu.control.deliverMessage(C.sharedMailboxes[1], { subject: 'dup' });
    await hook.waitFor(() => hook.items('/rest').length >= 2);
    expect(hook.items('/rest').map((i) => (i.resourceData as { id: string }).id)).toEqual([a.id, a.id]);
    await emu.control.clearFaults();

    await emu.control.addNotificationFault({ kind: 'drop', count: 1 });
    await emu.control.deliverMessage(C.sharedMailboxes[1], { subject: 'dropped' });
    const b = await emu.control.deliverMessage(C.sharedMailboxes[1], { subject: 'kept' });
    await hook.waitFor(() => hook.items('/rest').length >= 3);
    expect((hook.items('/rest')[2]!.resourceData as { id: string }).id).toBe(b.id);
    await emu.control.clearFaults();

    await emu.control.addNotificationFault({ kind: 'delay', delayMs: 100, count: 1 });
    const late = await emu.control.deliverMessage(C.sharedMailboxes[1], { subject: 'late' });
    await hook.waitFor(() => hook.items('/rest').length >= 4);
    expect((hook.items('/rest')[3]!.resourceData as { id: string }).id).toBe(late.id);
    await emu.control.clearFaults();

    await emu.control.addNotificationFault({ kind: 'moveAfterNotify', count: 1, destination: 'archive' });
    const c = await emu.control.deliverMessage(C.sharedMailboxes[1], { subject: 'ruled' });
    await hook.waitFor(() => hook.items('/rest').length >= 5);
    const notified = (hook.items('/rest')[4]!.resourceData as { id: string }).id;
    expect(notified).toBe(c.id);
    await until(
      async () => (await emu.control.listMessages(C.sharedMailboxes[1], { folder: 'archive' })).length === 1,
    );
    const gone = await fail(app.api(`/users/${C.sharedMailboxes[1]}/messages/${notified}`).get());
    expect(gone.code).toBe('ErrorItemNotFound');
    const byImmutable = (await app.api(`/users/${C.sharedMailboxes[1]}/messages/${c.immutableId}`).get()) as {
      subject: string;
    };
    expect(byImmutable.subject).toBe('ruled');
    await app.api(`/subscriptions/${rest.id}`).delete();
  });

  it('a slow endpoint (over the delivery timeout) is retried, so it sees the notification twice; reordered notifications arrive out of order', async () => {
    const PROD = C.sharedMailboxes[1];
    const sub = (await app.api('/subscriptions').post({
      changeType: 'created',
      notificationUrl: `${hook.url}/slow-notify`,
      resource: `users/${PROD}/messages`,
      expirationDateTime: inDays(emu, 1),
      clientState: 's',
    })) as { id: string };
    await emu.control.setNotificationSettings({ deliveryTimeoutMs: 150 });
    let slow = 1;
    hook.behaviour = ({ path, query }) =>
      path === '/slow-notify' && !query.has('validationToken') && slow-- > 0
        ? { status: 202, delayMs: 400 }
        : undefined;
    const since = (await emu.control.notificationLog()).at(-1)?.seq ?? 0;
    const m = await emu.control.deliverMessage(PROD, { subject: 'slow' });
    await hook.waitFor(() => hook.items('/slow-notify').length >= 2);
    expect(hook.items('/slow-notify').map((i) => (i.resourceData as { id: string }).id)).toEqual([
      m.id,
      m.id,
    ]);
    const log = (await emu.control.notificationLog(since)).filter((r) => r.kind === 'notification');
    expect(log.map((r) => r.result)).toEqual(['timeout', 202]);
    hook.behaviour = undefined;
    await emu.control.setNotificationSettings({ deliveryTimeoutMs: 10_000 });

    await emu.control.addNotificationFault({ kind: 'reorder', count: 1 });
    const first = await emu.control.deliverMessage(PROD, { subject: 'first' });
    const second = await emu.control.deliverMessage(PROD, { subject: 'second' });
    await hook.waitFor(() => hook.items('/slow-notify').length >= 4);
    expect(
      hook
        .items('/slow-notify')
        .slice(2)
        .map((i) => (i.resourceData as { id: string }).id),
    ).toEqual([second.id, first.id]);
    await emu.control.clearFaults();
    await app.api(`/subscriptions/${sub.id}`).delete();
  });

  it('a bulk change arrives only as a "missed" lifecycle event (when enabled); an app that loses access to the mailbox gets reauthorizationRequired and no more notifications', async () => {
    const PROD = C.sharedMailboxes[1];
    const customer = graphClient(emu, await customerAppToken(emu));
    const sub = (await customer.api('/subscriptions').post({
      changeType: 'created',
      notificationUrl: `${hook.url}/cust`,
      lifecycleNotificationUrl: `${hook.url}/cust-lifecycle`,
      resource: `users/${PROD}/mailFolders/inbox/messages`,
      expirationDateTime: inDays(emu, 1),
      clientState: 'c',
    })) as { id: string };
    await emu.control.setNotificationSettings({ bulkMissedThreshold: 5 });
    const box = emu.state.mail.mailbox(emu.state.dir.findUser(PROD)!);
    for (let i = 0; i < 10; i++)
      emu.state.mail.addMessage(box, emu.state.mail.wellKnown(box, 'inbox')!, { subject: `bulk ${i}` });
    await hook.waitFor(() => hook.items('/cust-lifecycle').length >= 1);
    expect(hook.items('/cust-lifecycle').map((i) => i.lifecycleEvent)).toEqual(['missed']);
    expect(hook.items('/cust')).toEqual([]);
    await emu.control.setNotificationSettings({ bulkMissedThreshold: 0 });

    // The access policy's group loses production@: the app may no longer read it.
    await emu.control.removeGroupMember(C.accessPolicyGroup, PROD);
    await hook.waitFor(() => hook.items('/cust-lifecycle').length >= 2);
    expect(hook.items('/cust-lifecycle')[1]).toMatchObject({
      subscriptionId: sub.id,
      lifecycleEvent: 'reauthorizationRequired',
    });
    await emu.control.deliverMessage(PROD, { subject: 'unseen' });
    await emu.control.addGroupMember(C.accessPolicyGroup, PROD);
    await until(async () => !(await emu.control.subscriptions()).find((s) => s.id === sub.id)?.accessLost);
    const seen = await emu.control.deliverMessage(PROD, { subject: 'seen again' });
    await hook.waitFor(() => hook.items('/cust').length >= 1);
    expect(hook.items('/cust').map((i) => (i.resourceData as { id: string }).id)).toEqual([seen.id]);

    // The per-mailbox limit (1,000 on Microsoft; lowered here) → 403 ExtensionError.
    await emu.control.setNotificationSettings({ maxPerMailbox: 1 });
    const full = await fail(
      app.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `${hook.url}/n`,
        resource: `users/${PROD}/messages`,
        expirationDateTime: inDays(emu, 1),
      }),
    );
    expect([full.statusCode, full.code]).toEqual([403, 'ExtensionError']);
    await emu.control.setNotificationSettings({ maxPerMailbox: 1000 });
    await customer.api(`/subscriptions/${sub.id}`).delete();
  });

  it('a local dev server on http:// receives notifications when the emulator is started with notifications.allowHttp (and survives reset)', async () => {
    const { createServer } = await import('node:http');
    const got: string[] = [];
    const server = createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (token !== null) res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        else {
          got.push(body);
          res.writeHead(202).end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const dev = await createEmulator({ demoMail: false, notifications: { allowHttp: true } });
    try {
      await dev.control.reset();
      const client = graphClient(dev, await mailroomAppToken(dev));
      await client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: `http://localhost:${port}/api/webhooks/graph`,
        resource: `users/${CLAIMS}/messages`,
        expirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
        clientState: 'dev',
      });
      const d = await dev.control.deliverMessage(CLAIMS, { subject: 'to the dev server' });
      await until(async () => got.length > 0);
      expect(JSON.parse(got[0]!).value[0].resourceData.id).toBe(d.id);
    } finally {
      await dev.close();
      server.close();
    }
  });
});
