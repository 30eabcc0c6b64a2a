import { Writable } from 'node:stream';
import { CSRF_HEADER, api, type Invitation, type SessionInfo } from '@mailroom/contracts';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThrottle } from '../src/db/schema/index.ts';
import { Client, owner, setUp, startTestApp, type Res, type TestApp } from './helpers.ts';

/**
 * The HTTP edge (issue 18, section 2, items 1–4 and 9): checks on the path the router matched,
 * request logs without bearer secrets, bounded password hashing, sign-in lockout per client, headers.
 * The server believes X-Forwarded-For from 127.0.0.1 (inject's address), so each test can speak
 * as distinct clients, as behind a reverse proxy.
 */

type Err = { error: { code: string; message: string } };

/** Everything the server logs at info level (request lines included), to search for secrets. */
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
  app = await startTestApp(
    { PUBLIC_BASE_URL: 'https://mailroom.example.test', TRUST_PROXY: '127.0.0.1' },
    { logger: pino({ level: 'info' }, sink) },
  );
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

/** A browser at `ip`, as the reverse proxy (TRUST_PROXY) reports it. */
class ClientAt extends Client {
  private readonly ip: string;
  constructor(ip: string) {
    super(app);
    this.ip = ip;
  }
  override request<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Res<T>> {
    return super.request<T>(method, url, body, { 'x-forwarded-for': this.ip, ...headers });
  }
}

async function browserAt(ip: string): Promise<ClientAt> {
  const c = new ClientAt(ip);
  await c.session();
  return c;
}

/** Signs in; on success the client carries the new session's CSRF token, as the SPA does. */
async function signIn(c: Client, password = owner.password): Promise<Res<SessionInfo & Err>> {
  const r = await c.post<SessionInfo & Err>(api.login, { email: owner.email, password });
  if (r.status === 200) c.csrf = r.body.csrfToken;
  return r;
}

/** An invitation link's token, made by the owner. */
async function invite(email: string): Promise<string> {
  const inv = await admin.post<Invitation>(api.invitations(ws), { email, role: 'member' });
  expect(inv.status).toBe(201);
  return inv.body.url!.split('/invite/')[1]!;
}

const strongPassword = 'Quartz-Meadow-4417-Lantern';

describe('non-canonical paths get the checks of the route they reach', () => {
  it('refuses a state change without the CSRF token, however the path is percent-encoded', async () => {
    const anon = await browserAt('192.0.2.10');
    for (const url of ['/%61pi/v1/auth/login', '/api/v1/auth/l%6Fgin', '/%61%70%69/v1/auth/login']) {
      const r = await anon.request<Err>(
        'POST',
        url,
        { email: owner.email, password: owner.password },
        { [CSRF_HEADER]: '' },
      );
      expect(r.status, url).toBe(403);
      expect(r.body.error.code, url).toBe('csrf_failed');
    }
    const setup = await anon.request<Err>(
      'POST',
      '/%61pi/v1/setup',
      { ...owner, email: 'mallory@example.com' },
      { [CSRF_HEADER]: '' },
    );
    expect(setup.body.error.code).toBe('csrf_failed');
  });

  it('reads the session and refuses a missing token on such paths when signed in, and never caches them', async () => {
    const listed = await admin.get(api.connectors(ws).replace('/api/', '/%61pi/'));
    expect(listed.status).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.headers['content-security-policy']).toBeUndefined();

    const url = api.invitations(ws).replace('/api/', '/%61pi/');
    const noToken = await admin.request<Err>(
      'POST',
      url,
      { email: 'x@example.com', role: 'member' },
      { [CSRF_HEADER]: '' },
    );
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('csrf_failed');

    const unknown = await admin.get<Err>('/%61pi/v1/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect(unknown.headers['cache-control']).toBe('no-store');
  });
});

describe('request logs', () => {
  it('carry neither invitation tokens nor OAuth codes and states', async () => {
    const token = await invite('newcomer@example.com');
    const guest = await browserAt('192.0.2.20');
    expect((await guest.get(api.invitationPreview(token))).status).toBe(200);
    await guest.get(`/%61pi/v1/invitations/${token}`);
    await guest.get(`/invite/${token}`); // the web app's page for the link (no web app is built in tests)
    const joined = await guest.post<SessionInfo>(api.invitationAccept(token), {
      name: 'Newcomer',
      password: strongPassword,
    });
    expect(joined.status).toBe(200);

    const delegated = {
      code: 'CODE-aq81x',
      state: 'STATE-aq82x',
      session_state: 'SESSIONSTATE-aq83x',
      client_info: 'CLIENTINFO-aq84x',
    };
    await guest.get(`/api/v1/oauth/microsoft/callback?${new URLSearchParams(delegated)}`);
    await guest.get(
      '/api/v1/oauth/microsoft/admin-consent/callback?admin_consent=True&tenant=6b1c2f3e-0000-4000-8000-000000000001&state=STATE-aq85x',
    );
    await guest.get(
      '/api/v1/oauth/microsoft/callback?error=access_denied&error_description=The+user+declined&state=STATE-aq86x',
    );

    // The requests were logged: the search below is not vacuous.
    expect(logs).toContain('"url":"/api/v1/invitations/[redacted]/accept"');
    expect(logs).toContain('"url":"/invite/[redacted]"');
    expect(logs).toContain(
      '/api/v1/oauth/microsoft/callback?code=[redacted]&state=[redacted]&session_state=[redacted]&client_info=[redacted]',
    );
    // What explains a failed connection stays.
    expect(logs).toContain('admin_consent=True&tenant=6b1c2f3e-0000-4000-8000-000000000001&state=[redacted]');
    expect(logs).toContain('error=access_denied&error_description=The+user+declined');
    for (const secret of [token, ...Object.values(delegated), 'STATE-aq85x', 'STATE-aq86x'])
      expect(logs).not.toContain(secret);
  });
});

describe('password hashing without a session is bounded per client', () => {
  it('refuses setup before hashing, and limits sign-ins and invitations to a budget per client', async () => {
    const c = await browserAt('203.0.113.9');
    // Setup is done: every attempt is refused at once, and none of them spends the budget below.
    for (let i = 0; i < 70; i++) {
      const again = await c.post<Err>(api.setup, { ...owner, email: `mallory${i}@example.com` });
      expect(again.body.error.code).toBe('setup_already_done');
    }
    // 60 sign-ins in five minutes from one client, even successful ones, then 429.
    for (let i = 0; i < 60; i++) expect((await signIn(c)).status).toBe(200);
    const spent = await signIn(c);
    expect(spent.status).toBe(429);
    expect(spent.body.error.code).toBe('rate_limited');
    expect(spent.body.error.message).toMatch(
      /Too many password attempts from your network\. Try again in \d+ minutes?\./,
    );
    expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    // Choosing a password on an invitation costs a hash too.
    const token = await invite('budget@example.com');
    const fresh = await browserAt('203.0.113.9');
    const refused = await fresh.post<Err>(api.invitationAccept(token), {
      name: 'Budget',
      password: strongPassword,
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    // Other clients are not affected; the invitation is still good.
    const elsewhere = await browserAt('203.0.113.10');
    expect(
      (await elsewhere.post(api.invitationAccept(token), { name: 'Budget', password: strongPassword }))
        .status,
    ).toBe(200);
    expect((await signIn(await browserAt('203.0.113.11'))).status).toBe(200);
  });
});

describe('sign-in lockout', () => {
  it('locks an account for the client that guessed, not for its owner elsewhere', async () => {
    const guesser = await browserAt('198.51.100.20');
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push((await signIn(guesser, `wrong guess ${i}!`)).body.error.code);
    expect(codes).toEqual([...Array(5).fill('invalid_credentials'), 'account_locked']);
    const right = await signIn(guesser);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('account_locked');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);

    // The owner, from their own network, signs in; the message says the lock is not everywhere.
    expect((await signIn(await browserAt('198.51.100.21'))).status).toBe(200);
    expect(right.body.error.message).toMatch(
      /^Too many failed sign-ins for this email from your device or network\. Try again in 1 minute\.$/,
    );

    // When the lock ends, the next failure from that client locks for twice as long.
    await app.server.database.db.update(loginThrottle).set({ lockedUntil: sql`now() - interval '1 second'` });
    expect((await signIn(guesser, 'yet another guess')).body.error.code).toBe('invalid_credentials');
    const longer = await signIn(guesser);
    expect(longer.body.error.code).toBe('account_locked');
    expect(Number(longer.headers['retry-after'])).toBeGreaterThan(60);
  });

  it('counts only failures toward a client’s limit: an office behind one address can sign in all day', async () => {
    const office = await browserAt('192.0.2.77');
    for (let i = 0; i < 40; i++) expect((await signIn(office)).status, `sign-in ${i + 1}`).toBe(200);
  });

  it('stops a client spraying many addresses after 30 failures, leaving others alone', async () => {
    const sprayer = await browserAt('198.51.100.30');
    for (let i = 0; i < 30; i++) {
      const r = await sprayer.post<Err>(api.login, {
        email: `person${i % 10}@example.com`,
        password: 'Summer2024!!',
      });
      expect(r.body.error.code).toBe('invalid_credentials');
    }
    const stopped = await signIn(sprayer);
    expect(stopped.status).toBe(429);
    expect(stopped.body.error.code).toBe('rate_limited');
    expect((await signIn(await browserAt('198.51.100.31'))).status).toBe(200);
  });
});

describe('security headers', () => {
  it('sends HSTS (PUBLIC_BASE_URL is https), a Permissions-Policy and a CSP that names its script sources', async () => {
    const anon = new Client(app);
    const apiRes = await anon.get(api.session);
    const page = await anon.get('/sign-in');
    for (const r of [apiRes, page]) {
      expect(r.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
      expect(r.headers['permissions-policy']).toMatch(/(^|, )camera=\(\)/);
      expect(r.headers['permissions-policy']).toMatch(/(^|, )microphone=\(\)/);
      expect(r.headers['permissions-policy']).toMatch(/(^|, )geolocation=\(\)/);
    }
    const csp = new Map(
      String(page.headers['content-security-policy'])
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values]),
    );
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });
});
