import { api, type AdminConsentStart, type Connector, type DelegatedStart } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { EntraBrowser } from '@mailroom/m365-emulator/testing';
import type { Client, TestApp } from './helpers.ts';

/** Polls the connector until `ok` says so (setup and health run as jobs). Waits on states, not times. */
export async function waitFor(client: Client, workspaceId: string, id: string, ok: (c: Connector) => boolean, what: string): Promise<Connector> {
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
export async function connectDelegated(app: TestApp, client: Client, ws: string, id: string, username: string, password: string = DEMO.contoso.password) {
  const start = await client.post<DelegatedStart>(api.connectDelegated(ws, id));
  const browser = new EntraBrowser(app.server.sandbox!.caPem);
  const back = await browser.signIn(start.body.authorizeUrl, { username, password });
  return client.request('GET', `${back.url.pathname}${back.url.search}`);
}

/** Organisation-wide: the tenant's admin consents; the callback is followed by a browser without a session. */
export async function connectOrganization(app: TestApp, client: Client, ws: string, id: string) {
  const start = await client.post<AdminConsentStart>(api.connectOrganization(ws, id));
  const browser = new EntraBrowser(app.server.sandbox!.caPem);
  const back = await browser.signIn(start.body.adminConsentUrl, { username: DEMO.contoso.admin, password: DEMO.contoso.password, consentForOrganization: true });
  return client.request('GET', `${back.url.pathname}${back.url.search}`);
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
