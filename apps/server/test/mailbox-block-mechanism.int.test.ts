import { DEMO } from '@mailroom/m365-emulator';
import { api, type AccessTestResult, type Connector, type DirectoryList } from '@mailroom/contracts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newConnector, waitFor } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// Which mechanism keeps an app-only connection out of a mailbox (issue 22 §2.5): RBAC for Applications
// (the app has no tenant-wide Mail.Read in Entra; a role assignment's management scope holds some
// mailboxes) or a legacy application access policy. The connector also shows the app's service
// principal id, which the RBAC PowerShell needs.

const C = DEMO.contoso;
const [CLAIMS] = C.sharedMailboxes;
const ALEX = C.handlers[0]!;
const SCOPED = {
  appId: 'c0a5e0f1-0000-4000-8000-0000000000b2',
  secret: 'Rbac8Q~scoped.Secret_abcdefghij012345',
};

let app: TestApp;
let admin: Client;
let ws: string;

beforeAll(async () => {
  app = await startTestApp({ MAILROOM_PUSH: 'false' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

async function connectOwn(name: string, appId: string, secret: string): Promise<Connector> {
  const id = await newConnector(admin, ws, name);
  const r = await admin.post<Connector>(api.connectOwnApp(ws, id), {
    tenant: C.domain,
    clientId: appId,
    clientSecret: secret,
    secretExpiresAt: '2099-12-31',
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return waitFor(admin, ws, id, (c) => c.status === 'connected', 'connected');
}

async function test(connectorId: string, addresses: string[]) {
  const dir = (await admin.get<DirectoryList>(api.directory(ws, connectorId))).body.items;
  const ids = addresses.map((a) => dir.find((e) => e.address.toLowerCase() === a.toLowerCase())!.graphUserId);
  const r = await admin.post<AccessTestResult>(api.testMailboxes(ws, connectorId), { graphUserIds: ids });
  expect(r.status).toBe(200);
  return r.body.items;
}

it('names RBAC for Applications when a scoped app is kept out of a mailbox, and shows its service principal', async () => {
  const control = app.server.sandbox!.control;
  // An app with directory permissions only from Entra: mail comes through RBAC alone.
  await control.registerApp(C.tenantId, {
    appId: SCOPED.appId,
    displayName: 'Scoped Mailroom',
    secrets: [{ value: SCOPED.secret }],
    applicationPermissions: ['User.Read.All', 'Organization.Read.All'],
  });
  await control.grantConsent(C.tenantId, SCOPED.appId);
  await control.addManagementScope(C.tenantId, { name: 'Mailroom mailboxes', group: C.accessPolicyGroup });
  await control.addAppRoleAssignment(C.tenantId, {
    appId: SCOPED.appId,
    role: 'Application Mail.Read',
    scope: 'Mailroom mailboxes',
  });
  const c = await connectOwn('Scoped', SCOPED.appId, SCOPED.secret);
  const token = await app.server.connectors.broker.graphToken(c.id);
  const oid = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { oid: string }).oid;
  expect(c.connection?.servicePrincipalId).toBe(oid);

  const [claims, alex] = await test(c.id, [CLAIMS, ALEX]);
  expect(claims).toMatchObject({ access: 'readable', deniedBy: null });
  expect(alex).toMatchObject({ access: 'mailbox_no_rights', deniedBy: 'rbac_scope' });
});

it('names the legacy application access policy when one blocks the mailbox', async () => {
  const control = app.server.sandbox!.control;
  const c = await connectOwn('Tenant-wide', DEMO.customerApp.clientId, DEMO.customerApp.clientSecret);
  await control.addAccessPolicy(C.tenantId, {
    appId: DEMO.customerApp.clientId,
    scopeGroup: C.accessPolicyGroup,
    accessRight: 'RestrictAccess',
  });
  const [claims, alex] = await test(c.id, [CLAIMS, ALEX]);
  expect(claims).toMatchObject({ access: 'readable', deniedBy: null });
  expect(alex).toMatchObject({ access: 'mailbox_blocked_by_policy', deniedBy: 'application_access_policy' });
});
