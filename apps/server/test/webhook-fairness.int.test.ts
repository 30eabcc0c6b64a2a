import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, type WebhookDeliveryList, type WebhookEndpointWithSecret } from '@mailroom/contracts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { until } from './sync-helpers.ts';

// A receiver that hangs must not hold up the others (issue 21 §3): each endpoint gets at most
// WEBHOOK_ENDPOINT_CONCURRENCY of the process's WEBHOOK_CONCURRENCY slots.

let app: TestApp;
let admin: Client;
let ws: string;
let hanging: Server;
let healthy: Server;
let hangingInFlight = 0;
let hangingPeak = 0;
let healthyReceived = 0;

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/hooks`;
}

beforeAll(async () => {
  // Never answers: each of its deliveries holds a slot until the sender's timeout (60 s, the most
  // there is: longer than the test), so no slot it holds frees while the test runs.
  hanging = createServer((req) => {
    hangingInFlight++;
    hangingPeak = Math.max(hangingPeak, hangingInFlight);
    req.on('close', () => hangingInFlight--);
  });
  healthy = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      healthyReceived++;
      res.writeHead(200).end('ok');
    });
  });
  app = await startTestApp({
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_TIMEOUT_SECONDS: '60',
    WEBHOOK_CONCURRENCY: '4',
    WEBHOOK_ENDPOINT_CONCURRENCY: '2',
  });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  // The hanging receiver's connections first: the deliveries waiting on them end, and the app stops.
  for (const s of [hanging, healthy]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
  await app?.close();
});

async function endpoint(url: string): Promise<string> {
  return (await admin.post<WebhookEndpointWithSecret>(api.webhooks(ws), { url })).body.id;
}

it("delivers to a healthy endpoint while another's deliveries hang", { timeout: 60_000 }, async () => {
  const slow = await endpoint(await listen(hanging));
  const fast = await endpoint(await listen(healthy));
  for (let i = 0; i < 6; i++) expect((await admin.post(api.webhookTest(ws, slow))).status).toBe(202);
  // The hanging endpoint's deliveries are claimed first (they are due first).
  await until('the hanging endpoint holds its two slots', async () => hangingInFlight >= 2);
  for (let i = 0; i < 3; i++) expect((await admin.post(api.webhookTest(ws, fast))).status).toBe(202);

  // Without the per-endpoint share, the hanging endpoint would hold all 4 slots and the healthy
  // one would wait for its 60 s timeout: the wait below would give up first (no time is measured).
  await until(
    'the healthy endpoint’s three deliveries succeed',
    async () =>
      (await admin.get<WebhookDeliveryList>(api.webhookDeliveries(ws, fast))).body.items.filter(
        (d) => d.state === 'succeeded',
      ).length === 3,
    45_000,
  );
  expect(healthyReceived).toBe(3);
  // All that while the hanging endpoint held its two slots, no more, and none of its attempts
  // ended: the healthy endpoint did not wait for them.
  expect(hangingInFlight).toBe(2);
  expect(hangingPeak).toBe(2);
  const slowList = (await admin.get<WebhookDeliveryList>(api.webhookDeliveries(ws, slow))).body.items;
  expect(slowList.flatMap((d) => d.log)).toEqual([]);
});
