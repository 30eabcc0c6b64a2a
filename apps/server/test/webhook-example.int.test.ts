import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { api, type WebhookEndpointWithSecret } from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

// docs/integrate.md's runnable example (examples/webhook-receiver/receiver.mjs), run as an integrator
// would: its own process, the endpoint's secret in its environment, Mailroom posting to it.

const example = path.resolve(import.meta.dirname, '../../../examples/webhook-receiver/receiver.mjs');
let app: TestApp;
let admin: Client;
let ws: string;
let receiver: ChildProcess | undefined;

beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  receiver?.kill();
  await app?.close();
});

/** Starts the example on a free port; resolves with its URL once it listens. */
function startExample(secret: string): Promise<{ url: string; lines: string[] }> {
  const lines: string[] = [];
  receiver = spawn(process.execPath, [example], {
    env: { ...process.env, MAILROOM_WEBHOOK_SECRET: secret, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  receiver.stdout!.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  return new Promise((resolve, reject) => {
    receiver!.stderr!.on('data', (c: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(c.toString());
      if (m) resolve({ url: m[1]!, lines });
    });
    receiver!.on('exit', (code) => reject(new Error(`the example exited with ${code}`)));
  });
}

describe('the webhook receiver example', () => {
  it('verifies a real delivery with the Standard Webhooks library and prints the event once', async () => {
    // The secret is only known after the endpoint exists; the URL only once the example listens.
    const created = await admin.post<WebhookEndpointWithSecret>(api.webhooks(ws), {
      url: 'https://placeholder.example.com/',
    });
    const { url, lines } = await startExample(created.body.secret);
    expect((await admin.patch(api.webhook(ws, created.body.id), { url })).status).toBe(200);
    await admin.post(api.webhookTest(ws, created.body.id));
    for (let i = 0; i < 100 && !lines.length; i++) await new Promise((r) => setTimeout(r, 100));
    const event = JSON.parse(lines[0]!) as { id: string; type: string; data: { endpointId: string } };
    expect(event).toMatchObject({ type: 'webhook.test', data: { endpointId: created.body.id } });
    expect(event.id).toMatch(/^msg_/);
  });
});
