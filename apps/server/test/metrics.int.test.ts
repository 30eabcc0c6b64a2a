import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';
import { CLAIMS, documentCount, monitor, settle } from './sync-helpers.ts';

// Prometheus metrics (issue 21 §6): scraped as Prometheus would, before and after real work (a
// connection, a backfill through the sandbox tenant), the values move.

let app: TestApp;
let admin: Client;
let ws: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ client: admin, workspaceId: ws } = await setUp(app));
});
afterAll(async () => {
  await app?.close();
});

async function scrape(headers: Record<string, string> = {}, on = app) {
  const res = await on.server.http!.inject({ method: 'GET', url: '/metrics', headers });
  return { status: res.statusCode, text: res.body, type: String(res.headers['content-type']) };
}

/** The sum of a metric's samples whose labels include `labels` (0 when absent). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('/metrics', () => {
  it('moves with real work: Microsoft requests, connectors, documents, ingestion latency, sync lag, queues', async () => {
    const before = await scrape();
    expect(before.status).toBe(200);
    expect(before.type).toContain('text/plain');
    const connectorId = await connectedOwnApp(admin, ws, 'Metrics');
    const { folderId } = await monitor(app, {
      workspaceId: ws,
      connectorId,
      address: CLAIMS,
      folder: 'Inbox',
      processFrom: new Date(Date.now() - 30 * 86_400_000),
    });
    await app.server.sync.syncFolder(folderId);
    await settle(app, folderId);
    const created = await documentCount(app, folderId);
    expect(created).toBeGreaterThan(0);

    const after = (await scrape()).text;
    expect(value(after, 'mailroom_graph_requests_total', { kind: 'entra', status: '200' })).toBeGreaterThan(
      value(before.text, 'mailroom_graph_requests_total', { kind: 'entra', status: '200' }),
    );
    expect(value(after, 'mailroom_graph_requests_total', { kind: 'delta' })).toBeGreaterThan(0);
    expect(value(after, 'mailroom_graph_requests_total', { kind: 'mime' })).toBeGreaterThanOrEqual(created);
    expect(value(after, 'mailroom_graph_request_seconds_count', { kind: 'delta' })).toBeGreaterThan(0);
    expect(
      value(after, 'mailroom_documents_created_total') -
        value(before.text, 'mailroom_documents_created_total'),
    ).toBe(created);
    expect(value(after, 'mailroom_ingestion_latency_seconds_count')).toBeGreaterThanOrEqual(created);
    expect(value(after, 'mailroom_connectors', { status: 'connected' })).toBe(1);
    expect(value(after, 'mailroom_folder_sync_lag_seconds', { folder_id: folderId })).toBeLessThan(60);
    expect(after).toMatch(/mailroom_job_queue_depth\{[^}]*job="/);
    // Per process: each sample names the process that counted it (several share one database).
    expect(
      value(after, 'mailroom_documents_created_total', { process: `${os.hostname()}:${process.pid}` }),
    ).toBe(value(after, 'mailroom_documents_created_total'));
  });

  it('with METRICS_TOKEN, wants it as a Bearer token', async () => {
    const guarded = await startTestApp({ METRICS_TOKEN: 'a-long-metrics-token-for-tests' });
    try {
      expect((await scrape({}, guarded)).status).toBe(401);
      expect((await scrape({ authorization: 'Bearer wrong-token-of-some-length' }, guarded)).status).toBe(
        401,
      );
      expect((await scrape({ authorization: 'Bearer a-long-metrics-token-for-tests' }, guarded)).status).toBe(
        200,
      );
    } finally {
      await guarded.close();
    }
  });
});
