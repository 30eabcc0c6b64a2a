import { Writable } from 'node:stream';
import {
  api,
  type Connector,
  type DelegatedStart,
  type Invitation,
  type SessionInfo,
} from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { EntraBrowser } from '@mailroom/m365-emulator/testing';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors, memberships, oauthStates, users, workspaces } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/security/passwords.ts';
import { newConnector, waitFor } from './connect-helpers.ts';
import { Client, setUp, startTestApp, type TestApp } from './helpers.ts';

type Err = { error: { code: string } };

/** Everything the server logs, at debug level, to search for secrets. */
let logs = '';
const sink = new Writable({
  write(chunk, _enc, done) {
    logs += chunk.toString();
    done();
  },
});

let app: TestApp;
let admin: Client;
let ws: string;

beforeAll(async () => {
  app = await startTestApp({}, { logger: pino({ level: 'debug' }, sink) });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

async function signInAtMicrosoft(authorizeUrl: string): Promise<URL> {
  const browser = new EntraBrowser(app.server.sandbox!.caPem);
  return (
    await browser.signIn(authorizeUrl, {
      username: DEMO.contoso.handlers[0],
      password: DEMO.contoso.password,
    })
  ).url;
}

describe('connect: who may, and which callbacks count', () => {
  it('refuses members (403) and other workspaces (404)', async () => {
    const id = await newConnector(admin, ws, 'Guarded');
    const inv = await admin.post<Invitation>(api.invitations(ws), {
      email: 'member@example.com',
      role: 'member',
    });
    const member = new Client(app);
    await member.session();
    const joined = await member.post<SessionInfo>(api.invitationAccept(inv.body.url!.split('/invite/')[1]!), {
      name: 'M',
      password: 'member password long',
    });
    member.csrf = joined.body.csrfToken;
    for (const url of [
      api.connectDelegated(ws, id),
      api.connectOrganization(ws, id),
      api.disconnect(ws, id),
      api.checkConnector(ws, id),
    ]) {
      const r = await member.post<Err>(url);
      expect(r.status).toBe(403);
    }
    const ownApp = await member.post<Err>(api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: 'x',
      secretExpiresAt: '2030-01-01',
    });
    expect(ownApp.status).toBe(403);

    const { db } = app.server.database;
    const [other] = await db.insert(workspaces).values({ name: 'Fabrikam' }).returning();
    const [theirs] = await db
      .insert(connectors)
      .values({ workspaceId: other!.id, name: 'Theirs', type: 'microsoft365' })
      .returning();
    for (const url of [
      api.connectDelegated(ws, theirs!.id),
      api.connectDelegated(other!.id, theirs!.id),
      api.connectOrganization(other!.id, theirs!.id),
    ]) {
      expect((await admin.post<Err>(url)).status).toBe(404);
    }
  });

  it('refuses a callback in another session, even of the same person', async () => {
    const id = await newConnector(admin, ws, 'Session bound');
    const start = await admin.post<DelegatedStart>(api.connectDelegated(ws, id));
    const back = await signInAtMicrosoft(start.body.authorizeUrl);
    // The same owner, signed in from another browser.
    const other = new Client(app);
    await other.session();
    const s = await other.post<SessionInfo>(api.login, {
      email: 'olivia@example.com',
      password: 'correct horse battery',
    });
    expect(s.status).toBe(200);
    const r = await other.request('GET', `${back.pathname}${back.search}`);
    expect(String(r.headers.location)).toContain('error=state_invalid');
    expect((await admin.get<Connector>(api.connector(ws, id))).body.status).toBe('not_connected');
  });

  it('refuses an expired state and a made-up one', async () => {
    const id = await newConnector(admin, ws, 'Expired');
    const start = await admin.post<DelegatedStart>(api.connectDelegated(ws, id));
    await app.server.database.db.update(oauthStates).set({ expiresAt: sql`now() - interval '1 second'` });
    const back = await signInAtMicrosoft(start.body.authorizeUrl);
    const r = await admin.request('GET', `${back.pathname}${back.search}`);
    expect(r.status).toBe(400);
    const forged = await admin.request(
      'GET',
      `/api/v1/oauth/microsoft/callback?code=abc&state=${'x'.repeat(43)}`,
    );
    expect(forged.status).toBe(400);
  });

  it("refuses a callback for another workspace's connector (state bound to the workspace)", async () => {
    // A second person owns another workspace and starts a sign-in there…
    const { db } = app.server.database;
    const [w2] = await db.insert(workspaces).values({ name: 'Second' }).returning();
    const [u2] = await db
      .insert(users)
      .values({
        email: 'sam@example.com',
        name: 'Sam',
        passwordHash: await hashPassword('sam password long'),
      })
      .returning();
    await db.insert(memberships).values({ workspaceId: w2!.id, userId: u2!.id, role: 'owner' });
    const sam = new Client(app);
    await sam.session();
    sam.csrf = (
      await sam.post<SessionInfo>(api.login, { email: 'sam@example.com', password: 'sam password long' })
    ).body.csrfToken;
    const samConnector = await newConnector(sam, w2!.id, 'Sam');
    const start = await sam.post<DelegatedStart>(api.connectDelegated(w2!.id, samConnector));
    const back = await signInAtMicrosoft(start.body.authorizeUrl);
    // …and our admin is tricked into opening the callback: it is not theirs to complete.
    const r = await admin.request('GET', `${back.pathname}${back.search}`);
    expect(String(r.headers.location ?? r.body)).toMatch(/state_invalid|not valid/);
    expect((await sam.get<Connector>(api.connector(w2!.id, samConnector))).body.status).toBe('not_connected');
  });
});

describe('secrets stay secret', () => {
  it('never logs or returns tokens and secrets, and stores them encrypted', async () => {
    const id = await newConnector(admin, ws, 'Logged');
    const r = await admin.post<Connector>(api.connectOwnApp(ws, id), {
      tenant: DEMO.contoso.domain,
      clientId: DEMO.customerApp.clientId,
      clientSecret: DEMO.customerApp.clientSecret,
      secretExpiresAt: '2099-12-31',
    });
    expect(r.status).toBe(200);
    await waitFor(admin, ws, id, (c) => c.status === 'connected', 'connected');
    await admin.post(api.checkConnector(ws, id));
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).not.toContain(DEMO.customerApp.clientSecret);
    expect(logs).not.toMatch(/eyJ[\w-]{10,}\.eyJ/); // no JWT
    expect(logs).not.toContain('correct horse battery');
    const dump = JSON.stringify(
      await app.server.database.db.execute(sql`select * from connector_credentials`),
    );
    expect(dump).not.toContain(DEMO.customerApp.clientSecret);
    expect(dump).not.toMatch(/eyJ[\w-]{10,}\.eyJ/);
  });
});
