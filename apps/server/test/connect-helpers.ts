import { api, type AdminConsentStart, type Connector, type DelegatedStart } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { EntraBrowser } from '@mailroom/m365-emulator/testing';
import type { Client, Res, TestApp } from './helpers.ts';

/** Polls the connector until `ok` says so (setup and health run as jobs). Waits on states, not times. */
export async function waitFor(
  client: Client,
  workspaceId: string,
  id: string,
  ok: (c: Connector) => boolean,
  what: string,
): Promise<Connector> {
  let last: Connector | undefined;
  for (let i = 0; i < 200; i++) {
    last = (await client.get<Connector>(api.connector(workspaceId, id))).body;
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`connector never reached: ${what}; last seen ${JSON.stringify(last)}`);
}

export async function newConnector(client: Client, ws: string, name: string): Promise<string> {
  const r = await client.post<Connector>(api.connectors(ws), { name, type: 'microsoft365' });
  if (r.status !== 201) throw new Error(`create failed: ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** "Sign in with Microsoft" end to end: Mailroom → the emulator's pages → Mailroom's callback. */
export async function connectDelegated(
  app: TestApp,
  client: Client,
  ws: string,
  id: string,
  username: string,
  password: string = DEMO.contoso.password,
) {
  const start = await client.post<DelegatedStart>(api.connectDelegated(ws, id));
  const browser = new EntraBrowser(app.server.sandbox!.caPem);
  const back = await browser.signIn(start.body.authorizeUrl, { username, password });
  return client.request('GET', `${back.url.pathname}${back.url.search}`);
}

export interface OrganizationConsent {
  /** Mailroom's last answer: the connector page (302) or a page of its own. */
  final: Res<unknown>;
  /** Where Mailroom sent the browser last. */
  location: string | undefined;
}

/**
 * Organisation-wide, as a browser does it (decision 0009): open Mailroom's consent link in
 * `browserClient` (it gets the consent cookie), consent at Microsoft, come back, sign in as the
 * administrator, come back again. Stops early where Mailroom answers with anything but Microsoft.
 */
export async function followOrganizationConsent(
  app: TestApp,
  browserClient: Client,
  link: string,
  account: { username: string; password?: string },
  entra = new EntraBrowser(app.server.sandbox!.caPem),
): Promise<OrganizationConsent> {
  const atMicrosoft = (r: Res<unknown>) =>
    r.status === 302 && String(r.headers.location ?? '').startsWith(app.server.microsoft.authorityHost);
  const path = (u: URL) => `${u.pathname}${u.search}`;
  const password = account.password ?? DEMO.contoso.password;
  let r = await browserClient.request('GET', path(new URL(link)));
  if (!atMicrosoft(r)) return { final: r, location: r.headers.location as string | undefined };
  const consented = await entra.signIn(String(r.headers.location), {
    username: account.username,
    password,
    consentForOrganization: true,
  });
  r = await browserClient.request('GET', path(consented.url));
  if (!atMicrosoft(r)) return { final: r, location: r.headers.location as string | undefined };
  const signedIn = await entra.signIn(String(r.headers.location), { username: account.username, password });
  r = await browserClient.request('GET', path(signedIn.url));
  return { final: r, location: r.headers.location as string | undefined };
}

/** Organisation-wide: the workspace admin clicks "Grant admin consent now" and is Contoso's admin too. */
export async function connectOrganization(app: TestApp, client: Client, ws: string, id: string) {
  const start = await client.post<AdminConsentStart>(api.connectOrganization(ws, id));
  return (
    await followOrganizationConsent(app, client, start.body.adminConsentUrl, { username: DEMO.contoso.admin })
  ).final;
}

/** A connector on Contoso's own app registration (the sandbox's), connected: most sync tests start here. */
export async function connectedOwnApp(client: Client, ws: string, name: string): Promise<string> {
  const id = await newConnector(client, ws, name);
  const r = await client.post(api.connectOwnApp(ws, id), {
    tenant: DEMO.contoso.domain,
    clientId: DEMO.customerApp.clientId,
    clientSecret: DEMO.customerApp.clientSecret,
    secretExpiresAt: '2099-12-31',
  });
  if (r.status !== 200) throw new Error(`connect failed: ${r.status} ${JSON.stringify(r.body)}`);
  await waitFor(client, ws, id, (c) => c.status === 'connected', 'connected');
  return id;
}
