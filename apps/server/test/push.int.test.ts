import { api, type FolderStatus, type MailboxList } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphSubscriptions, monitoredFolders } from '../src/db/schema/index.ts';
import { SubscriptionClient } from '../src/microsoft/subscriptions.ts';
import pino from 'pino';
import type { TokenBroker } from '../src/connectors/token-broker.ts';
import {
  LIFECYCLE_PATH,
  LIFECYCLE_PRIORITY,
  NOTIFICATION_PATH,
  PushService,
} from '../src/sync/push-service.ts';
import { connectDelegated, connectedOwnApp, newConnector, waitFor } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, documentCount, monitor, until } from './sync-helpers.ts';

// Reconciliation is far away (1 h): whatever arrives within the test arrived by push.
let app: TestApp;
let admin: Client;
let ws: string;
let connectorId: string;
let folderId: string;

const sub = async (id = folderId) =>
  (
    await app.server.database.db.select().from(graphSubscriptions).where(eq(graphSubscriptions.folderId, id))
  )[0];
const control = () => app.server.sandbox!.control;
const folderStatus = async (connector: string, id: string): Promise<FolderStatus> =>
  (await admin.get<MailboxList>(api.mailboxes(ws, connector))).body.items
    .flatMap((m) => m.folders)
    .find((f) => f.id === id)!;
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.server.http!.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

beforeAll(async () => {
  // No hot-folder polling either (decision 0021): it would find a lost notification's email by itself.
  app = await startTestApp({ SYNC_RECONCILE_SECONDS: '3600', SYNC_HOT_MINUTES: '0' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await connectedOwnApp(admin, ws, 'Claims');
  ({ folderId } = await monitor(app, {
    workspaceId: ws,
    connectorId,
    address: CLAIMS,
    folder: 'Inbox',
    processFrom: new Date(),
  }));
  // The first round (as "Sync now" or reconciliation would run it) sets up push.
  await app.server.jobs.send('folder.sync', { folderId }, { singletonKey: folderId });
  await until('subscription active', async () => (await sub())?.status === 'active');
}, 120_000);
afterAll(async () => {
  await app?.close();
});

describe('push delivery', () => {
  it('creates the subscription Microsoft-style: immutable ids, created only, clientState, lifecycle URL, ~3 days (4,230 minutes)', async () => {
    const s = (await sub())!;
    const [remote] = (await control().subscriptions()).filter((x) => x.id === s.graphId);
    expect(remote).toBeDefined();
    expect(remote!.immutable).toBe(true);
    expect(remote!.changeTypes).toEqual(['created']);
    expect(remote!.notificationUrl).toBe(`${app.server.url}${NOTIFICATION_PATH}`);
    expect(remote!.lifecycleNotificationUrl).toBe(`${app.server.url}${LIFECYCLE_PATH}`);
    expect(remote!.clientState).toMatch(/^[\w-]{43}$/);
    // Only a hash is kept here.
    expect(s.clientStateHash).not.toBe(remote!.clientState);
    // The emulator plays Microsoft's strict reading (4,230 minutes): the 10,080 asked first was refused.
    const left = s.expiresAt!.getTime() - Date.now();
    expect(left).toBeGreaterThan((4230 - 15) * 60_000);
    expect(left).toBeLessThanOrEqual(4230 * 60_000);
    const f = await folderStatus(connectorId, folderId);
    expect(f.delivery.mode).toBe('push');
    expect(f.delivery.subscriptionExpiresAt).toBe(s.expiresAt!.toISOString());
  });

  it(
    'a notification wakes a round that creates the document, without reconciliation',
    { timeout: 60_000 },
    async () => {
      const before = await documentCount(app, folderId);
      await control().deliverGenerated(CLAIMS, { subject: 'Pushed claim', pdfs: 0, jpegs: 0 });
      await until(
        'document created by push',
        async () => (await documentCount(app, folderId)) === before + 1,
        20_000,
      );
      const log = await control().notificationLog();
      const graphId = (await sub())!.graphId!;
      expect(
        log.some((r) => r.kind === 'notification' && r.delivered && r.subscriptionIds.includes(graphId)),
      ).toBe(true);
      await until('last notification shown', async () => (await sub())!.lastNotificationAt !== null);
    },
  );

  it('answers the validation handshake with the token as text/plain', async () => {
    const token =
      'Validation: Testing client application reachability for subscription Request-Id: 1234 <b>&amp;';
    const r = await app.server.http!.inject({
      method: 'POST',
      url: `${NOTIFICATION_PATH}?validationToken=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'text/plain' },
      payload: '',
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toBe(token);
  });

  it('forged, unknown, oversized and malformed notifications change nothing (and forged or unknown ones are still acknowledged)', async () => {
    const s = (await sub())!;
    const queued = async () =>
      (await app.server.jobs.boss.findJobs('folder.sync', { key: folderId })).filter(
        (j) => j.state === 'created',
      ).length;
    const jobsBefore = await queued();
    const item = {
      subscriptionId: s.graphId,
      changeType: 'created',
      resource: 'Users/x/Messages/y',
      clientState: 'not-the-state',
      tenantId: DEMO.contoso.tenantId,
    };
    // 202 all the same: Microsoft would retry anything else (a 403 too) for 4 hours.
    const wrong = await post(NOTIFICATION_PATH, { value: [item] });
    expect(wrong.statusCode).toBe(202);
    const unknown = await post(NOTIFICATION_PATH, {
      value: [{ ...item, subscriptionId: '00000000-0000-0000-0000-000000000000' }],
    });
    expect(unknown.statusCode).toBe(202);
    const missing = await post(NOTIFICATION_PATH, { value: [{ ...item, clientState: undefined }] });
    expect(missing.statusCode).toBe(202);
    const big = await post(NOTIFICATION_PATH, { value: [{ ...item, pad: 'x'.repeat(600 * 1024) }] });
    expect(big.statusCode).toBe(413);
    expect((await post(NOTIFICATION_PATH, '{"value": [')).statusCode).toBe(400);
    expect((await post(NOTIFICATION_PATH, { value: 'nope' })).statusCode).toBe(400);
    // No session, no CSRF token needed — and none of these woke the folder.
    expect(await queued()).toBe(jobsBefore);
    const after = (await sub())!;
    expect(after.rejected).toBe(s.rejected + 2);
    expect(after.lastNotificationAt?.getTime()).toBe(s.lastNotificationAt?.getTime());
    expect((await folderStatus(connectorId, folderId)).delivery.rejectedNotifications).toBe(after.rejected);
  });

  it(
    'a subscription Mailroom no longer knows is acknowledged once, not retried by Microsoft for hours',
    { timeout: 60_000 },
    async () => {
      const token = await app.server.connectors.broker.graphToken(connectorId);
      const user = await control().getUser(CLAIMS);
      const client = new SubscriptionClient(app.server.mail);
      // A subscription to Mailroom's URL that Mailroom has no row for (deleted on our side, say).
      const stray = await client.create(
        token,
        user.id,
        'inbox',
        {
          notificationUrl: `${app.server.url}${NOTIFICATION_PATH}`,
          lifecycleNotificationUrl: `${app.server.url}${LIFECYCLE_PATH}`,
          clientState: 'y'.repeat(43),
        },
        { tenant: DEMO.contoso.tenantId, now: new Date() },
      );
      try {
        const since = (await control().notificationLog()).at(-1)?.seq ?? 0;
        await control().deliverMessage(CLAIMS, { subject: 'to a stray subscription' });
        const strays = async () =>
          (await control().notificationLog(since)).filter(
            (r) => r.kind === 'notification' && r.subscriptionIds.includes(stray.id),
          );
        await until('the stray notification answered', async () => (await strays()).length > 0);
        // Retries would come after 1 s; wait past that.
        await new Promise((r) => setTimeout(r, 2500));
        expect((await strays()).map((r) => [r.attempt, r.result, r.delivered])).toEqual([[1, 202, true]]);
      } finally {
        await client.remove(token, user.id, stray.id);
      }
    },
  );

  it('renews a subscription half-way through its lifetime (the sweep), keeping its id and the lifetime learnt', async () => {
    const s = (await sub())!;
    const lifetime = 4220 * 60_000;
    const since = await control().requests({ area: 'graph' });
    // Half-way not reached: the sweep leaves it alone.
    await app.server.database.db
      .update(graphSubscriptions)
      .set({
        createdAt: new Date(Date.now() - lifetime * 0.4),
        expiresAt: new Date(Date.now() + lifetime * 0.6),
      })
      .where(eq(graphSubscriptions.id, s.id));
    expect(await app.server.push.sweep()).toBe(0);
    // Past half-way (35 hours left of 70): renewed.
    await app.server.database.db
      .update(graphSubscriptions)
      .set({
        createdAt: new Date(Date.now() - lifetime * 0.5),
        expiresAt: new Date(Date.now() + lifetime * 0.5),
      })
      .where(eq(graphSubscriptions.id, s.id));
    expect(await app.server.push.sweep()).toBe(1);
    await until('renewed', async () => (await sub())!.renewedAt !== null);
    const renewed = (await sub())!;
    expect(renewed.graphId).toBe(s.graphId);
    expect(renewed.expiresAt!.getTime() - Date.now()).toBeGreaterThan((4230 - 15) * 60_000);
    const [remote] = (await control().subscriptions()).filter((x) => x.id === s.graphId);
    expect(Date.parse(remote!.expirationDateTime)).toBe(renewed.expiresAt!.getTime());
    // The tenant's lifetime was learnt at creation: the renewal was not refused first.
    const patches = (await control().requests({ area: 'graph', since: since.at(-1)?.seq ?? 0 })).filter(
      (r) => r.method === 'PATCH' && r.path.startsWith('/v1.0/subscriptions/'),
    );
    expect(patches.map((r) => r.status)).toEqual([200]);
  });

  it(
    'asks for 10,080 minutes, and on a refusal of the expiration asks for what Microsoft named, once per tenant',
    { timeout: 60_000 },
    async () => {
      const mail = app.server.mail;
      const token = await app.server.connectors.broker.graphToken(connectorId);
      const user = await control().getUser(CLAIMS);
      const client = new SubscriptionClient(mail);
      const opts = {
        notificationUrl: `${app.server.url}${NOTIFICATION_PATH}`,
        lifecycleNotificationUrl: `${app.server.url}${LIFECYCLE_PATH}`,
        clientState: 'x'.repeat(43),
      };
      const tenant = DEMO.contoso.tenantId;
      const posts = async (since: number) =>
        (await control().requests({ area: 'graph', since }))
          .filter((r) => r.method === 'POST' && r.path === '/v1.0/subscriptions')
          .map((r) => r.status);
      const mark = async () => (await control().requests({ area: 'graph' })).at(-1)?.seq ?? 0;
      const created: string[] = [];
      try {
        // Strict Microsoft (4,230): refused once, then 4,220 — and the tenant remembers it.
        let seq = await mark();
        const first = await client.create(token, user.id, 'inbox', opts, { tenant, now: new Date() });
        created.push(first.id);
        expect(await posts(seq)).toEqual([400, 201]);
        expect(client.lifetimeMinutes(tenant)).toBe(4220);
        seq = await mark();
        created.push((await client.create(token, user.id, 'inbox', opts, { tenant, now: new Date() })).id);
        expect(await posts(seq)).toEqual([201]);
        // Another tenant starts from the longest again; where Microsoft allows 10,080 it gets it.
        await control().setNotificationSettings({ maxMessageLifetimeMinutes: 10_080 });
        seq = await mark();
        const long = await client.create(token, user.id, 'inbox', opts, {
          tenant: 'another',
          now: new Date(),
        });
        created.push(long.id);
        expect(await posts(seq)).toEqual([201]);
        expect(Date.parse(long.expirationDateTime) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
      } finally {
        await control().setNotificationSettings({ maxMessageLifetimeMinutes: 4230 });
        for (const id of created) await client.remove(token, user.id, id);
      }
    },
  );

  it(
    'recreates a subscription that answers 404 at renewal, then runs a delta round',
    { timeout: 60_000 },
    async () => {
      const s = (await sub())!;
      const token = await app.server.connectors.broker.graphToken(connectorId);
      const user = await control().getUser(CLAIMS);
      await new SubscriptionClient(app.server.mail).remove(token, user.id, s.graphId!);
      // Mail that arrives while there is no subscription: only the round after recreation can find it.
      const before = await documentCount(app, folderId);
      await control().deliverGenerated(CLAIMS, { subject: 'Arrived unsubscribed', pdfs: 0, jpegs: 0 });
      await app.server.database.db
        .update(graphSubscriptions)
        // Created three days ago, an hour left: due for renewal.
        .set({
          createdAt: new Date(Date.now() - 3 * 86_400_000),
          renewedAt: null,
          expiresAt: new Date(Date.now() + 3600_000),
        })
        .where(eq(graphSubscriptions.id, s.id));
      await app.server.push.sweep();
      await until('recreated', async () => {
        const now = await sub();
        return now?.status === 'active' && now.graphId !== s.graphId;
      });
      await until(
        'the delta round after recreation found the mail',
        async () => (await documentCount(app, folderId)) === before + 1,
        20_000,
      );
    },
  );

  it(
    'lifecycle: missed runs a round; subscriptionRemoved recreates; reauthorizationRequired renews',
    { timeout: 90_000 },
    async () => {
      // Notifications get lost: only `missed` tells us to look.
      const fault = await control().addNotificationFault({ kind: 'drop' });
      const before = await documentCount(app, folderId);
      await control().deliverGenerated(CLAIMS, { subject: 'Notification lost', pdfs: 0, jpegs: 0 });
      await new Promise((r) => setTimeout(r, 1500));
      expect(await documentCount(app, folderId)).toBe(before);
      await control().removeFault(fault.id);
      let s = (await sub())!;
      expect((await control().sendLifecycleEvent(s.graphId!, 'missed')).sent).toBe(true);
      await until('missed → round', async () => (await documentCount(app, folderId)) === before + 1, 20_000);

      await control().sendLifecycleEvent(s.graphId!, 'reauthorizationRequired');
      await until('reauthorized', async () => {
        const now = await sub();
        return (
          now?.status === 'active' &&
          now.renewedAt !== null &&
          now.renewedAt.getTime() > (s.renewedAt?.getTime() ?? 0)
        );
      });
      expect((await sub())!.graphId).toBe(s.graphId);

      s = (await sub())!;
      await control().sendLifecycleEvent(s.graphId!, 'subscriptionRemoved');
      await until('recreated after subscriptionRemoved', async () => {
        const now = await sub();
        return now?.status === 'active' && now.graphId !== s.graphId;
      });
      // And push works with the new one.
      const n = await documentCount(app, folderId);
      await control().deliverGenerated(CLAIMS, { subject: 'After recreation', pdfs: 0, jpegs: 0 });
      await until(
        'pushed through the new subscription',
        async () => (await documentCount(app, folderId)) === n + 1,
        20_000,
      );
    },
  );

  it('lifecycle storm: renewals are queued ahead of creations, and only `missed` queues a round at once', async () => {
    const s = (await sub())!;
    const [remote] = (await control().subscriptions()).filter((x) => x.id === s.graphId);
    const sent: { name: string; items: { payload: object; priority?: number }[] }[] = [];
    // The app's database, with the job queue recorded instead of run: what each event asks for.
    const push = new PushService({
      db: app.server.database.db,
      broker: {} as TokenBroker,
      client: {} as SubscriptionClient,
      logger: pino({ level: 'silent' }),
      enabled: true,
      baseUrl: () => app.server.url!,
      send: async (name, payload) => void sent.push({ name, items: [{ payload }] }),
      sendMany: async (name, items) => void sent.push({ name, items }),
      retryAfterFailureMs: 60_000,
    });
    const event = (lifecycleEvent: string) => [
      { subscriptionId: s.graphId, clientState: remote!.clientState, lifecycleEvent },
    ];
    const queued = (name: string) => sent.filter((x) => x.name === name).flatMap((x) => x.items);

    expect((await push.acceptLifecycle(event('reauthorizationRequired'))).accepted).toBe(1);
    expect(queued('subscription.ensure')).toEqual([
      { payload: { folderId }, singletonKey: folderId, priority: LIFECYCLE_PRIORITY },
    ]);
    // The round comes after the renewal (ensure), not twice.
    expect(queued('folder.sync')).toEqual([]);
    expect((await sub())!.status).toBe('reauthorize');

    sent.length = 0;
    await push.acceptLifecycle(event('missed'));
    expect(queued('subscription.ensure')).toEqual([]);
    expect(queued('folder.sync')).toEqual([{ payload: { folderId }, singletonKey: folderId }]);

    // Put the row back as the real service left it (the next test renews from here).
    await app.server.database.db
      .update(graphSubscriptions)
      .set({ status: 'active' })
      .where(eq(graphSubscriptions.id, s.id));
  });

  it('a fetch of ensures queues the rounds that follow in one send; a failed send fails only the folders that needed one', async () => {
    const s = (await sub())!;
    const sent: { name: string; items: { payload: object }[] }[] = [];
    let queueDown = false;
    // The app's database, Graph and tokens, with the job queue recorded instead of run.
    const push = new PushService({
      db: app.server.database.db,
      broker: app.server.connectors.broker,
      client: new SubscriptionClient(app.server.mail),
      logger: pino({ level: 'silent' }),
      enabled: true,
      baseUrl: () => app.server.url!,
      send: async (name, payload) => void sent.push({ name, items: [{ payload }] }),
      sendMany: async (name, items) => {
        if (queueDown) throw new Error('job queue unavailable');
        sent.push({ name, items });
      },
      retryAfterFailureMs: 60_000,
    });
    const reauthorize = () =>
      app.server.database.db
        .update(graphSubscriptions)
        .set({ status: 'reauthorize' })
        .where(eq(graphSubscriptions.id, s.id));
    const gone = randomUUID();

    // A reauthorized subscription is renewed and followed by a round; a folder that no longer exists needs nothing.
    await reauthorize();
    expect(await push.ensure([folderId, gone])).toEqual(['renewed', 'none']);
    expect(sent).toEqual([
      { name: 'folder.sync', items: [{ payload: { folderId }, singletonKey: folderId }] },
    ]);

    // The round cannot be queued: that folder's job gets the error (and retries); the other's is done.
    await reauthorize();
    queueDown = true;
    const [renewed, other] = await push.ensure([folderId, gone]);
    expect(renewed).toBeInstanceOf(Error);
    expect((renewed as Error).message).toBe('job queue unavailable');
    expect(other).toBe('none');
    expect((await sub())!.status).toBe('active');
  });

  it(
    'a delegated shared mailbox gets no subscription, says so, and still syncs; the own mailbox gets one',
    { timeout: 90_000 },
    async () => {
      const handler = DEMO.contoso.handlers[0];
      const delegated = await newConnector(admin, ws, 'Alex');
      await connectDelegated(app, admin, ws, delegated, handler);
      await waitFor(admin, ws, delegated, (c) => c.status === 'connected', 'connected');
      const shared = await monitor(app, {
        workspaceId: ws,
        connectorId: delegated,
        address: DEMO.contoso.sharedMailboxes[1],
        folder: 'Inbox',
        processFrom: new Date(),
      });
      const own = await monitor(app, {
        workspaceId: ws,
        connectorId: delegated,
        address: handler,
        folder: 'Inbox',
        processFrom: new Date(),
      });
      for (const f of [shared.folderId, own.folderId])
        await app.server.jobs.send('folder.sync', { folderId: f }, { singletonKey: f });
      await until('own mailbox subscribed', async () => (await sub(own.folderId))?.status === 'active');
      expect(await sub(shared.folderId)).toBeUndefined();
      expect((await control().subscriptions()).some((x) => x.mailboxId === shared.userId)).toBe(false);
      const view = await folderStatus(delegated, shared.folderId);
      expect(view.delivery).toMatchObject({
        mode: 'polling',
        reason: 'delegated_shared_mailbox',
        pollMinutes: 60,
      });

      // Its mail still arrives, by the reconciliation round ("Sync now" runs the same round).
      await control().deliverGenerated(DEMO.contoso.sharedMailboxes[1], {
        subject: 'Shared, polled',
        pdfs: 0,
        jpegs: 0,
      });
      const r = await admin.post(api.syncFolder(ws, shared.folderId));
      expect(r.status).toBe(202);
      await until(
        'polled mail arrives',
        async () => (await documentCount(app, shared.folderId)) === 1,
        20_000,
      );
    },
  );

  it(
    'deactivating a folder and disconnecting delete the subscriptions at Microsoft',
    { timeout: 60_000 },
    async () => {
      const s = (await sub())!;
      const r = await admin.patch(api.folder(ws, folderId), { active: false });
      expect(r.status).toBe(200);
      expect(await sub()).toBeUndefined();
      expect((await control().subscriptions()).some((x) => x.id === s.graphId)).toBe(false);
      expect((r.body as { delivery: { mode: string; reason: string } }).delivery).toMatchObject({
        mode: 'polling',
        reason: 'inactive',
      });

      await app.server.database.db
        .update(monitoredFolders)
        .set({ active: true })
        .where(eq(monitoredFolders.id, folderId));
      await app.server.jobs.send('folder.sync', { folderId }, { singletonKey: folderId });
      await until('subscribed again', async () => (await sub())?.status === 'active');
      const again = (await sub())!;
      expect((await admin.post(api.disconnect(ws, connectorId))).status).toBe(200);
      expect(await sub()).toBeUndefined();
      expect((await control().subscriptions()).some((x) => x.id === again.graphId)).toBe(false);
    },
  );
});
