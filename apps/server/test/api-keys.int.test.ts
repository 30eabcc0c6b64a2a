import {
  api,
  type ApiKeyList,
  type AuditList,
  type CreatedApiKey,
  type Document,
  type DocumentList,
  type InboxList,
  type ManagedInbox,
} from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaces } from '../src/db/schema/index.ts';
import { fixtureDocument, fixtureFolder, join } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// Workspace API keys (issue 21 §1, decision 0010): a key acts as a member with its scope, on its
// inboxes only, in its workspace only; shown once, stored hashed, revocable at once, audited.

type Err = { error: { code: string; message: string } };

let app: TestApp;
let admin: Client;
let ws: string;
let claims: string; // the default inbox
let production: string;
const docs: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  claims = (await admin.get<InboxList>(api.inboxes(ws))).body.items[0]!.id;
  production = (await admin.post<ManagedInbox>(api.inboxes(ws), { name: 'Production' })).body.id;
  const at = await fixtureFolder(app, ws, claims);
  docs.claims = (
    await fixtureDocument(
      app,
      { workspaceId: ws, inboxId: claims, ...at },
      { subject: 'Claim for the claims inbox' },
    )
  ).id;
  docs.production = (
    await fixtureDocument(
      app,
      { workspaceId: ws, inboxId: production, ...at },
      { subject: 'Policy for production' },
    )
  ).id;
});
afterAll(async () => {
  await app?.close();
});

/** A request with a key and nothing else: no cookie, no CSRF token. */
async function withKey<T>(
  key: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
  url: string,
  body?: unknown,
) {
  const res = await app.server.http!.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  const json = String(res.headers['content-type'] ?? '').includes('json');
  return {
    status: res.statusCode,
    body: (res.body && json ? JSON.parse(res.body) : res.body) as T,
    headers: res.headers,
  };
}

async function createKey(body: object): Promise<CreatedApiKey> {
  const r = await admin.post<CreatedApiKey>(api.apiKeys(ws), body);
  expect(r.status).toBe(201);
  return r.body;
}

describe('API keys', () => {
  let reader: CreatedApiKey;
  let writer: CreatedApiKey;

  it('are created by admins, shown once, listed by prefix only', async () => {
    reader = await createKey({ name: 'Claims system (read)', scope: 'read' });
    writer = await createKey({ name: 'Production robot', scope: 'read_write', inboxIds: [production] });
    expect(reader.key).toMatch(/^mrk_[\w-]{40}$/);
    expect(reader.key.startsWith(reader.prefix)).toBe(true);
    const list = (await admin.get<ApiKeyList>(api.apiKeys(ws))).body.items;
    expect(list.map((k) => k.name)).toEqual(['Production robot', 'Claims system (read)']);
    expect(JSON.stringify(list)).not.toContain(reader.key);
    const stored = JSON.stringify(await app.server.database.db.execute('select * from api_keys'));
    expect(stored).not.toContain(reader.key);
  });

  it('are refused to members and to keys themselves', async () => {
    const { client: member } = await join(app, admin, ws, 'member@example.com', 'member');
    expect((await member.post<Err>(api.apiKeys(ws), { name: 'x', scope: 'read' })).status).toBe(403);
    expect((await withKey<Err>(reader.key, 'GET', api.apiKeys(ws))).status).toBe(403);
    expect(
      (await withKey<Err>(writer.key, 'POST', api.apiKeys(ws), { name: 'escalate', scope: 'read_write' }))
        .status,
    ).toBe(403);
  });

  it('read: lists and reads every inbox, changes nothing, needs no CSRF token', async () => {
    const list = await withKey<DocumentList>(reader.key, 'GET', api.documents(ws));
    expect(list.status).toBe(200);
    expect(list.body.items.map((d) => d.id).sort()).toEqual([docs.claims, docs.production].sort());
    const one = await withKey<Document>(reader.key, 'GET', api.document(ws, docs.claims!));
    expect(one.body.subject).toBe('Claim for the claims inbox');
    expect((await withKey<unknown>(reader.key, 'GET', api.documentEml(ws, docs.claims!))).status).toBe(200);
    const refused = await withKey<Err>(reader.key, 'POST', api.documentActions(ws, docs.claims!), {
      action: 'approve',
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('read-only');
    expect(
      (await withKey<Err>(reader.key, 'PATCH', api.document(ws, docs.claims!), { metadata: { a: '1' } }))
        .status,
    ).toBe(403);
  });

  it('read-write on one inbox: sees and acts on that inbox only, and the history names the key', async () => {
    const list = await withKey<DocumentList>(writer.key, 'GET', api.documents(ws));
    expect(list.body.items.map((d) => d.id)).toEqual([docs.production]);
    expect(
      (await withKey<InboxList>(writer.key, 'GET', api.inboxes(ws))).body.items.map((i) => i.id),
    ).toEqual([production]);
    expect((await withKey<Err>(writer.key, 'GET', api.document(ws, docs.claims!))).status).toBe(404);
    expect(
      (await withKey<Err>(writer.key, 'POST', api.documentActions(ws, docs.claims!), { action: 'approve' }))
        .status,
    ).toBe(404);
    const approved = await withKey<Document>(writer.key, 'POST', api.documentActions(ws, docs.production!), {
      action: 'approve',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expect(approved.body.history.at(-1)?.actor).toBe(`API key "Production robot" (${writer.prefix}…)`);
    const audit = (await admin.get<AuditList>(`${api.audit(ws)}?limit=200`)).body.items;
    expect(
      audit.find((a) => a.targetId === docs.production && a.action.includes('approved'))?.actor,
    ).toMatchObject({ userId: null, email: expect.stringContaining(writer.prefix) });
  });

  it('never reaches another workspace: every workspace route answers 404 for a key of another workspace', async () => {
    const [other] = await app.server.database.db.insert(workspaces).values({ name: 'Fabrikam' }).returning();
    const spec = (await admin.get<{ paths: Record<string, Record<string, unknown>> }>('/api/v1/openapi.json'))
      .body;
    const someId = '11111111-1111-4111-8111-111111111111';
    let checked = 0;
    for (const [path, methods] of Object.entries(spec.paths)) {
      if (!path.includes('{workspaceId}')) continue;
      const url = path.replace('{workspaceId}', other!.id).replace(/\{[^}]+\}/g, someId);
      for (const method of Object.keys(methods)) {
        const m = method.toUpperCase() as 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
        const r = await withKey<Err>(writer.key, m, url, m === 'GET' || m === 'DELETE' ? undefined : {});
        // 404 as for a workspace that does not exist (a body the schema refuses is a 400 before that: it says nothing either).
        expect([400, 404], `${m} ${path} answered ${r.status}`).toContain(r.status);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('refuses a key sent with a session cookie, and a malformed Authorization header', async () => {
    const mixed = await admin.request<Err>('GET', api.documents(ws), undefined, {
      authorization: `Bearer ${reader.key}`,
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.message).toContain('not both');
    const bad = await withKey<Err>('not-a-key', 'GET', api.documents(ws));
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('invalid_api_key');
    expect(bad.headers['www-authenticate']).toContain('Bearer');
  });

  it('revoked: refused at once, in words, and the refusal is audited', async () => {
    const r = await admin.del(api.apiKey(ws, reader.id));
    expect(r.status).toBe(200);
    const refused = await withKey<Err>(reader.key, 'GET', api.documents(ws));
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/was revoked on \d{4}-\d{2}-\d{2}/);
    expect((await admin.del(api.apiKey(ws, reader.id))).status).toBe(200); // again: harmless
    const audit = (await admin.get<AuditList>(`${api.audit(ws)}?limit=200`)).body.items;
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['api_key.created', 'api_key.revoked', 'api_key.denied']),
    );
  });

  it('expired: refused', async () => {
    const soon = await createKey({
      name: 'Short-lived',
      scope: 'read',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await withKey<DocumentList>(soon.key, 'GET', api.documents(ws))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const refused = await withKey<Err>(soon.key, 'GET', api.documents(ws));
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('expired');
  });
});
