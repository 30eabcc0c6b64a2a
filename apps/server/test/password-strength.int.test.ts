import { api, type Invitation, type SessionInfo } from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/security/passwords.ts';
import { Client, owner, startTestApp, type TestApp } from './helpers.ts';

type Err = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

const passwordError = (r: { body: Err }) => r.body.error.details?.find((d) => d.path === 'password')?.message;

describe('weak passwords are refused wherever one is chosen', () => {
  let admin: Client;
  let ws: string;

  it('setup: refuses password1234 and the like with the reason, in the form’s language, and sets nothing up', async () => {
    const c = new Client(app);
    await c.session();
    const weak = await c.post<Err>(api.setup, { ...owner, password: 'password1234' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('validation_failed');
    expect(passwordError(weak)).toBe(
      'This password is too easy to guess: This is similar to a commonly used password. Add more words that are less common.',
    );

    // Made of what the form also says (the workspace's name): guessed first.
    const personal = await c.post<Err>(api.setup, { ...owner, password: 'contosoclaims' });
    expect(passwordError(personal)).toMatch(/personal or page related data/);

    // The SPA sends its language; the setup form also names it.
    const fr = await c.request<Err>(
      'POST',
      api.setup,
      { ...owner, password: 'motdepasse1234' },
      { 'accept-language': 'fr' },
    );
    expect(passwordError(fr)).toMatch(/^Ce mot de passe est trop facile à deviner/);
    const frBody = await c.post<Err>(api.setup, { ...owner, locale: 'fr', password: 'password1234' });
    expect(passwordError(frBody)).toMatch(/^Ce mot de passe est trop facile à deviner/);

    expect((await c.session()).setupRequired).toBe(true);
    expect(
      await app.server.database.db.select().from(users).where(eq(users.email, owner.email)),
    ).toHaveLength(0);

    const ok = await c.post<SessionInfo>(api.setup, owner);
    expect(ok.status).toBe(201);
    admin = c;
    admin.csrf = ok.body.csrfToken;
    ws = ok.body.workspaces[0]!.id;
  });

  it('invitation: a new person must choose a strong password; an existing account keeps its own', async () => {
    const inv = await admin.post<Invitation>(api.invitations(ws), {
      email: 'nora@example.com',
      role: 'member',
    });
    const token = inv.body.url!.split('/invite/')[1]!;
    const c = new Client(app);
    await c.session();
    const weak = await c.post<Err>(api.invitationAccept(token), { name: 'Nora', password: 'iloveyou1234' });
    expect(weak.status).toBe(400);
    expect(passwordError(weak)).toMatch(/too easy to guess: This is similar to a commonly used password/);
    const named = await c.post<Err>(api.invitationAccept(token), {
      name: 'Nora Lindqvist',
      password: 'noralindqvist',
    });
    expect(passwordError(named)).toMatch(/personal or page related data/);
    expect(
      await app.server.database.db.select().from(users).where(eq(users.email, 'nora@example.com')),
    ).toHaveLength(0);

    const joined = await c.post<SessionInfo>(api.invitationAccept(token), {
      name: 'Nora',
      password: 'lantern orbit velvet 9',
    });
    expect(joined.status).toBe(200);

    // Someone whose account predates the rule confirms the password they have: not judged again.
    await app.server.database.db
      .insert(users)
      .values({ email: 'old@example.com', name: 'Old', passwordHash: await hashPassword('password1234') });
    const again = await admin.post<Invitation>(api.invitations(ws), {
      email: 'old@example.com',
      role: 'member',
    });
    const existing = new Client(app);
    await existing.session();
    const confirmed = await existing.post<SessionInfo>(
      api.invitationAccept(again.body.url!.split('/invite/')[1]!),
      { password: 'password1234' },
    );
    expect(confirmed.status).toBe(200);
  });
});
