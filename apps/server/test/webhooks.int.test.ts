import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  api,
  type WebhookDeliveryList,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
} from '@mailroom/contracts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSender } from '../src/webhooks/sender.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// Webhooks end to end (issue 21 §3): the real server, its dispatcher and a real HTTP receiver on this
// machine. Signatures are checked with the `standardwebhooks` package, not with our own code.

type Behaviour = 'ok' | 'fail' | 'hang' | 'close' | 'redirect';
interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver that answers as scripted, one behaviour per request, then 200s. */
class Receiver {
  readonly received: Received[] = [];
  script: Behaviour[] = [];
  private server: Server | undefined;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }
  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    const b = this.script.shift() ?? 'ok';
    if (b === 'ok') return res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    if (b === 'fail')
      return res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down for maintenance');
    if (b === 'redirect')
      return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
    if (b === 'close') return req.socket.destroy();
    // 'hang': never answer (the sender's timeout ends it).
  }
  async close() {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

let app: TestApp;
let admin: Client;
let ws: string;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  app = await startTestApp({
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_FIRST_SECONDS: '0.1',
    WEBHOOK_TIMEOUT_SECONDS: '1',
  });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
  await receiver.close();
});

async function until<T>(what: string, f: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

async function deliveries(endpointId: string) {
  return (await admin.get<WebhookDeliveryList>(api.webhookDeliveries(ws, endpointId))).body.items;
}

describe('webhook endpoints', () => {
  let endpoint: WebhookEndpointWithSecret;

  it('adds an endpoint and shows its whsec_ secret once', async () => {
    const r = await admin.post<WebhookEndpointWithSecret>(api.webhooks(ws), {
      url: receiver.url,
      description: 'claims system',
    });
    expect(r.status).toBe(201);
    endpoint = r.body;
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = (await admin.get<{ items: WebhookEndpoint[] }>(api.webhooks(ws))).body.items;
    expect(listed.map((e) => e.id)).toContain(endpoint.id);
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret);
  });

  it('delivers a test event signed per Standard Webhooks', async () => {
    receiver.received.length = 0;
    const t = await admin.post<{ deliveryId: string }>(api.webhookTest(ws, endpoint.id));
    expect(t.status).toBe(202);
    const got = await until('the test event arrived', async () => receiver.received[0]);
    const payload = new Webhook(endpoint.secret).verify(got.body, got.headers as Record<string, string>) as {
      type: string;
      data: { endpointId: string };
    };
    expect(payload.type).toBe('webhook.test');
    expect(payload.data.endpointId).toBe(endpoint.id);
    const d = await until('the delivery succeeded', async () =>
      (await deliveries(endpoint.id)).find((x) => x.id === t.body.deliveryId && x.state === 'succeeded'),
    );
    expect(d.log[0]).toMatchObject({ status: 200, excerpt: 'thanks' });
  });

  it('retries a 500, a timeout and a closed socket with the same webhook-id, and logs each attempt', async () => {
    receiver.received.length = 0;
    receiver.script = ['fail', 'hang', 'close', 'ok'];
    const t = await admin.post<{ deliveryId: string }>(api.webhookTest(ws, endpoint.id));
    const d = await until(
      'delivered after three failures',
      async () =>
        (await deliveries(endpoint.id)).find((x) => x.id === t.body.deliveryId && x.state === 'succeeded'),
      400,
    );
    expect(d.attempts).toBe(4);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBe(d.webhookId);
    const log = [...d.log].reverse();
    expect(log.map((a) => a.status)).toEqual([500, null, null, 200]);
    expect(log[0]!.excerpt).toContain('maintenance');
    expect(log[1]!.excerpt).toMatch(/no answer within 1 s/);
    expect(log[2]!.excerpt).toMatch(/closed|reset|socket/i);
  });

  it('does not follow a redirect: the delivery fails and says so', async () => {
    receiver.script = ['redirect'];
    const t = await admin.post<{ deliveryId: string }>(api.webhookTest(ws, endpoint.id));
    const d = await until('the redirect was recorded', async () =>
      (await deliveries(endpoint.id)).find((x) => x.id === t.body.deliveryId && x.log.length > 0),
    );
    expect(d.log.at(-1)!.status).toBe(302);
    expect(d.log.at(-1)!.excerpt).toContain('not followed');
    receiver.script = [];
  });

  it('redelivers on request with the same webhook-id', async () => {
    const before = (await deliveries(endpoint.id)).find((x) => x.state === 'succeeded')!;
    receiver.received.length = 0;
    const r = await admin.post(api.webhookRedeliver(ws, before.id));
    expect(r.status).toBe(202);
    // Other deliveries may be retried meanwhile (the redirect's): look for this one by its id.
    const got = await until('redelivered', async () =>
      receiver.received.find((r) => r.headers['webhook-id'] === before.webhookId),
    );
    expect(got.headers['webhook-signature']).toMatch(/^v1,/);
    const again = await until('succeeded again', async () =>
      (await deliveries(endpoint.id)).find(
        (x) => x.id === before.id && x.state === 'succeeded' && x.attempts === 1,
      ),
    );
    expect(again.log.length).toBeGreaterThan(before.log.length);
  });

  it('signs with both secrets after a rotation, so the receiver can switch without a gap', async () => {
    const rotated = await admin.post<WebhookEndpointWithSecret>(api.webhookRotateSecret(ws, endpoint.id));
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(rotated.body.previousSecretSignsUntil).not.toBeNull();
    receiver.received.length = 0;
    const t = await admin.post<{ deliveryId: string }>(api.webhookTest(ws, endpoint.id));
    const d = await until('the test delivery', async () =>
      (await deliveries(endpoint.id)).find((x) => x.id === t.body.deliveryId && x.state === 'succeeded'),
    );
    const got = await until('signed with both', async () =>
      receiver.received.find((r) => r.headers['webhook-id'] === d.webhookId),
    );
    const headers = got.headers as Record<string, string>;
    expect(new Webhook(endpoint.secret).verify(got.body, headers)).toBeTruthy();
    expect(new Webhook(rotated.body.secret).verify(got.body, headers)).toBeTruthy();
  });

  it('refuses private, loopback and link-local targets unless allowed, in words', async () => {
    const sender = new WebhookSender({ allowPrivate: false, timeoutMs: 2000 });
    try {
      const literal = await sender.send(receiver.url, {}, '{}');
      expect(literal.ok).toBe(false);
      expect(literal.excerpt).toMatch(/private, loopback or link-local/);
      // A name (not an address) that resolves to 127.0.0.1: refused at connect time, nothing sent.
      const alias = loopbackAlias();
      const before = receiver.received.length;
      const named = await sender.send(receiver.url.replace('127.0.0.1', alias), {}, '{}');
      expect(named.ok).toBe(false);
      expect(named.excerpt).toMatch(/resolves to 127\.\d+\.\d+\.\d+.*refused/);
      expect(receiver.received.length).toBe(before);
    } finally {
      await sender.close();
    }
  });
});

/** A host name this machine resolves to 127.0.0.1 that no name check would catch (from /etc/hosts). */
function loopbackAlias(): string {
  const hosts = readFileSync('/etc/hosts', 'utf8');
  for (const line of hosts.split('\n')) {
    const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const name = names.find((n) => !/^localhost/i.test(n));
    if (ip === '127.0.0.1' && name) return name;
  }
  // Debian resolves the machine's own name to a loopback address.
  return hostname();
}
