import { api, type SessionInfo } from '@mailroom/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../src/db/schema/index.ts';
import { Client, owner, setUp, startTestApp, type TestApp } from './helpers.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

type Err = {
  error: { code: string; message: string; details?: { path: string; message: string }[]; requestId: string };
};

describe('first start, sign-in and sessions', () => {
  it('asks for setup, then creates the owner and the first workspace exactly once', async () => {
    const anon = new Client(app);
    expect((await anon.session()).setupRequired).toBe(true);

    const bad = await anon.post<Err>(api.setup, { ...owner, password: 'short', email: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details?.map((d) => d.path).sort()).toEqual(['email', 'password']);

    const { client } = await setUp(app);
    const me = await client.session();
    expect(me.setupRequired).toBe(false);
    expect(me.user?.email).toBe(owner.email);
    expect(me.workspaces).toEqual([expect.objectContaining({ name: owner.workspaceName, role: 'owner' })]);

    const again = new Client(app);
    await again.session();
    const second = await again.post<Err>(api.setup, { ...owner, email: 'mallory@example.com' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('setup_already_done');
  });

  it('signs in and out; the password check says nothing about which emails exist', async () => {
    const c = new Client(app);
    await c.session();
    const wrongPassword = await c.post<Err>(api.login, { email: owner.email, password: 'wrong password!' });
    const unknownEmail = await c.post<Err>(api.login, {
      email: 'nobody@example.com',
      password: 'wrong password!',
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body.error.code).toBe('invalid_credentials');
    expect(wrongPassword.body.error.message).toBe(unknownEmail.body.error.message);

    const ok = await c.post<SessionInfo>(api.login, {
      email: owner.email.toUpperCase(),
      password: owner.password,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user?.email).toBe(owner.email);
    const sessionCookie = ok.headers['set-cookie'];
    expect(String(sessionCookie)).toMatch(/mr_session=.*HttpOnly/i);
    expect(String(sessionCookie)).toMatch(/SameSite=Lax/i);
    c.csrf = ok.body.csrfToken;

    const out = await c.post(api.logout);
    expect(out.status).toBe(204);
    const after = await c.session();
    expect(after.user).toBeNull();
  });

  it('answers 401 session_expired for an expired session, and 401 unauthenticated without one', async () => {
    const c = new Client(app);
    await c.session();
    const r = await c.post<SessionInfo>(api.login, { email: owner.email, password: owner.password });
    const wsId = r.body.workspaces[0]!.id;
    await app.server.database.db.update(sessions).set({ expiresAt: sql`now() - interval '1 minute'` });
    const expired = await c.get<Err>(api.connectors(wsId));
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('session_expired');
    const none = await new Client(app).get<Err>(api.connectors(wsId));
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthenticated');
  });

  it('refuses state changes without the CSRF token or from another origin', async () => {
    const c = new Client(app);
    await c.session();
    const r = await c.post<SessionInfo>(api.login, { email: owner.email, password: owner.password });
    c.csrf = r.body.csrfToken;
    const wsId = r.body.workspaces[0]!.id;

    const noToken = await c.request<Err>(
      'POST',
      api.connectors(wsId),
      { name: 'x', type: 'microsoft365' },
      { 'x-csrf-token': '' },
    );
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('csrf_failed');

    // The anonymous token from before sign-in is not the session's.
    const stale = await c.request<Err>(
      'POST',
      api.connectors(wsId),
      { name: 'x', type: 'microsoft365' },
      { 'x-csrf-token': 'A'.repeat(43) },
    );
    expect(stale.body.error.code).toBe('csrf_failed');

    const crossSite = await c.request<Err>(
      'POST',
      api.connectors(wsId),
      { name: 'x', type: 'microsoft365' },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe('csrf_failed');

    const anonLogin = new Client(app);
    const noAnonToken = await anonLogin.post<Err>(api.login, {
      email: owner.email,
      password: owner.password,
    });
    expect(noAnonToken.body.error.code).toBe('csrf_failed');
  });

  it('answers malformed JSON with a clear 400 and a request id', async () => {
    const c = new Client(app);
    await c.session();
    const r = await c.request<Err>('POST', api.login, '{"email": ', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('malformed_json');
    expect(r.body.error.requestId).toBe(r.headers['x-request-id']);
  });

  it('locks an address after repeated failures, whether or not it has an account', async () => {
    for (const email of [owner.email, 'ghost@example.com']) {
      const c = new Client(app);
      await c.session();
      const codes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await c.post<Err>(api.login, { email, password: `wrong ${i} attempt` });
        codes.push(r.body.error.code);
      }
      expect(codes.slice(0, 5)).toEqual(Array(5).fill('invalid_credentials'));
      expect(codes[5]).toBe('account_locked');
      // Even the right password waits out the lock.
      const right = await c.post<Err>(api.login, { email, password: owner.password });
      expect(right.status).toBe(429);
      expect(right.body.error.code).toBe('account_locked');
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
      // Without TRUST_PROXY, X-Forwarded-For is the caller's word, not a new client.
      const spoofed = await c.request<Err>(
        'POST',
        api.login,
        { email, password: owner.password },
        { 'x-forwarded-for': '203.0.113.99' },
      );
      expect(spoofed.body.error.code).toBe('account_locked');
    }
  });

  it('sends no HSTS while PUBLIC_BASE_URL is http (a browser would pin https to a host that has none)', async () => {
    const r = await new Client(app).get(api.session);
    expect(r.headers['strict-transport-security']).toBeUndefined();
    expect(r.headers['permissions-policy']).toContain('camera=()');
  });
});
