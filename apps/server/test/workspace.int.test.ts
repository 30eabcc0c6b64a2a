import {
  api,
  type Connector,
  type ConnectorList,
  type Invitation,
  type InvitationPreview,
  type Member,
  type MemberList,
  type SessionInfo,
  type AuditList,
} from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors, memberships, users, workspaces } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/security/passwords.ts';
import { Client, owner, setUp, startTestApp, type TestApp } from './helpers.ts';

type Err = { error: { code: string; message: string; details?: { path: string }[] } };

let app: TestApp;
let admin: Client;
let ws: string;
let member: Client;

/** Invites `email` with `role` and accepts as a new person; returns that person's signed-in client. */
async function invite(email: string, role: 'admin' | 'member'): Promise<Client> {
  const inv = await admin.post<Invitation>(api.invitations(ws), { email, role });
  expect(inv.status).toBe(201);
  const token = inv.body.url!.split('/invite/')[1]!;
  const c = new Client(app);
  await c.session();
  const preview = await c.get<InvitationPreview>(api.invitationPreview(token));
  expect(preview.body).toEqual({ workspaceName: owner.workspaceName, email, role, accountExists: false });
  const accepted = await c.post<SessionInfo>(api.invitationAccept(token), {
    name: `Person ${role}`,
    password: 'a long enough password',
  });
  expect(accepted.status).toBe(200);
  c.csrf = accepted.body.csrfToken;
  const reuse = await new Client(app).get<Err>(api.invitationPreview(token));
  expect(reuse.status).toBe(410);
  expect(reuse.body.error.code).toBe('invitation_invalid');
  return c;
}

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  member = await invite('mia@example.com', 'member');
});
afterAll(async () => {
  await app?.close();
});

describe('connectors', () => {
  it('creates, lists, opens, renames and deletes a connector', async () => {
    const created = await admin.post<Connector>(api.connectors(ws), {
      name: '  Microsoft  ',
      type: 'microsoft365',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Microsoft', type: 'microsoft365', status: 'not_connected' });
    const id = created.body.id;
    expect((await admin.get<ConnectorList>(api.connectors(ws))).body.items.map((c) => c.id)).toContain(id);
    expect((await admin.get<Connector>(api.connector(ws, id))).body.name).toBe('Microsoft');
    const renamed = await admin.patch<Connector>(api.connector(ws, id), { name: 'Claims M365' });
    expect(renamed.body.name).toBe('Claims M365');
    expect((await admin.del(api.connector(ws, id))).status).toBe(204);
    expect((await admin.get<Err>(api.connector(ws, id))).status).toBe(404);
    const audit = await admin.get<AuditList>(api.audit(ws));
    expect(audit.body.items.slice(0, 3).map((e) => e.action)).toEqual([
      'connector.deleted',
      'connector.renamed',
      'connector.created',
    ]);
  });

  it('rejects empty, over-long and unknown-type connectors with field errors', async () => {
    for (const body of [
      { name: '   ', type: 'microsoft365' },
      { name: 'x'.repeat(81), type: 'microsoft365' },
      { name: 'Gmail', type: 'gmail' },
    ]) {
      const r = await admin.post<Err>(api.connectors(ws), body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.details?.[0]?.path).toBe(body.type === 'gmail' ? 'type' : 'name');
    }
  });

  it('lets a member read connectors but not change them (403)', async () => {
    const c = await admin.post<Connector>(api.connectors(ws), { name: 'Read me', type: 'microsoft365' });
    expect((await member.get<ConnectorList>(api.connectors(ws))).status).toBe(200);
    for (const r of [
      await member.post<Err>(api.connectors(ws), { name: 'Mine', type: 'microsoft365' }),
      await member.patch<Err>(api.connector(ws, c.body.id), { name: 'Renamed' }),
      await member.del<Err>(api.connector(ws, c.body.id)),
      await member.get<Err>(api.audit(ws)),
      await member.post<Err>(api.invitations(ws), { email: 'x@example.com', role: 'member' }),
    ]) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
  });
});

describe('workspace isolation', () => {
  it("never shows another workspace's connector: 404 on every route, and absent from lists", async () => {
    const { db } = app.server.database;
    const [other] = await db.insert(workspaces).values({ name: 'Fabrikam' }).returning();
    const [stranger] = await db
      .insert(users)
      .values({
        email: 'eve@fabrikam.example',
        name: 'Eve',
        passwordHash: await hashPassword('fabrikam password'),
      })
      .returning();
    await db.insert(memberships).values({ workspaceId: other!.id, userId: stranger!.id, role: 'owner' });
    const [theirs] = await db
      .insert(connectors)
      .values({ workspaceId: other!.id, name: 'Fabrikam secret connector', type: 'microsoft365' })
      .returning();

    // Through our own workspace's path…
    for (const r of [
      await admin.get<Err>(api.connector(ws, theirs!.id)),
      await admin.patch<Err>(api.connector(ws, theirs!.id), { name: 'pwned' }),
      await admin.del<Err>(api.connector(ws, theirs!.id)),
      // …and through theirs, where we are not a member.
      await admin.get<Err>(api.connector(other!.id, theirs!.id)),
      await admin.get<Err>(api.connectors(other!.id)),
      await admin.del<Err>(api.connector(other!.id, theirs!.id)),
      await admin.get<Err>(api.members(other!.id)),
      await admin.get<Err>(api.connector(ws, 'not-a-uuid')),
    ]) {
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain('Fabrikam');
    }
    const list = await admin.get<ConnectorList>(api.connectors(ws));
    expect(list.body.items.map((c) => c.id)).not.toContain(theirs!.id);
    const [still] = await db
      .select()
      .from(connectors)
      .where((await import('drizzle-orm')).eq(connectors.id, theirs!.id));
    expect(still?.name).toBe('Fabrikam secret connector');
  });

  it("answers 404 for another workspace's connector on the mailbox routes too, never an empty list", async () => {
    const { db } = app.server.database;
    const [other] = await db.insert(workspaces).values({ name: 'Northwind' }).returning();
    const [theirs] = await db
      .insert(connectors)
      .values({ workspaceId: other!.id, name: 'Northwind connector', type: 'microsoft365' })
      .returning();
    const missing = '6f1c1a52-8a3e-4c1e-9d55-0b8c2f0e7a11';
    for (const [who, r] of [
      ['admin: list', await admin.get<Err>(api.mailboxes(ws, theirs!.id))],
      ['member: list', await member.get<Err>(api.mailboxes(ws, theirs!.id))],
      ['admin: no such connector', await admin.get<Err>(api.mailboxes(ws, missing))],
      ['admin: directory', await admin.get<Err>(api.directory(ws, theirs!.id))],
      ['admin: test', await admin.post<Err>(api.testMailboxes(ws, theirs!.id), { graphUserIds: ['x'] })],
      ['admin: set', await admin.request<Err>('PUT', api.mailboxes(ws, theirs!.id), { mailboxes: [] })],
    ] as const) {
      expect(r.status, who).toBe(404);
      expect(r.body.error.code, who).toBe('not_found');
    }
  });
});

describe('people', () => {
  it('lists members; admins change roles; the last owner stays', async () => {
    const members = await member.get<MemberList>(api.members(ws));
    expect(members.body.items.map((m) => [m.email, m.role])).toEqual([
      [owner.email, 'owner'],
      ['mia@example.com', 'member'],
    ]);
    const mia = members.body.items[1]!;
    const promoted = await admin.patch<Member>(api.member(ws, mia.userId), { role: 'admin' });
    expect(promoted.body.role).toBe('admin');
    // An admin may not grant ownership, nor demote the owner.
    const me = (await admin.session()).user!;
    expect((await member.patch<Err>(api.member(ws, mia.userId), { role: 'owner' })).status).toBe(403);
    expect((await member.patch<Err>(api.member(ws, me.id), { role: 'member' })).status).toBe(403);
    // The only owner cannot step down.
    const alone = await admin.patch<Err>(api.member(ws, me.id), { role: 'admin' });
    expect(alone.status).toBe(409);
    expect(alone.body.error.message).toMatch(/at least one owner/);
    await admin.patch<Member>(api.member(ws, mia.userId), { role: 'member' });
  });

  it('lets an existing person accept with their password, refuses a wrong one, and revokes links', async () => {
    const inv = await admin.post<Invitation>(api.invitations(ws), {
      email: 'ravi@example.com',
      role: 'member',
    });
    await admin.del(api.invitation(ws, inv.body.id));
    const token = inv.body.url!.split('/invite/')[1]!;
    const c = new Client(app);
    await c.session();
    expect((await c.get<Err>(api.invitationPreview(token))).body.error.code).toBe('invitation_invalid');

    const dup = await admin.post<Err>(api.invitations(ws), { email: 'MIA@example.com', role: 'member' });
    expect(dup.status).toBe(409);
  });

  it('removes a member, whose session then sees nothing of the workspace', async () => {
    const ravi = await invite('ravi2@example.com', 'member');
    const list = await admin.get<MemberList>(api.members(ws));
    const id = list.body.items.find((m) => m.email === 'ravi2@example.com')!.userId;
    expect((await admin.del(api.member(ws, id))).status).toBe(204);
    expect((await ravi.get<Err>(api.connectors(ws))).status).toBe(404);
  });
});
