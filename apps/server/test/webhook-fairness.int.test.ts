import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, type WebhookDeliveryList, type WebhookEndpointWithSecret } from '@mailroom/contracts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

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
  // Never answers: each of its deliveries holds a slot until the sender's timeout.
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
    WEBHOOK_TIMEOUT_SECONDS: '5',
    WEBHOOK_CONCURRENCY: '4',
    WEBHOOK_ENDPOINT_CONCURRENCY: '2',
  });
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
  for (const s of [hanging, healthy]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
});

async function endpoint(url: string): Promise<string> {
  return (await admin.post<WebhookEndpointWithSecret>(api.webhooks(ws), { url })).body.id;
}

it("delivers to a healthy endpoint while another's deliveries hang", async () => {
  const slow = await endpoint(await listen(hanging));
  const fast = await endpoint(await listen(healthy));
  for (let i = 0; i < 6; i++) expect((await admin.post(api.webhookTest(ws, slow))).status).toBe(202);
  // The hanging endpoint's deliveries are claimed first (they are due first).
  for (let i = 0; i < 50 && hangingInFlight < 2; i++) await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 3; i++) expect((await admin.post(api.webhookTest(ws, fast))).status).toBe(202);

  let fastDone = 0;
  for (let i = 0; i < 60 && fastDone < 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const list = (await admin.get<WebhookDeliveryList>(api.webhookDeliveries(ws, fast))).body.items;
    fastDone = list.filter((d) => d.state === 'succeeded').length;
  }
  expect(fastDone).toBe(3);
  expect(healthyReceived).toBe(3);
  // All that while, no attempt to the hanging endpoint had ended (its timeout is 5 s): the healthy
  // endpoint did not wait for the slots the hanging one held, and it held no more than its share.
  const slowList = (await admin.get<WebhookDeliveryList>(api.webhookDeliveries(ws, slow))).body.items;
  expect(slowList.flatMap((d) => d.log)).toEqual([]);
  expect(hangingPeak).toBe(2);
});
