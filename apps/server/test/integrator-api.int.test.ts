import {
  api,
  type CreatedApiKey,
  type Document,
  type DocumentList,
  type InboxList,
} from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDocument, fixtureFolder } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// The integrator API (issue 21 §2): a changes feed with updatedSince and keyset cursors, and If-Match
// preconditions on document changes, used with an API key as an integration would.

type Err = { error: { code: string; message: string } };

let app: TestApp;
let admin: Client;
let ws: string;
let key: string;
const ids: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
  const inboxId = (await admin.get<InboxList>(api.inboxes(ws))).body.items[0]!.id;
  const at = await fixtureFolder(app, ws, inboxId);
  for (let i = 0; i < 5; i++) ids.push((await fixtureDocument(app, { workspaceId: ws, inboxId, ...at })).id);
  key = (await admin.post<CreatedApiKey>(api.apiKeys(ws), { name: 'Claims system', scope: 'read_write' }))
    .body.key;
});
afterAll(async () => {
  await app?.close();
});

async function call<T>(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.server.http!.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return {
    status: res.statusCode,
    body: JSON.parse(res.body) as T,
    etag: res.headers.etag as string | undefined,
  };
}

/** Everything changed since `since`, page by page, as an integration catches up. */
async function changesSince(since: string, limit = 2): Promise<Document[] & DocumentList['items']> {
  const out: DocumentList['items'] = [];
  let cursor: string | null = null;
  do {
    const q: URLSearchParams = new URLSearchParams({
      updatedSince: since,
      limit: String(limit),
      ...(cursor ? { cursor } : {}),
    });
    const page: { status: number; body: DocumentList } = await call<DocumentList>(
      'GET',
      `${api.documents(ws)}?${q.toString()}`,
    );
    expect(page.status).toBe(200);
    out.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return out as Document[] & DocumentList['items'];
}

describe('changes feed (updatedSince)', () => {
  it('pages through every change, oldest first, deletions included, and then only what changed after', async () => {
    const all = await changesSince('2000-01-01T00:00:00.000Z');
    expect(all.map((d) => d.id).sort()).toEqual([...ids].sort());
    const times = all.map((d) => d.updatedAt);
    expect([...times].sort()).toEqual(times);

    const mark = all.at(-1)!.updatedAt;
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('POST', api.documentActions(ws, ids[1]!), { action: 'approve' })).status).toBe(200);
    expect((await call('POST', api.documentActions(ws, ids[3]!), { action: 'delete' })).status).toBe(200);
    const later = (await changesSince(new Date(new Date(mark).getTime() + 1).toISOString())).map((d) => [
      d.id,
      d.status,
    ]);
    expect(later).toEqual([
      [ids[1], 'approved'],
      [ids[3], 'deleted'],
    ]);
  });

  it('refuses a cursor it did not make (400), like the inbox list', async () => {
    const r = await call<Err>(
      'GET',
      `${api.documents(ws)}?updatedSince=2000-01-01T00:00:00.000Z&cursor=garbage`,
    );
    expect(r.status).toBe(400);
  });
});

describe('If-Match preconditions', () => {
  it('changes a document only at the revision that was read, and says why not', async () => {
    const read = await call<Document>('GET', api.document(ws, ids[0]!));
    expect(read.etag).toBe(`"${read.body.revision}"`);
    const first = await call<Document>(
      'PATCH',
      api.document(ws, ids[0]!),
      { metadata: { claim: 'C-1' } },
      { 'if-match': read.etag! },
    );
    expect(first.status).toBe(200);
    expect(first.body.revision).toBe(read.body.revision + 1);
    expect(first.etag).toBe(`"${first.body.revision}"`);

    // A second writer with the old ETag loses, with the current one in the answer.
    const stale = await call<Err>(
      'POST',
      api.documentActions(ws, ids[0]!),
      { action: 'approve' },
      { 'if-match': read.etag! },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('precondition_failed');
    expect(stale.etag).toBe(first.etag);
    expect((await call<Document>('GET', api.document(ws, ids[0]!))).body.status).toBe('new');

    const weak = await call<Document>(
      'POST',
      api.documentActions(ws, ids[0]!),
      { action: 'approve' },
      { 'if-match': `W/${first.etag!}` },
    );
    expect(weak.status).toBe(200);
    expect(weak.body.status).toBe('approved');
    expect(
      (await call<Err>('PATCH', api.document(ws, ids[0]!), { metadata: {} }, { 'if-match': 'not-an-etag' }))
        .status,
    ).toBe(412);
    // Without If-Match, no precondition: as before.
    expect(
      (await call<Document>('PATCH', api.document(ws, ids[0]!), { metadata: { claim: 'C-2' } })).status,
    ).toBe(200);
  });
});
