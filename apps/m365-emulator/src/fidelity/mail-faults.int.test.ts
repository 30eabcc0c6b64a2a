import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { FileUpload, LargeFileUploadTask, type Client } from '@microsoft/microsoft-graph-client';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { fail, graphClient, mailroomAppToken } from './mail-helpers.ts';
import { createCaFetch } from '../testing/fetch.ts';
import { caAgent, rawRequest } from '../util/https-client.ts';

const CLAIMS = DEMO.contoso.sharedMailboxes[0];

describe('large attachments, injected faults and malformed requests', () => {
  let emu: Emulator;
  let token: string;
  let app: Client;
  beforeAll(async () => {
    emu = await createEmulator({ demoMail: false });
    token = await mailroomAppToken(emu);
    app = graphClient(emu, token);
  });
  afterAll(() => emu.close());

  it('streams a 40 MB attachment through /$value with the right type and checksum (graph-client getStream)', async () => {
    const size = 40 * 1024 * 1024;
    const d = await emu.control.deliverGenerated(CLAIMS, {
      seed: 5,
      pdfs: 0,
      jpegs: 0,
      extraAttachments: [{ name: 'scan.tiff', size, contentType: 'image/tiff' }],
    });
    const list = (await app
      .api(`/users/${CLAIMS}/messages/${d.id}/attachments`)
      .select('id,name,size,contentType')
      .get()) as { value: { id: string; name: string; size: number }[] };
    const att = list.value.find((a) => a.name === 'scan.tiff')!;
    expect(att.size).toBe(size);
    const stream = (await app
      .api(`/users/${CLAIMS}/messages/${d.id}/attachments/${att.id}/$value`)
      .getStream()) as ReadableStream<Uint8Array>;
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      n += chunk.length;
    }
    expect(n).toBe(size);
    const stored = emu.state.mail.mailbox(emu.state.dir.findUser(CLAIMS)!);
    const original = [...stored.messages.values()]
      .find((m) => m.subject === d.subject)!
      .attachments.find((a) => a.name === 'scan.tiff')!.content!;
    expect(hash.digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
    const head = await createCaFetch(emu.caPem)(
      `${emu.url}/v1.0/users/${CLAIMS}/messages/${d.id}/attachments/${att.id}/$value`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect([head.headers.get('content-type'), head.headers.get('content-length')]).toEqual([
      'image/tiff',
      String(size),
    ]);
    await head.arrayBuffer();
  });

  it('uploads a 10 MB attachment to a draft with the SDK LargeFileUploadTask (upload session, 4 MB ranges, 201 + Location); translateExchangeIds', async () => {
    const draft = (await app.api(`/users/${CLAIMS}/messages`).post({
      subject: 'with a big scan',
      toRecipients: [{ emailAddress: { address: 'x@example.com' } }],
    })) as { id: string };
    const size = 10 * 1024 * 1024 + 123;
    const data = Buffer.alloc(size, 7);
    const session = await LargeFileUploadTask.createUploadSession(
      app,
      `/users/${CLAIMS}/messages/${draft.id}/attachments/createUploadSession`,
      { AttachmentItem: { attachmentType: 'file', name: 'scan.pdf', size } },
    );
    expect(session.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/upload\/outlook\//);
    const task = new LargeFileUploadTask(
      app,
      new FileUpload(
        data.buffer.slice(data.byteOffset, data.byteOffset + size) as ArrayBuffer,
        'scan.pdf',
        size,
      ),
      session,
      { rangeSize: 4 * 1024 * 1024 },
    );
    const result = await task.upload();
    expect(result.location).toMatch(/\/attachments\('/);
    const atts = (await app
      .api(`/users/${CLAIMS}/messages/${draft.id}/attachments`)
      .select('name,size')
      .get()) as { value: { name: string; size: number }[] };
    expect(atts.value).toEqual([expect.objectContaining({ name: 'scan.pdf', size })]);
    const counters = (await emu.control.throttling()).counters.find(
      (c) => c.mailboxId === emu.state.dir.findUser(CLAIMS)!.id,
    )!;
    expect(counters.uploadBytesInWindow).toBeGreaterThanOrEqual(size);

    const d = await emu.control.deliverMessage(CLAIMS, { subject: 'translate me' });
    const tr = (await app
      .api(`/users/${CLAIMS}/translateExchangeIds`)
      .post({ inputIds: [d.id, 'bad'], sourceIdType: 'restId', targetIdType: 'restImmutableEntryId' })) as {
      value: { sourceId: string; targetId?: string }[];
    };
    expect(tr.value[0]).toEqual({ sourceId: d.id, targetId: d.immutableId });
    expect(tr.value[1]!.targetId).toBeUndefined();
  });

  it('injects 503 (with and without Retry-After), 504, 429 by count; the SDK RetryHandler honours Retry-After', async () => {
    await emu.control.addFault({
      path: '/mailFolders$',
      count: 1,
      action: { kind: 'status', status: 503, retryAfterSeconds: 1 },
    });
    await emu.control.addFault({ path: '/mailFolders$', count: 1, action: { kind: 'status', status: 504 } });
    const e1 = await fail(app.api(`/users/${CLAIMS}/mailFolders`).get());
    expect([e1.statusCode, (e1.headers as Headers).get('retry-after')]).toEqual([503, '1']);
    const e2 = await fail(app.api(`/users/${CLAIMS}/mailFolders`).get());
    expect([e2.statusCode, (e2.headers as Headers).get('retry-after')]).toEqual([504, null]);
    expect(
      ((await app.api(`/users/${CLAIMS}/mailFolders`).get()) as { value: unknown[] }).value.length,
    ).toBeGreaterThan(0);

    await emu.control.addFault({
      path: '/mailFolders/inbox$',
      count: 2,
      action: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const since = emu.state.log.lastSeq();
    const retrying = graphClient(emu, token, { retries: 3 });
    const inbox = (await retrying.api(`/users/${CLAIMS}/mailFolders/inbox`).get()) as { displayName: string };
    expect(inbox.displayName).toBe('Inbox');
    const statuses = (await emu.control.requests({ since, area: 'graph' })).map((r) => r.status);
    expect(statuses).toEqual([429, 429, 200]);
    await emu.control.clearFaults();
  });

  it('injects a dropped connection, a truncated body, a delay, and applies a probability rule reproducibly', async () => {
    const agent = caAgent(emu.caPem);
    const get = (path: string) =>
      rawRequest(`${emu.url}/v1.0${path}`, agent, { headers: { authorization: `Bearer ${token}` } });
    await emu.control.addFault({ path: '/mailFolders/drafts$', count: 1, action: { kind: 'drop' } });
    await expect(get(`/users/${CLAIMS}/mailFolders/drafts`)).rejects.toThrow();
    await emu.control.addFault({ path: '/mailFolders/sentitems$', count: 1, action: { kind: 'truncate' } });
    await expect(
      get(`/users/${CLAIMS}/mailFolders/sentitems`).then((r) => JSON.parse(r.body.toString())),
    ).rejects.toThrow();
    await emu.control.addFault({
      path: '/mailFolders/archive$',
      count: 1,
      action: { kind: 'delay', ms: 50 },
    });
    expect((await get(`/users/${CLAIMS}/mailFolders/archive`)).status).toBe(200);
    const rules = (await emu.control.faults()).requests;
    expect(rules.map((r) => r.hits)).toEqual([1, 1, 1]);
    await emu.control.clearFaults();

    const run = async () => {
      await emu.control.setFaultSeed(7);
      const rule = await emu.control.addFault({
        path: '/mailFolders/junkemail$',
        probability: 0.5,
        action: { kind: 'status', status: 503 },
      });
      const out: number[] = [];
      for (let i = 0; i < 10; i++) out.push((await get(`/users/${CLAIMS}/mailFolders/junkemail`)).status);
      await emu.control.removeFault(rule.id);
      return out;
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(a.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it('malformed requests answer with Graph error JSON, never a stack trace', async () => {
    const agent = caAgent(emu.caPem);
    const call = async (
      method: string,
      path: string,
      body?: string,
      headers: Record<string, string> = {},
    ) => {
      const r = await rawRequest(`${emu.url}/v1.0${path}`, agent, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        ...(body !== undefined ? { body } : {}),
      });
      if (!r.body.toString().includes('innerError'))
        throw new Error(`${method} ${path} → ${r.status} ${r.body.toString()}`);
      const json = JSON.parse(r.body.toString()) as {
        error: { code: string; message: string; innerError: Record<string, string> };
      };
      expect(Object.keys(json.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
      expect(r.body.toString()).not.toMatch(/\n\s+at /);
      return [r.status, json.error.code];
    };
    const d = await emu.control.deliverMessage(CLAIMS, { subject: 'x' });
    expect(await call('PATCH', `/users/${CLAIMS}/messages/${d.id}`, '{"isRead": tru')).toEqual([
      400,
      'BadRequest',
    ]);
    expect(await call('POST', '/$batch', '{"requests": 5}')).toEqual([400, 'BadRequest']);
    expect(await call('GET', `/users/${CLAIMS}/messages?$top=abc`)).toEqual([400, 'BadRequest']);
    expect(await call('GET', `/users/${CLAIMS}/messages?$orderby=bodyPreview`)).toEqual([
      400,
      'ErrorInvalidProperty',
    ]);
    expect(await call('GET', `/users/${CLAIMS}/messages/${d.id.slice(0, -4)}`)).toEqual([
      400,
      'ErrorInvalidIdMalformed',
    ]);
    expect(
      await call('GET', `/users/${CLAIMS}/mailFolders/inbox/messages/delta?$deltatoken=nonsense`),
    ).toEqual([410, 'SyncStateNotFound']);
    expect(
      await call('GET', `/users/${CLAIMS}/mailFolders/inbox/messages/delta?$filter=subject eq 'x'`),
    ).toEqual([400, 'ErrorInvalidUrlQueryFilter']);
    expect(await call('GET', '/users/nobody@contoso-insurance.com/messages')).toEqual([
      404,
      'ErrorInvalidUser',
    ]);
    expect(await call('GET', `/users/${CLAIMS}/messagez`)).toEqual([400, 'BadRequest']);
    expect(await call('PUT', `/users/${CLAIMS}/messages`)).toEqual([405, 'BadRequest']);
    expect(await call('POST', '/subscriptions', '[]')).toEqual([400, 'InvalidRequest']);
  });
});
