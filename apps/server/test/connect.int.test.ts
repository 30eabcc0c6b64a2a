import { api, type AdminConsentStart, type Connector, type DelegatedStart } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { EntraBrowser } from '@mailroom/m365-emulator/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorCredentials } from '../src/db/schema/index.ts';
import { followOrganizationConsent, newConnector as newConnectorIn, waitFor } from './connect-helpers.ts';
import { Client, setUp, startTestApp, type TestApp } from './helpers.ts';

type Err = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

let app: TestApp;
let admin: Client;
let ws: string;

beforeAll(async () => {
  // Short probe interval so that health changes show quickly; tests wait for states, never for times.
  app = await startTestApp({ CONNECTOR_HEALTH_INTERVAL_SECONDS: '1' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

const newConnector = (name: string) => newConnectorIn(admin, ws, name);

/** Follows Microsoft's redirect back into Mailroom, with the Mailroom session's cookies. */
async function followCallback(client: Client, url: URL) {
  return client.request('GET', `${url.pathname}${url.search}`);
}

describe('delegated access (Sign in with Microsoft)', () => {
  it('connects as a claims handler, runs the setup and shows who and which tenant', async () => {
    const id = await newConnector('Claims mailbox');
    const start = await admin.post<DelegatedStart>(api.connectDelegated(ws, id));
    expect(start.status).toBe(200);
    const authorize = new URL(start.body.authorizeUrl);
    expect(authorize.origin).toBe(app.server.sandbox!.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    // Microsoft's pages in the person's language (issue 19 §5); a French user gets ui_locales=fr.
    expect(authorize.searchParams.get('ui_locales')).toBe('en');
    await admin.patch(api.me, { locale: 'fr' });
    const inFrench = await admin.post<DelegatedStart>(api.connectDelegated(ws, id));
    expect(new URL(inFrench.body.authorizeUrl).searchParams.get('ui_locales')).toBe('fr');
    await admin.patch(api.me, { locale: 'en' });

    const browser = new EntraBrowser(app.server.sandbox!.caPem);
    const back = await browser.signIn(start.body.authorizeUrl, {
      username: DEMO.contoso.handlers[0],
      password: DEMO.contoso.password,
    });
    const landed = await followCallback(admin, back.url);
    expect(landed.status, String(landed.headers.location)).toBe(302);
    expect(String(landed.headers.location)).toMatch(
      new RegExp(`/w/${ws}/settings/connectors/${id}\\?connected=1$`),
    );

    const c = await waitFor(admin, ws, id, (x) => x.status === 'connected', 'connected');
    expect(c.connection).toMatchObject({
      mode: 'delegated',
      tenantId: DEMO.contoso.tenantId,
      tenantName: 'Contoso Insurance',
      account: DEMO.contoso.handlers[0],
    });
    expect(c.setup?.state).toBe('done');
    expect(c.setup?.steps.map((s) => [s.key, s.state])).toEqual([
      ['organization', 'done'],
      ['mailbox', 'done'],
      ['directory', 'done'],
    ]);
    // No token of any kind reaches the API; in the database the MSAL cache is a vault ciphertext.
    expect(JSON.stringify(c)).not.toMatch(/eyJ|RefreshToken|refresh_token|AccessToken/);
    const [cred] = await app.server.database.db
      .select()
      .from(connectorCredentials)
      .where(eq(connectorCredentials.connectorId, id));
    expect(cred?.tokenCache).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(app.server.vault.decrypt(cred!.tokenCache!, `connector:${id}:token-cache`)).toContain(
      'RefreshToken',
    );

    // A replayed callback (same state) is refused, in words.
    const replay = await followCallback(admin, back.url);
    expect(replay.status).toBe(400);
    expect(String(replay.body)).toContain('not valid any more');
  });
});

describe('organisation-wide access (admin consent)', () => {
  // The attacks on this flow are in admin-consent.int.test.ts (decision 0009).
  it('connects after an Entra admin consents and signs in, proven by an app-only token', async () => {
    const id = await newConnector('Organisation');
    const start = await admin.post<AdminConsentStart>(api.connectOrganization(ws, id));
    expect(start.status).toBe(200);
    // The admin's browser has no Mailroom session: a plain page thanks them.
    const { final } = await followOrganizationConsent(app, new Client(app), start.body.adminConsentUrl, {
      username: DEMO.contoso.admin,
    });
    expect(final.status).toBe(200);
    const c = await waitFor(admin, ws, id, (x) => x.status === 'connected', 'connected');
    expect(c.connection).toMatchObject({
      mode: 'organization',
      tenantName: 'Contoso Insurance',
      account: null,
    });
  });

  it('does not trust the tenant in a forged callback', async () => {
    const id = await newConnector('Forged');
    const forged = await admin.request(
      'GET',
      `/api/v1/oauth/microsoft/admin-consent/callback?admin_consent=True&tenant=${DEMO.contoso.tenantId}&state=made-up`,
    );
    expect(forged.status).toBe(400);
    const c = (await admin.get<Connector>(api.connector(ws, id))).body;
    expect(c.status).toBe('not_connected');
  });
});

describe('own app registration', () => {
  it('verifies the credentials before saving, and names the field that is wrong', async () => {
    const id = await newConnector('Own app');
    const wrong = await admin.post<Err>(api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: 'not-the-secret',
      secretExpiresAt: '2030-01-01',
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('connection_failed');
    expect(wrong.body.error.details?.[0]?.path).toBe('clientSecret');
    // Words for a person, shown as text: no Markdown (issue 19 §3, "Paste the secret *value*").
    expect(wrong.body.error.details?.[0]?.message).toBe(
      'Microsoft does not accept this client secret. Paste the secret’s Value column, not its Secret ID.',
    );
    expect(wrong.body.error.message).toMatch(/AADSTS7000215/);

    const ok = await admin.post<Connector>(api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: '2099-12-31',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.connection).toMatchObject({
      mode: 'own_app',
      tenantId: DEMO.contoso.tenantId,
      clientId: DEMO.customerApp.clientId,
      credentialKind: 'secret',
    });
    expect(JSON.stringify(ok.body)).not.toContain(DEMO.customerApp.clientSecret);
    const [cred] = await app.server.database.db
      .select()
      .from(connectorCredentials)
      .where(eq(connectorCredentials.connectorId, id));
    expect(JSON.stringify(cred)).not.toContain(DEMO.customerApp.clientSecret);
    expect(app.server.vault.decrypt(cred!.clientSecret!, `connector:${id}:client-secret`)).toBe(
      DEMO.customerApp.clientSecret,
    );
    await waitFor(admin, ws, id, (x) => x.status === 'connected', 'connected');
  });
});
