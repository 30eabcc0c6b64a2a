import {
  api,
  type AdminConsentStart,
  type AuditEntry,
  type Connector,
  type SessionInfo,
} from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { EntraBrowser } from '@mailroom/m365-emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberships, users, workspaces } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/security/passwords.ts';
import { connectOrganization, followOrganizationConsent, newConnector, waitFor } from './connect-helpers.ts';
import { Client, setUp, startTestApp, type TestApp } from './helpers.ts';

// Organisation-wide access must be proven by an administrator of the tenant, in the browser that
// started the flow (issue 18 §1, decision 0009). Microsoft's /adminconsent redirect and its `tenant`
// parameter prove nothing on their own.

let app: TestApp;
let admin: Client;
let ws: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

const status = async (client: Client, w: string, id: string) =>
  (await client.get<Connector>(api.connector(w, id))).body.status;
const pathOf = (u: string | URL) => {
  const url = new URL(u);
  return `${url.pathname}${url.search}`;
};

/** Another workspace, owned by someone else: the attacker of the outside review. */
async function otherWorkspaceAdmin(email: string): Promise<{ client: Client; ws: string }> {
  const { db } = app.server.database;
  const [w] = await db
    .insert(workspaces)
    .values({ name: `Workspace of ${email}` })
    .returning();
  const [u] = await db
    .insert(users)
    .values({ email, name: email, passwordHash: await hashPassword('a long passphrase for tests') })
    .returning();
  await db.insert(memberships).values({ workspaceId: w!.id, userId: u!.id, role: 'owner' });
  const client = new Client(app);
  await client.session();
  client.csrf = (
    await client.post<SessionInfo>(api.login, { email, password: 'a long passphrase for tests' })
  ).body.csrfToken;
  return { client, ws: w!.id };
}

/**
 * The `state` Microsoft would carry back for a consent the attacker started: read off the consent
 * URL (before decision 0009 the API returned Microsoft's URL itself; now it is Mailroom's link, which
 * redirects to it).
 */
async function stateOfConsent(attacker: Client, adminConsentUrl: string): Promise<string> {
  let url = new URL(adminConsentUrl);
  if (!url.href.startsWith(app.server.microsoft.authorityHost)) {
    const opened = await attacker.request('GET', pathOf(url));
    url = new URL(String(opened.headers.location));
  }
  return url.searchParams.get('state') ?? '';
}

describe('organisation-wide access: the legitimate flows', () => {
  it('connects when the workspace admin is also the tenant admin, and records who granted it', async () => {
    const id = await newConnector(admin, ws, 'Org, now');
    const r = await connectOrganization(app, admin, ws, id);
    expect(r.status).toBe(302);
    expect(String(r.headers.location)).toContain(`/w/${ws}/settings/connectors/${id}?connected=1`);
    const c = await waitFor(admin, ws, id, (x) => x.status === 'connected', 'connected');
    expect(c.connection).toMatchObject({
      mode: 'organization',
      tenantName: 'Contoso Insurance',
      account: null,
    });
    const audit = (await admin.get<{ items: AuditEntry[] }>(`${api.audit(ws)}?limit=200`)).body.items;
    expect(audit.find((a) => a.action === 'connector.connected' && a.targetId === id)?.details).toMatchObject(
      { mode: 'organization', grantedBy: DEMO.contoso.admin, grantedByRole: 'Global Administrator' },
    );
  });

  it('connects through a link sent to an Entra admin who has no Mailroom account', async () => {
    const id = await newConnector(admin, ws, 'Org, by link');
    const start = await admin.post<AdminConsentStart>(api.connectOrganization(ws, id));
    expect(start.body.adminConsentUrl.startsWith(app.config.publicBaseUrl)).toBe(true);
    const itAdmin = new Client(app); // another person's browser: no Mailroom session
    const { final } = await followOrganizationConsent(app, itAdmin, start.body.adminConsentUrl, {
      username: DEMO.contoso.admin,
    });
    expect(final.status).toBe(200);
    expect(String(final.body)).toContain('Permission granted');
    await waitFor(admin, ws, id, (x) => x.status === 'connected', 'connected');
  });

  it('thanks the Entra admin in their browser’s language', async () => {
    const id = await newConnector(admin, ws, 'Org, by link, en français');
    const start = await admin.post<AdminConsentStart>(api.connectOrganization(ws, id));
    const itAdmin = new Client(app);
    itAdmin.headers['accept-language'] = 'fr-FR,fr;q=0.9,en;q=0.5';
    const { final } = await followOrganizationConsent(app, itAdmin, start.body.adminConsentUrl, {
      username: DEMO.contoso.admin,
    });
    expect(final.status).toBe(200);
    const html = String(final.body);
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<h1>Autorisation accordée</h1>');
    expect(html).toContain('Mailroom peut désormais lire les boîtes aux lettres de Contoso Insurance.');
    expect(html).toContain('Ouvrir Mailroom');
    await waitFor(admin, ws, id, (x) => x.status === 'connected', 'connected');
  });
});

describe('organisation-wide access: what the outside review tried', () => {
  it("refuses the reproduction: another workspace's admin replays a consent callback for Contoso without signing in", async () => {
    // Workspace A is connected to Contoso organisation-wide: Contoso has consented to Mailroom's app.
    const a = await newConnector(admin, ws, 'Contoso, legitimately');
    await connectOrganization(app, admin, ws, a);
    await waitFor(admin, ws, a, (x) => x.status === 'connected', 'connected');

    const attacker = await otherWorkspaceAdmin('mallory@example.com');
    const b = await newConnector(attacker.client, attacker.ws, 'Stolen');
    const start = await attacker.client.post<AdminConsentStart>(api.connectOrganization(attacker.ws, b));
    const state = await stateOfConsent(attacker.client, start.body.adminConsentUrl);
    expect(state).not.toBe('');

    // No cookies at all, as in the review.
    const forged = `/api/v1/oauth/microsoft/admin-consent/callback?admin_consent=True&tenant=${DEMO.contoso.tenantId}&state=${encodeURIComponent(state)}`;
    const r = await new Client(app).request('GET', forged);
    expect(r.status).toBe(400);
    expect(String(r.body)).toContain('not started in this browser');
    // Replayed from a French browser: refused again (the state was used), and said in French (the
    // page is for people who may have no Mailroom account).
    const fr = await new Client(app).request('GET', forged, undefined, { 'accept-language': 'fr' });
    expect(fr.status).toBe(400);
    expect(String(fr.body)).toContain('<h1>Mailroom n’a pas pu terminer la connexion</h1>');
    expect(String(fr.body)).toContain('Ce consentement n’est plus valide (il a expiré ou a déjà servi).');
    expect(await status(attacker.client, attacker.ws, b)).toBe('not_connected');
  });

  it("refuses the attacker's own browser too: it must sign in as Contoso's admin, and cannot", async () => {
    const attacker = await otherWorkspaceAdmin('eve@example.com');
    const b = await newConnector(attacker.client, attacker.ws, 'Stolen too');
    const start = await attacker.client.post<AdminConsentStart>(api.connectOrganization(attacker.ws, b));
    const state = await stateOfConsent(attacker.client, start.body.adminConsentUrl);
    const forged = `/api/v1/oauth/microsoft/admin-consent/callback?admin_consent=True&tenant=${DEMO.contoso.tenantId}&state=${encodeURIComponent(state)}`;
    const r = await attacker.client.request('GET', forged);
    // Mailroom does not connect: it sends the browser to sign in at Contoso as an administrator.
    expect(r.status).toBe(302);
    const signIn = new URL(String(r.headers.location));
    expect(signIn.pathname).toBe(`/${DEMO.contoso.tenantId}/oauth2/v2.0/authorize`);
    expect(await status(attacker.client, attacker.ws, b)).toBe('not_connected');
    // Signing in with an account of another tenant (the attacker's own) gets no further at Contoso.
    await expect(
      new EntraBrowser(app.server.sandbox!.caPem).signIn(signIn.href, {
        username: DEMO.publisher.developer,
        password: DEMO.publisher.password,
      }),
    ).rejects.toThrow();
    expect(await status(attacker.client, attacker.ws, b)).toBe('not_connected');
  });

  it('refuses a non-admin user of a tenant that already consented, and says why', async () => {
    const attacker = await otherWorkspaceAdmin('trudy@example.com');
    const b = await newConnector(attacker.client, attacker.ws, 'Via a handler');
    const start = await attacker.client.post<AdminConsentStart>(api.connectOrganization(attacker.ws, b));
    const state = await stateOfConsent(attacker.client, start.body.adminConsentUrl);
    // Skips Microsoft's consent page (a non-admin could not pass it) and forges its redirect instead…
    const r = await attacker.client.request(
      'GET',
      `/api/v1/oauth/microsoft/admin-consent/callback?admin_consent=True&tenant=${DEMO.contoso.tenantId}&state=${encodeURIComponent(state)}`,
    );
    // …then signs in as a claims handler whose password they have.
    const back = await new EntraBrowser(app.server.sandbox!.caPem).signIn(String(r.headers.location), {
      username: DEMO.contoso.handlers[0],
      password: DEMO.contoso.password,
    });
    const done = await attacker.client.request('GET', pathOf(back.url));
    expect(done.status).toBe(302);
    const page = new URL(String(done.headers.location));
    expect(page.searchParams.get('error')).toBe('not_tenant_admin');
    expect(page.searchParams.get('detail')).toContain(
      `${DEMO.contoso.handlers[0]} is not a Global Administrator or Privileged Role Administrator`,
    );
    expect(await status(attacker.client, attacker.ws, b)).toBe('not_connected');
  });

  it("refuses a consent that comes back to another session's browser", async () => {
    const id = await newConnector(admin, ws, 'Two browsers');
    const start = await admin.post<AdminConsentStart>(api.connectOrganization(ws, id));
    const opener = new Client(app);
    const opened = await opener.request('GET', pathOf(start.body.adminConsentUrl));
    const consented = await new EntraBrowser(app.server.sandbox!.caPem).signIn(
      String(opened.headers.location),
      { username: DEMO.contoso.admin, password: DEMO.contoso.password, consentForOrganization: true },
    );
    // The redirect lands in a browser that did not open the link (even a signed-in admin's).
    const r = await admin.request('GET', pathOf(consented.url));
    expect(r.status).toBe(400);
    expect(String(r.body)).toContain('not started in this browser');
    expect(await status(admin, ws, id)).toBe('not_connected');
  });

  it('refuses a consent link that is made up or whose connector is gone', async () => {
    const r = await new Client(app).request(
      'GET',
      '/api/v1/oauth/microsoft/admin-consent/start?ticket=made-up',
    );
    expect(r.status).toBe(400);
    expect(String(r.body)).toContain('not valid any more');
  });

  it('refuses a secret expiry the database cannot store (year 0000) with a 400 on the field, not a 500', async () => {
    const id = await newConnector(admin, ws, 'Own app, year zero');
    const r = await admin.post<{ error: { code: string; details?: { path: string }[] } }>(
      api.connectOwnApp(ws, id),
      {
        tenant: DEMO.contoso.domain,
        clientId: DEMO.customerApp.clientId,
        clientSecret: DEMO.customerApp.clientSecret,
        secretExpiresAt: '0000-12-31',
      },
    );
    expect(r.status).toBe(400);
    expect(r.body.error.details?.map((d) => d.path)).toContain('secretExpiresAt');
  });

  it('keeps own app registrations to their own tenant: a secret proves nothing elsewhere', async () => {
    const id = await newConnector(admin, ws, 'Own app, wrong tenant');
    // Contoso's single-tenant app, pointed at the publisher's tenant: Entra refuses, nothing is saved.
    const r = await admin.post<{ error: { code: string } }>(api.connectOwnApp(ws, id), {
      tenant: DEMO.publisher.tenantId,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: '2099-12-31',
    });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('connection_failed');
    expect(await status(admin, ws, id)).toBe('not_connected');
  });
});
