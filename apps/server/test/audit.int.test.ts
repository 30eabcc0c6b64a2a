import { api, type AuditEntry, type AuditList, type CreatedApiKey } from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConnector } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// The audit log (issue 21 §5): filters by actor, action, object and time; CSV and JSON Lines exports,
// streamed; API-key actions attributed to the key.

let app: TestApp;
let admin: Client;
let ws: string;
let connectorId: string;
let key: CreatedApiKey;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  connectorId = await newConnector(admin, ws, '=HYPERLINK("http://evil.example","claims")');
  await admin.patch(api.connector(ws, connectorId), { name: 'Claims mail' });
  key = (await admin.post<CreatedApiKey>(api.apiKeys(ws), { name: 'Monitor', scope: 'read' })).body;
  await admin.del(api.apiKey(ws, key.id));
  // A refused use of the revoked key: attributed to the key.
  await app.server.http!.inject({
    method: 'GET',
    url: api.documents(ws),
    headers: { authorization: `Bearer ${key.key}` },
  });
});
afterAll(async () => {
  await app?.close();
});

/** A download as the browser gets it: the session cookie, the body as text. */
async function download(url: string) {
  const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await app.server.http!.inject({ method: 'GET', url, headers: { cookie } });
  return { status: res.statusCode, headers: res.headers, body: res.body };
}

const list = async (q: Record<string, string>) =>
  (await admin.get<AuditList>(`${api.audit(ws)}?${new URLSearchParams(q).toString()}`)).body.items;

describe('audit log', () => {
  it('filters by action family, exact action, object, actor and time', async () => {
    expect((await list({ action: 'connector.*' })).map((e) => e.action)).toEqual([
      'connector.renamed',
      'connector.created',
    ]);
    expect((await list({ action: 'api_key.revoked' })).map((e) => e.targetId)).toEqual([key.id]);
    expect((await list({ targetType: 'connector', targetId: connectorId })).length).toBe(2);
    expect((await list({ actor: 'OLIVIA' })).every((e) => e.actor.email === 'olivia@example.com')).toBe(true);
    expect(await list({ to: '2000-01-01T00:00:00.000Z' })).toEqual([]);
    const denied = (await list({ action: 'api_key.denied' }))[0]!;
    expect(denied.actor).toEqual({ userId: null, email: null, apiKeyId: key.id });
    expect((await admin.get(`${api.audit(ws)}?action=${encodeURIComponent('drop table')}`)).status).toBe(400);
  });

  it('exports JSON Lines and CSV, filtered, no value a spreadsheet would run', async () => {
    const jsonl = await download(`${api.auditExport(ws)}?format=jsonl&action=connector.*`);
    expect(jsonl.status).toBe(200);
    expect(String(jsonl.headers['content-disposition'])).toMatch(
      /attachment; filename="mailroom-audit-\d{4}-\d{2}-\d{2}\.jsonl"/,
    );
    const entries = String(jsonl.body)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    expect(entries.map((e) => e.action)).toEqual(['connector.renamed', 'connector.created']);

    const csv = await download(`${api.auditExport(ws)}?format=csv`);
    expect(String(csv.headers['content-type'])).toContain('text/csv');
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines[0]).toBe('at,actor,actor_user_id,actor_api_key_id,action,target_type,target_id,details');
    expect(lines.length).toBe((await list({ limit: '200' })).length + 1);
    // The connector's name starts with "=": it stays inside the quoted JSON of `details`, never a cell of its own.
    const created = lines.find((l) => l.includes('connector.created'))!;
    expect(created).toContain(`,"{""name"":""=HYPERLINK(`);
    expect(created).not.toMatch(/(^|,)=/);
  });

  it('names what each line is about as it is now: the connector by its name, the key by its, a deleted one by what was recorded', async () => {
    const renamed = (await list({ action: 'connector.renamed' }))[0]!;
    expect(renamed.object).toEqual({ name: 'Claims mail', connectorId, inboxName: null });
    const revoked = (await list({ action: 'api_key.revoked' }))[0]!;
    expect(revoked.object?.name).toBe('Monitor');
    const gone = await newConnector(admin, ws, 'Short-lived');
    await admin.del(api.connector(ws, gone));
    const deleted = (await list({ action: 'connector.deleted' }))[0]!;
    expect(deleted.object).toEqual({ name: 'Short-lived', connectorId: null, inboxName: null });
    const created = (await list({ action: 'workspace.created' }))[0];
    if (created) expect(created.object?.name).toBeTruthy();
  });

  it('is for admins only', async () => {
    const anonymous = await app.server.http!.inject({ method: 'GET', url: api.auditExport(ws) });
    expect(anonymous.statusCode).toBe(401);
  });
});
