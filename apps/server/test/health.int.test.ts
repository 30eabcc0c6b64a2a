import { api, type AuditList, type Connector, type OwnAppRequest } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors, events, mailboxes } from '../src/db/schema/index.ts';
import { connectDelegated, connectOrganization, newConnector, waitFor } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { monitor } from './sync-helpers.ts';

/**
 * Each access-loss cause: change the tenant through the emulator's control API, see the connector
 * name that cause, fix it, see it connected again. Probes run every second here; the tests wait for
 * states and never assert how long they took.
 */
let app: TestApp;
let admin: Client;
let ws: string;
const control = () => app.server.sandbox!.control;

beforeAll(async () => {
  app = await startTestApp({ CONNECTOR_HEALTH_INTERVAL_SECONDS: '1' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

const check = (id: string) => admin.post<Connector>(api.checkConnector(ws, id));
const connected = (c: Connector) => c.status === 'connected';
const lost = (cause: string) => (c: Connector) => c.status === 'access_lost' && c.problem?.cause === cause;

async function eventsOf(id: string) {
  const rows = await app.server.database.db
    .select()
    .from(events)
    .where(and(eq(events.workspaceId, ws), eq(events.subjectId, id)));
  return rows.map((r) => r.type);
}

describe('delegated connection causes', () => {
  it('user disabled → named cause, events and audit; enabled again → recovered', async () => {
    const upn = DEMO.contoso.handlers[1];
    const id = await newConnector(admin, ws, 'Lynne');
    await connectDelegated(app, admin, ws, id, upn);
    await waitFor(admin, ws, id, connected, 'connected');

    await control().disableUser(upn);
    const c = await waitFor(admin, ws, id, lost('user_disabled'), 'user_disabled');
    expect(c.problem?.params.user).toBe(upn);
    expect(c.problem?.detail).toMatch(/AADSTS50057/);
    await control().enableUser(upn);
    await waitFor(admin, ws, id, connected, 'recovered');
    expect(await eventsOf(id)).toEqual(['connector.access_lost', 'connector.recovered']);
    const audit = await admin.get<AuditList>(api.audit(ws));
    expect(
      audit.body.items
        .filter((e) => e.targetId === id)
        .map((e) => e.action)
        .slice(0, 2),
    ).toEqual(['connector.recovered', 'connector.access_lost']);
  });

  it('password reset → sign-in revoked; signing in again reconnects the same connector', async () => {
    const upn = DEMO.contoso.handlers[0];
    const id = await newConnector(admin, ws, 'Alex');
    await connectDelegated(app, admin, ws, id, upn);
    await waitFor(admin, ws, id, connected, 'connected');
    await control().resetPassword(upn, 'New-Password-2!');
    await waitFor(admin, ws, id, lost('signin_revoked'), 'signin_revoked');
    const again = await connectDelegated(app, admin, ws, id, upn, 'New-Password-2!');
    expect(String(again.headers.location)).toContain('connected=1');
    await waitFor(admin, ws, id, connected, 'connected again');
  });

  it('sessions revoked by an admin → sign-in revoked', async () => {
    const upn = DEMO.contoso.admin;
    const id = await newConnector(admin, ws, 'Megan');
    await connectDelegated(app, admin, ws, id, upn);
    await waitFor(admin, ws, id, connected, 'connected');
    await control().revokeSessions(upn);
    await waitFor(admin, ws, id, lost('signin_revoked'), 'signin_revoked');
  });

  it('user deleted → named cause', async () => {
    const upn = `temp.${Date.now()}@${DEMO.contoso.domain}`;
    await control().createUser(DEMO.contoso.tenantId, {
      userPrincipalName: upn,
      displayName: 'Temp',
      password: 'Temp-Password-1!',
    });
    const id = await newConnector(admin, ws, 'Temp');
    await connectDelegated(app, admin, ws, id, upn, 'Temp-Password-1!');
    await waitFor(admin, ws, id, connected, 'connected');
    await control().deleteUser(upn);
    await waitFor(admin, ws, id, lost('user_deleted'), 'user_deleted');
  });

  it('refreshes delegated tokens at least daily, so the idle expiry never bites', async () => {
    const id = await newConnector(admin, ws, 'Idle');
    await connectDelegated(app, admin, ws, id, DEMO.contoso.handlers[0], 'New-Password-2!');
    await waitFor(admin, ws, id, connected, 'connected');
    const { db } = app.server.database;
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await db.update(connectors).set({ lastRefreshAt: twoDaysAgo }).where(eq(connectors.id, id));
    // A plain (non-probe) token request notices the age and refreshes — once the token handed out
    // in the last minute (kept in memory) is no longer used.
    app.server.connectors.broker.forget(id);
    await app.server.connectors.broker.graphToken(id);
    const [row] = await db.select().from(connectors).where(eq(connectors.id, id));
    expect(row!.lastRefreshAt!.getTime()).toBeGreaterThan(twoDaysAgo.getTime() + 86_400_000);
  });
});

describe('organisation-wide connection causes', () => {
  it('consent withdrawn → named cause; admin consent again → connected', async () => {
    const id = await newConnector(admin, ws, 'Org');
    await connectOrganization(app, admin, ws, id);
    await waitFor(admin, ws, id, connected, 'connected');
    await control().withdrawConsent(DEMO.contoso.tenantId, DEMO.mailroomApp.clientId);
    const c = await waitFor(admin, ws, id, lost('consent_withdrawn'), 'consent_withdrawn');
    expect(c.problem?.params.tenant).toBe('Contoso Insurance');
    await connectOrganization(app, admin, ws, id);
    await waitFor(admin, ws, id, connected, 'connected again');
  });
});

describe('own app registration causes', () => {
  it('secret expired, then deleted → named causes; a new secret → connected', async () => {
    const secret = await control().addSecret(DEMO.customerApp.clientId, { displayName: 'test' });
    const id = await newConnector(admin, ws, 'Own');
    const body: OwnAppRequest = {
      tenant: DEMO.contoso.tenantId,
      clientId: DEMO.customerApp.clientId,
      clientSecret: secret.secretText,
      secretExpiresAt: '2099-01-01',
    };
    expect((await admin.post(api.connectOwnApp(ws, id), body)).status).toBe(200);
    await waitFor(admin, ws, id, connected, 'connected');

    await control().expireSecret(DEMO.customerApp.clientId, secret.keyId);
    expect((await check(id)).body.problem?.cause).toBe('secret_expired');
    await control().deleteSecret(DEMO.customerApp.clientId, secret.keyId);
    await waitFor(admin, ws, id, lost('secret_invalid'), 'secret_invalid');

    const fresh = await control().addSecret(DEMO.customerApp.clientId, { displayName: 'fresh' });
    expect(
      (await admin.post(api.connectOwnApp(ws, id), { ...body, clientSecret: fresh.secretText })).status,
    ).toBe(200);
    await waitFor(admin, ws, id, connected, 'connected again');
  });

  it('warns 30, 14, 7 and 1 day(s) before the secret expires', async () => {
    const id = await newConnector(admin, ws, 'Expiring');
    const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await admin.post(api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: inTenDays,
    });
    const c = await waitFor(admin, ws, id, connected, 'connected');
    expect(c.connection?.secretExpiresInDays).toBeGreaterThanOrEqual(10);
    expect(c.connection?.secretExpiresInDays).toBeLessThanOrEqual(11);
    await app.server.jobs.send('connector.health-sweep', {});
    for (let i = 0; i < 100 && !(await eventsOf(id)).includes('connector.secret_expiring'); i++)
      await new Promise((r) => setTimeout(r, 150));
    const [e] = await app.server.database.db
      .select()
      .from(events)
      .where(and(eq(events.subjectId, id), eq(events.type, 'connector.secret_expiring')));
    expect(e?.payload).toMatchObject({ daysLeft: 14 });
    // A second sweep does not repeat the same warning.
    await app.server.jobs.send('connector.health-sweep', {});
    await new Promise((r) => setTimeout(r, 2500));
    expect((await eventsOf(id)).filter((t) => t === 'connector.secret_expiring')).toHaveLength(1);
  });
});

describe('disconnect and isolation', () => {
  it('disconnect erases the credentials and stops the probes', async () => {
    const id = await newConnector(admin, ws, 'Gone');
    await admin.post(api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: '2099-12-31',
    });
    await waitFor(admin, ws, id, connected, 'connected');
    const r = await admin.post<Connector>(api.disconnect(ws, id));
    expect(r.body).toMatchObject({ status: 'not_connected', connection: null, problem: null });
    const { connectorCredentials } = await import('../src/db/schema/index.ts');
    expect(
      await app.server.database.db
        .select()
        .from(connectorCredentials)
        .where(eq(connectorCredentials.connectorId, id)),
    ).toEqual([]);
    expect((await check(id)).body.status).toBe('not_connected');
  });
});

describe('mailbox-level causes', () => {
  it('an access policy blocks one mailbox → degraded naming it; both → access lost; lifted → connected', async () => {
    const id = await newConnector(admin, ws, 'Policy');
    await connectOrganization(app, admin, ws, id);
    await waitFor(admin, ws, id, connected, 'connected');
    const since = new Date();
    const claims = await monitor(app, {
      workspaceId: ws,
      connectorId: id,
      address: DEMO.contoso.sharedMailboxes[0],
      folder: 'Inbox',
      processFrom: since,
    });
    const production = await monitor(app, {
      workspaceId: ws,
      connectorId: id,
      address: DEMO.contoso.sharedMailboxes[1],
      folder: 'Inbox',
      processFrom: since,
    });
    const alex = await monitor(app, {
      workspaceId: ws,
      connectorId: id,
      address: DEMO.contoso.handlers[0],
      folder: 'Inbox',
      processFrom: since,
    });
    for (const f of [claims, production, alex]) await app.server.sync.syncFolder(f.folderId);
    expect((await check(id)).body.status).toBe('connected');

    // The tenant's admin denies Mailroom the two shared mailboxes.
    const policy = await control().addAccessPolicy(DEMO.contoso.tenantId, {
      appId: DEMO.mailroomApp.clientId,
      scopeGroup: DEMO.contoso.accessPolicyGroup,
      accessRight: 'DenyAccess',
    });
    await app.server.sync.syncFolder(claims.folderId);
    const degraded = (await admin.get<Connector>(api.connector(ws, id))).body;
    expect(degraded).toMatchObject({
      status: 'degraded',
      problem: { cause: 'mailbox_blocked_by_policy', params: { mailbox: DEMO.contoso.sharedMailboxes[0] } },
    });
    expect(degraded.problem?.detail).toMatch(/Access to OData is disabled/);
    // A good connector-level probe does not hide the mailbox problem.
    expect((await check(id)).body.status).toBe('degraded');

    // Alex's mailbox is removed from the selection: the two blocked shared mailboxes are all that is left.
    await app.server.sync.syncFolder(production.folderId);
    await app.server.database.db.delete(mailboxes).where(eq(mailboxes.id, alex.mailboxId));
    const { applyMailboxHealth } = await import('../src/connectors/health-state.ts');
    await applyMailboxHealth(app.server.database.db, id);
    expect((await admin.get<Connector>(api.connector(ws, id))).body.status).toBe('access_lost');
    expect(await eventsOf(id)).toContain('connector.access_lost');

    await control().removeAccessPolicy(policy.id);
    await app.server.sync.syncFolder(claims.folderId);
    await app.server.sync.syncFolder(production.folderId);
    const back = (await admin.get<Connector>(api.connector(ws, id))).body;
    expect(back).toMatchObject({ status: 'connected', problem: null });
    expect((await eventsOf(id)).at(-1)).toBe('connector.recovered');
    // Each shared mailbox told webhooks it failed and then recovered, once each (Alex's was never blocked).
    const mailboxEvents = await app.server.database.db
      .select({ type: events.type, subjectId: events.subjectId })
      .from(events)
      .where(and(eq(events.workspaceId, ws), eq(events.subjectType, 'mailbox')))
      .orderBy(events.seq);
    for (const m of [claims, production]) {
      expect(mailboxEvents.filter((e) => e.subjectId === m.mailboxId).map((e) => e.type)).toEqual([
        'mailbox.sync_failed',
        'mailbox.recovered',
      ]);
    }
    expect(mailboxEvents.some((e) => e.subjectId === alex.mailboxId)).toBe(false);
  });

  it('a mailbox deleted in Exchange → "no longer exists" naming it; removing it from the selection → connected', async () => {
    const id = await newConnector(admin, ws, 'Deleted mailbox');
    await connectOrganization(app, admin, ws, id);
    await waitFor(admin, ws, id, connected, 'connected');
    const temp = `shared.${Date.now()}@${DEMO.contoso.domain}`;
    await control().createUser(DEMO.contoso.tenantId, {
      userPrincipalName: temp,
      displayName: 'Temp shared',
      kind: 'shared',
      hasMailbox: true,
    });
    const gone = await monitor(app, {
      workspaceId: ws,
      connectorId: id,
      address: temp,
      folder: 'Inbox',
      processFrom: new Date(),
    });
    const kept = await monitor(app, {
      workspaceId: ws,
      connectorId: id,
      address: DEMO.contoso.handlers[1],
      folder: 'Inbox',
      processFrom: new Date(),
    });
    await app.server.sync.syncFolder(gone.folderId);
    await app.server.sync.syncFolder(kept.folderId);
    await control().deleteUser(temp);
    await app.server.sync.syncFolder(gone.folderId);
    const c = (await admin.get<Connector>(api.connector(ws, id))).body;
    expect(c).toMatchObject({
      status: 'degraded',
      problem: { cause: 'mailbox_not_enabled', params: { mailbox: temp } },
    });
    // The fix offered: remove it. Confirm the selection without it.
    const [keptRow] = await app.server.database.db
      .select()
      .from(mailboxes)
      .where(eq(mailboxes.id, kept.mailboxId));
    const r = await admin.request('PUT', api.mailboxes(ws, id), {
      mailboxes: [
        {
          graphUserId: keptRow!.graphUserId,
          address: keptRow!.address,
          displayName: keptRow!.displayName,
          kind: 'user',
        },
      ],
    });
    expect(r.status).toBe(200);
    expect((await admin.get<Connector>(api.connector(ws, id))).body).toMatchObject({
      status: 'connected',
      problem: null,
    });
  });
});
