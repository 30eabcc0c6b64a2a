import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { api, type DirectoryList, type MailboxList, type SessionInfo } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberships, users, workspaces } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/security/passwords.ts';
import { join } from './document-fixtures.ts';
import { connectedOwnApp, newConnector } from './connect-helpers.ts';
import { Client, setUp, startTestApp, type TestApp } from './helpers.ts';

type Err = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

let app: TestApp;
let admin: Client;
let ws: string;
let connectorId: string;
/** The owner of a workspace of her own: the outside reviewer. */
let eve: { client: Client; workspaceId: string };
const claims = DEMO.contoso.sharedMailboxes[0];

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await connectedOwnApp(admin, ws, 'Contoso');
  const dir = await admin.get<DirectoryList>(`${api.directory(ws, connectorId)}?search=claims`);
  const set = await admin.request<MailboxList>('PUT', api.mailboxes(ws, connectorId), {
    mailboxes: [dir.body.items[0]],
  });
  expect(set.status).toBe(200);
  eve = await otherWorkspaceOwner();
});
afterAll(async () => {
  await app?.close();
});

async function otherWorkspaceOwner(): Promise<{ client: Client; workspaceId: string }> {
  const { db } = app.server.database;
  const [w] = await db.insert(workspaces).values({ name: 'Elsewhere' }).returning();
  const [u] = await db
    .insert(users)
    .values({
      email: 'eve@elsewhere.example',
      name: 'Eve',
      passwordHash: await hashPassword('eve password long'),
    })
    .returning();
  await db.insert(memberships).values({ workspaceId: w!.id, userId: u!.id, role: 'owner' });
  const client = new Client(app);
  await client.session();
  client.csrf = (
    await client.post<SessionInfo>(api.login, {
      email: 'eve@elsewhere.example',
      password: 'eve password long',
    })
  ).body.csrfToken;
  return { client, workspaceId: w!.id };
}

const email = { address: claims, sender: 'external', attachments: false } as const;
const inClaims = async () =>
  (await app.server.sandbox!.control.listMessages(claims, { folder: 'inbox' })).length;

describe('sandbox: send a test email', () => {
  it('is gone from its old, workspace-less address', async () => {
    const before = await inClaims();
    for (const c of [eve.client, admin])
      expect((await c.post<Err>('/api/v1/sandbox/test-email', email)).status).toBe(404);
    expect(await inClaims()).toBe(before);
  });

  it("refuses members, other workspaces' people, unconnected connectors and mailboxes the connector does not read", async () => {
    const before = await inClaims();
    const member = (await join(app, admin, ws, 'mia@example.com', 'member')).client;
    const m = await member.post<Err>(api.sandboxTestEmail(ws, connectorId), email);
    expect(m.status).toBe(403);

    // Through our workspace (not a member) and through hers (not her connector): 404 both ways.
    expect((await eve.client.post<Err>(api.sandboxTestEmail(ws, connectorId), email)).status).toBe(404);
    expect(
      (await eve.client.post<Err>(api.sandboxTestEmail(eve.workspaceId, connectorId), email)).status,
    ).toBe(404);
    // Her own connector, not connected to the sandbox tenant: nothing to send to.
    const hers = await newConnector(eve.client, eve.workspaceId, 'Not connected');
    const unconnected = await eve.client.post<Err>(api.sandboxTestEmail(eve.workspaceId, hers), email);
    expect(unconnected.status).toBe(409);
    expect(unconnected.body.error.message).toMatch(/Connect this connector/);

    // A mailbox of the tenant that this connector does not read.
    const elsewhere = await admin.post<Err>(api.sandboxTestEmail(ws, connectorId), {
      ...email,
      address: DEMO.contoso.handlers[0],
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.details?.[0]).toMatchObject({
      path: 'address',
      message: expect.stringMatching(/mailboxes this connector reads/),
    });
    expect(await inClaims()).toBe(before);
  });

  it("delivers for an admin of the workspace, into one of the connector's mailboxes", async () => {
    const before = await inClaims();
    const sent = await admin.post<{ subject: string }>(api.sandboxTestEmail(ws, connectorId), email);
    expect(sent.status).toBe(202);
    expect(sent.body.subject).toBeTruthy();
    expect(await inClaims()).toBe(before + 1);
  });
});

describe('sandbox: the in-process Microsoft 365 emulator', () => {
  const outward = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(!outward)(
    'listens on loopback only: its port is closed on the machine’s other addresses',
    async () => {
      const port = Number(new URL(app.server.sandbox!.url).port);
      const refused = await new Promise<string>((resolve) => {
        const s = connect({ host: outward!, port });
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    },
  );
});
