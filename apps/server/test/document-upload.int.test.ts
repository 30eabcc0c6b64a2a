import { createHash } from 'node:crypto';
import {
  api,
  type CreatedApiKey,
  type Document,
  type InboxList,
  type ManagedInbox,
} from '@mailroom/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, events } from '../src/db/schema/index.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// Creating a document by upload (issue 21 §2): an .eml or any file, multipart, into an inbox, with
// Idempotency-Key — the same key and request give the same document, another request a 422.

type Err = { error: { code: string; message: string } };

const EML = Buffer.from(
  [
    'From: Alice Broker <alice@broker.example>',
    'To: claims@contoso.example',
    'Subject: Claim C-1234 – photos',
    'Date: Tue, 01 Dec 2026 09:30:00 +0100',
    'Message-ID: <upload-1@broker.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please find the photos attached.',
    '--b1',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 a small report').toString('base64'),
    '--b1--',
    '',
  ].join('\r\n'),
);
const PDF = Buffer.from('%PDF-1.7 a scanned claim form');

let app: TestApp;
let admin: Client;
let ws: string;
let inboxId: string;
let otherInboxId: string;
let key: string;

beforeAll(async () => {
  app = await startTestApp({ UPLOAD_MAX_MB: '1' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
  inboxId = (await admin.get<InboxList>(api.inboxes(ws))).body.items[0]!.id;
  otherInboxId = (await admin.post<ManagedInbox>(api.inboxes(ws), { name: 'Policies' })).body.id;
  key = (await admin.post<CreatedApiKey>(api.apiKeys(ws), { name: 'Claims system', scope: 'read_write' }))
    .body.key;
});
afterAll(async () => {
  await app?.close();
});

interface Part {
  name: string;
  value: Buffer | string;
  filename?: string;
  type?: string;
}

/** A multipart request as a client library sends it (the platform's FormData, encoded by fetch's Request). */
async function upload<T = Document>(
  parts: Part[],
  opts: {
    key?: string | null;
    idempotencyKey?: string;
    inbox?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const form = new FormData();
  for (const p of parts)
    if (typeof p.value === 'string' && !p.filename) form.append(p.name, p.value);
    else form.append(p.name, new Blob([p.value], { type: p.type ?? '' }), p.filename ?? 'file');
  const encoded = new Request('http://local/', { method: 'POST', body: form });
  const bearer = opts.key === undefined ? key : opts.key;
  const res = await app.server.http!.inject({
    method: 'POST',
    url: api.inboxUpload(ws, opts.inbox ?? inboxId),
    headers: {
      'content-type': encoded.headers.get('content-type')!,
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
      ...opts.headers,
    },
    payload: Buffer.from(await encoded.arrayBuffer()),
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as T, headers: res.headers };
}

async function get(url: string, bearer = key) {
  const res = await app.server.http!.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${bearer}` },
  });
  return { status: res.statusCode, raw: res.rawPayload, body: res.body };
}

const emlPart = (value = EML): Part => ({
  name: 'file',
  value,
  filename: 'claim.eml',
  type: 'message/rfc822',
});

async function countDocuments(): Promise<number> {
  return (await app.server.database.db.select({ id: documents.id }).from(documents)).length;
}

describe('upload an email', () => {
  it('makes a document read from the MIME, with its .eml byte for byte and its attachment', async () => {
    const r = await upload([emlPart()]);
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(api.document(ws, r.body.id));
    expect(r.body).toMatchObject({
      origin: 'upload',
      inboxId,
      status: 'new',
      subject: 'Claim C-1234 – photos',
      from: { name: 'Alice Broker', address: 'alice@broker.example' },
      internetMessageId: '<upload-1@broker.example>',
      sentAt: '2026-12-01T08:30:00.000Z',
      emlSize: EML.length,
      mailbox: '',
    });
    expect(r.body.bodyText).toContain('Please find the photos attached.');
    expect(r.body.attachments.map((a) => a.name)).toEqual(['report.pdf']);
    // Who uploaded it is in its history.
    const line = r.body.history.find((h) => h.kind === 'uploaded');
    expect(line?.actor).toMatch(/^API key "Claims system"/);

    const eml = await get(api.documentEml(ws, r.body.id));
    expect(eml.status).toBe(200);
    expect(createHash('sha256').update(eml.raw).digest('hex')).toBe(
      createHash('sha256').update(EML).digest('hex'),
    );
    const pdf = await get(api.documentAttachment(ws, r.body.id, 0));
    expect(pdf.raw.toString()).toBe('%PDF-1.4 a small report');

    // Integrations hear of it as of any new document.
    const created = await app.server.database.db
      .select()
      .from(events)
      .where(eq(events.type, 'document.created'));
    expect(created.some((e) => (e.payload as { documentId?: string }).documentId === r.body.id)).toBe(true);
  });

  it('refuses a file named as an email that holds none, and keeps nothing', async () => {
    const before = await countDocuments();
    const r = await upload<Err>([emlPart(Buffer.from('\x00\x01\x02 not mail'))]);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('invalid_email');
    expect(r.body.error.message).toMatch(/claim\.eml.*not an email/);
    expect(await countDocuments()).toBe(before);
  });
});

describe('upload any file', () => {
  it('makes a document whose attachment is the file, with the fields sent', async () => {
    const r = await upload([
      { name: 'file', value: PDF, filename: 'form.pdf', type: 'application/pdf' },
      { name: 'metadata', value: JSON.stringify({ claim: 'C-1234' }) },
    ]);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      origin: 'upload',
      subject: 'form.pdf',
      from: null,
      emlSize: null,
      metadata: { claim: 'C-1234' },
      bodyHtml: null,
    });
    expect(r.body.attachments).toMatchObject([
      { name: 'form.pdf', contentType: 'application/pdf', size: PDF.length },
    ]);
    expect((await get(api.documentAttachment(ws, r.body.id, 0))).raw.equals(PDF)).toBe(true);
    // No email: no .eml, said in words; and no rule to run again.
    const eml = await get(api.documentEml(ws, r.body.id));
    expect(eml.status).toBe(404);
    expect(JSON.parse(eml.body).error.message).toMatch(/uploaded as a file/);
    const again = await admin.post<Err>(api.documentActions(ws, r.body.id), { action: 'reprocess' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/uploaded/);
    // It is found by search like any document.
    const found = await admin.get<{ items: { id: string }[] }>(`${api.documents(ws)}?q=form`);
    expect(found.body.items.map((d) => d.id)).toContain(r.body.id);
  });

  it('uses the subject given', async () => {
    const r = await upload([
      { name: 'subject', value: 'Scanned claim form' },
      { name: 'file', value: PDF, filename: 'scan.pdf', type: 'application/pdf' },
    ]);
    expect(r.status).toBe(201);
    expect(r.body.subject).toBe('Scanned claim form');
  });
});

describe('Idempotency-Key', () => {
  it('gives the same document for the same key and request, and makes no second one', async () => {
    const first = await upload([emlPart()], { idempotencyKey: 'retry-1' });
    expect(first.status).toBe(201);
    const before = await countDocuments();
    const again = await upload([emlPart()], { idempotencyKey: 'retry-1' });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await countDocuments()).toBe(before);
  });

  it('refuses the same key with another file or other fields (422), and keeps the first', async () => {
    const first = await upload([{ name: 'file', value: PDF, filename: 'a.pdf', type: 'application/pdf' }], {
      idempotencyKey: 'retry-2',
    });
    expect(first.status).toBe(201);
    const otherFile = await upload<Err>(
      [{ name: 'file', value: Buffer.from('%PDF other'), filename: 'a.pdf', type: 'application/pdf' }],
      { idempotencyKey: 'retry-2' },
    );
    expect(otherFile.status).toBe(422);
    expect(otherFile.body.error.code).toBe('idempotency_key_reused');
    const otherFields = await upload<Err>(
      [
        { name: 'file', value: PDF, filename: 'a.pdf', type: 'application/pdf' },
        { name: 'metadata', value: '{"claim":"C-9"}' },
      ],
      { idempotencyKey: 'retry-2' },
    );
    expect(otherFields.status).toBe(422);
    const otherInbox = await upload<Err>(
      [{ name: 'file', value: PDF, filename: 'a.pdf', type: 'application/pdf' }],
      { idempotencyKey: 'retry-2', inbox: otherInboxId },
    );
    expect(otherInbox.status).toBe(422);
    expect(
      (
        await upload([{ name: 'file', value: PDF, filename: 'a.pdf', type: 'application/pdf' }], {
          idempotencyKey: 'retry-2',
        })
      ).body.id,
    ).toBe(first.body.id);
  });

  it('makes one document when the same request races itself', async () => {
    const before = await countDocuments();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => upload([emlPart()], { idempotencyKey: 'race-1' })),
    );
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(await countDocuments()).toBe(before + 1);
  });

  it('refuses a key that is not printable ASCII', async () => {
    const r = await upload<Err>([emlPart()], { idempotencyKey: 'x'.repeat(256) });
    expect(r.status).toBe(400);
  });
});

describe('who may upload, and what', () => {
  it('refuses a read-only key (403), a key for other inboxes (404) and a session without CSRF (403)', async () => {
    const readOnly = (await admin.post<CreatedApiKey>(api.apiKeys(ws), { name: 'Reader', scope: 'read' }))
      .body.key;
    const r1 = await upload<Err>([emlPart()], { key: readOnly });
    expect(r1.status).toBe(403);
    expect(r1.body.error.message).toMatch(/read-only/);

    const policiesOnly = (
      await admin.post<CreatedApiKey>(api.apiKeys(ws), {
        name: 'Policies system',
        scope: 'read_write',
        inboxIds: [otherInboxId],
      })
    ).body.key;
    const r2 = await upload<Err>([emlPart()], { key: policiesOnly });
    expect(r2.status).toBe(404);
    expect((await upload([emlPart()], { key: policiesOnly, inbox: otherInboxId })).status).toBe(201);

    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const r3 = await upload<Err>([emlPart()], { key: null, headers: { cookie } });
    expect(r3.status).toBe(403);
    expect(r3.body.error.code).toBe('csrf_failed');
  });

  it('answers 404 for an inbox or a workspace the key does not reach', async () => {
    const unknownInbox = await upload<Err>([emlPart()], { inbox: '0b6e9a49-7c1e-4d59-9b59-3a4b1c2d3e4f' });
    expect(unknownInbox.status).toBe(404);
    const res = await app.server.http!.inject({
      method: 'POST',
      url: api.inboxUpload('5f0c7a1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b', inboxId),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x--\r\n',
    });
    expect(res.statusCode).toBe(404);
  });

  it('says what is wrong with the form', async () => {
    const noFile = await upload<Err>([{ name: 'subject', value: 'nothing attached' }]);
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.message).toMatch(/part named "file"/);
    const twoFiles = await upload<Err>([emlPart(), emlPart()]);
    expect(twoFiles.status).toBe(400);
    const badMetadata = await upload<Err>([emlPart(), { name: 'metadata', value: '{"claim": 12' }]);
    expect(badMetadata.status).toBe(400);
    expect(badMetadata.body.error.message).toMatch(/metadata must be a JSON object/);
    const json = await app.server.http!.inject({
      method: 'POST',
      url: api.inboxUpload(ws, inboxId),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(json.statusCode).toBe(400);
    expect(JSON.parse(json.body).error.message).toMatch(/multipart\/form-data/);
  });

  it('refuses a file over UPLOAD_MAX_MB with 413, in words, and keeps nothing', async () => {
    const before = await countDocuments();
    const big = Buffer.alloc(1024 * 1024 + 10, 0x41);
    const r = await upload<Err>([
      { name: 'file', value: big, filename: 'big.bin', type: 'application/octet-stream' },
    ]);
    expect(r.status).toBe(413);
    expect(r.body.error.message).toMatch(/larger than this server takes \(1 MB/);
    expect(await countDocuments()).toBe(before);
  });
});

describe('the OpenAPI document', () => {
  it('describes the multipart form and the Idempotency-Key header', async () => {
    const res = await app.server.http!.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const doc = JSON.parse(res.body) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: unknown }> };
            parameters?: { name: string; in: string }[];
          }
        >
      >;
    };
    const op = doc.paths['/api/v1/workspaces/{workspaceId}/inboxes/{id}/documents']?.post;
    expect(op?.requestBody?.content['multipart/form-data']?.schema).toMatchObject({
      properties: { file: { type: 'string', format: 'binary' } },
    });
    expect(op?.parameters).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header' }));
  });
});
