import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, type WebhookEndpointWithSecret } from '@mailroom/contracts';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { WEBHOOK_WAKE_CHANNEL } from '../src/webhooks/fan-out.ts';
import { WebhookSender } from '../src/webhooks/sender.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { until } from './sync-helpers.ts';

// An idle dispatcher does not poll for new deliveries (issue 22 §3): the transaction that queues
// them wakes it (NOTIFY), and a failed attempt's retry wakes it when due. The dispatcher here looks
// every 10 minutes when idle, so a delivery that arrives within the test was woken for.

let app: TestApp;
let admin: Client;
let ws: string;
let receiver: Server;
let url: string;
/** Answers 500 to the first `failFirst` requests, then 200. */
let failFirst = 0;
let received = 0;
let dispatcher: WebhookDispatcher;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(received <= failFirst ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  // The API role only: this app runs no dispatcher of its own; the test's is the only one.
  app = await startTestApp({ ROLES: 'api', WEBHOOK_ALLOW_PRIVATE: 'true' });
  ({ client: admin, workspaceId: ws } = await setUp(app));
  dispatcher = new WebhookDispatcher({
    db: app.server.database.db,
    vault: app.server.vault,
    sender: new WebhookSender({ allowPrivate: true, timeoutMs: 5_000 }),
    logger: pino({ level: 'silent' }),
    firstRetryMs: 100,
    disableAfterMs: 86_400_000,
    idlePollMs: 600_000,
    pollMs: 600_000,
  });
  dispatcher.start();
  await app.server.jobs.listen(WEBHOOK_WAKE_CHANNEL, () => dispatcher.wake());
  // Its first round (at start, nothing due) is behind it: from here on it sleeps unless woken.
  await new Promise((r) => setTimeout(r, 500));
});
afterAll(async () => {
  await dispatcher?.stop();
  await app?.close();
  await new Promise((r) => receiver?.close(r));
});

it('a delivery queued while the dispatcher sleeps is sent at once: its transaction wakes it', async () => {
  const endpoint = (await admin.post<WebhookEndpointWithSecret>(api.webhooks(ws), { url })).body;
  received = 0;
  expect((await admin.post(api.webhookTest(ws, endpoint.id))).status).toBe(202);
  await until('the test event arrived', async () => received === 1, 15_000);
});

it('a failed attempt is tried again when its retry is due, without waiting for the idle poll', async () => {
  const endpoint = (await admin.post<WebhookEndpointWithSecret>(api.webhooks(ws), { url: `${url}/retry` }))
    .body;
  received = 0;
  failFirst = 1;
  expect((await admin.post(api.webhookTest(ws, endpoint.id))).status).toBe(202);
  await until('the retry succeeded', async () => received === 2, 15_000);
  failFirst = 0;
});
