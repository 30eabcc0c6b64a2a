import {
  api,
  type ApiKey,
  type CreatedApiKey,
  type Invitation,
  type InvitationPreview,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
} from '@mailroom/contracts';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creationKeys } from '../src/db/schema/index.ts';
import { setUp, startTestApp, type Client, type Res, type TestApp } from './helpers.ts';

// Creations whose answer holds a secret shown once — an API key, a webhook endpoint's signing secret,
// an invitation link — are safe to send twice (decision 0019): the same Idempotency-Key gives the
// first request's thing *and its secret*, so a double click or a retry whose answer was lost makes
// one thing, and the secret the client ends up with is the one that works.

type Err = { error: { code: string; message: string } };

let app: TestApp;
let admin: Client;
let ws: string;

beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

/** The same creation twice at once (a double click), then once more (a retry), with one key. */
async function thrice<T>(url: string, body: unknown, key: string): Promise<Res<T>[]> {
  const send = () => admin.request<T>('POST', url, body, { 'idempotency-key': key });
  const both = await Promise.all([send(), send()]);
  return [...both, await send()];
}
const statuses = (rs: Res<unknown>[]) => rs.map((r) => r.status).sort();

describe('creations whose answer holds a secret, sent twice with one Idempotency-Key', () => {
  it('an API key: one key, and every answer holds the secret that authenticates', async () => {
    const body = { name: 'Claims system', scope: 'read' };
    const rs = await thrice<CreatedApiKey>(api.apiKeys(ws), body, 'api-key-dbl-1');
    expect(statuses(rs)).toEqual([200, 200, 201]);
    expect(new Set(rs.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(rs.map((r) => r.body.key)).size).toBe(1);
    const listed = (await admin.get<{ items: ApiKey[] }>(api.apiKeys(ws))).body.items;
    expect(listed.filter((k) => k.name === 'Claims system')).toHaveLength(1);
    const withKey = await app.server.http!.inject({
      method: 'GET',
      url: api.inboxes(ws),
      headers: { authorization: `Bearer ${rs[2]!.body.key}` },
    });
    expect(withKey.statusCode).toBe(200);

    // The same key for another request is refused in words; a key revoked since is not given again.
    const other = await admin.request<Err>(
      'POST',
      api.apiKeys(ws),
      { ...body, name: 'Other' },
      {
        'idempotency-key': 'api-key-dbl-1',
      },
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect((await admin.del(api.apiKey(ws, rs[0]!.body.id))).status).toBe(200);
    const afterRevoke = await admin.request<Err>('POST', api.apiKeys(ws), body, {
      'idempotency-key': 'api-key-dbl-1',
    });
    expect(afterRevoke.status).toBe(409);
    expect(afterRevoke.body.error.message).toMatch(/revoked/);
  });

  it('a webhook endpoint: one endpoint (never every event twice), and its signing secret in every answer', async () => {
    const body = { url: 'http://127.0.0.1:9/hooks', description: 'claims system' };
    const rs = await thrice<WebhookEndpointWithSecret>(api.webhooks(ws), body, 'hook-dbl-1');
    expect(statuses(rs)).toEqual([200, 200, 201]);
    expect(new Set(rs.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(rs.map((r) => r.body.secret)).size).toBe(1);
    expect(rs[0]!.body.secret).toMatch(/^whsec_/);
    const listed = (await admin.get<{ items: WebhookEndpoint[] }>(api.webhooks(ws))).body.items;
    expect(listed.filter((e) => e.url === body.url)).toHaveLength(1);
    // Without a key, two requests are two endpoints, as before.
    const plain = { url: 'http://127.0.0.1:9/other' };
    await admin.post(api.webhooks(ws), plain);
    await admin.post(api.webhooks(ws), plain);
    const again = (await admin.get<{ items: WebhookEndpoint[] }>(api.webhooks(ws))).body.items;
    expect(again.filter((e) => e.url === plain.url)).toHaveLength(2);
  });

  it('an invitation: the link the first click showed still works after the second (it is the same link)', async () => {
    const body = { email: 'ines@example.com', role: 'member' };
    const rs = await thrice<Invitation>(api.invitations(ws), body, 'invite-dbl-1');
    expect(statuses(rs)).toEqual([200, 200, 201]);
    expect(new Set(rs.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(rs.map((r) => r.body.url)).size).toBe(1);
    const token = rs[0]!.body.url!.split('/invite/')[1]!;
    const preview = await admin.get<InvitationPreview>(api.invitationPreview(token));
    expect(preview.status).toBe(200);
    const pending = (await admin.get<{ items: Invitation[] }>(api.invitations(ws))).body.items;
    expect(pending.filter((i) => i.email === body.email)).toHaveLength(1);
    // A new invitation (a new key) replaces it, as before: the old key's link is then not given again.
    const next = await admin.request<Invitation>('POST', api.invitations(ws), body, {
      'idempotency-key': 'invite-dbl-2',
    });
    expect(next.status).toBe(201);
    expect(next.body.url).not.toBe(rs[0]!.body.url);
    const old = await admin.request<Err>('POST', api.invitations(ws), body, {
      'idempotency-key': 'invite-dbl-1',
    });
    expect(old.status).toBe(409);
  });

  it('keeps the secrets encrypted, never as sent', async () => {
    // Its own creations (the test does not lean on the others' rows, nor on their order).
    const key = await admin.request<CreatedApiKey>(
      'POST',
      api.apiKeys(ws),
      { name: 'Kept encrypted', scope: 'read' },
      { 'idempotency-key': 'kept-api-key' },
    );
    const invitation = await admin.request<Invitation>(
      'POST',
      api.invitations(ws),
      { email: 'kept@example.com', role: 'member' },
      { 'idempotency-key': 'kept-invitation' },
    );
    expect([key.status, invitation.status]).toEqual([201, 201]);
    const token = invitation.body.url!.split('/invite/')[1]!;
    const { db } = app.server.database;
    const rows = await db
      .select()
      .from(creationKeys)
      .where(
        and(eq(creationKeys.workspaceId, ws), inArray(creationKeys.key, ['kept-api-key', 'kept-invitation'])),
      );
    expect(rows.map((r) => r.kind).sort()).toEqual(['api_key', 'invitation']);
    for (const r of rows) {
      expect(r.secret).toMatch(/^v1\./);
      expect(r.secret).not.toContain(r.kind === 'api_key' ? key.body.key : token);
    }
  });
});
