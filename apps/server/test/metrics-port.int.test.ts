import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import { StartupError } from '../src/startup-error.ts';
import { createTestDatabase, startTestApp, type TestApp } from './helpers.ts';

// A ROLES=worker process has no API: with METRICS_PORT it serves its own /metrics on that port, and
// only that, under the API's access rule (issue 23 §5: /metrics per process).

let worker: TestApp;

beforeAll(async () => {
  worker = await startTestApp({ ROLES: 'worker', METRICS_PORT: '0' });
});
afterAll(async () => {
  await worker?.close();
});

describe('METRICS_PORT', () => {
  it('a worker serves its own metrics, every sample naming the process, and nothing else on that port', async () => {
    expect(worker.server.http).toBeUndefined();
    const url = worker.server.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    // The gauges read from the database at the scrape are there…
    expect(text).toMatch(/^mailroom_webhook_deliveries_pending\{[^}]*\} 0$/m);
    // …and every sample carries this process's label, so that scrapes of several processes add up.
    const samples = text.split('\n').filter((l) => l.startsWith('mailroom_'));
    expect(samples.length).toBeGreaterThan(0);
    const me = `process="${os.hostname()}:${process.pid}"`;
    expect(samples.filter((l) => !l.includes(me))).toEqual([]);
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/api/v1/health`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('with METRICS_TOKEN, wants it as a Bearer token on that port too', async () => {
    const guarded = await startTestApp({
      ROLES: 'worker',
      METRICS_PORT: '0',
      METRICS_TOKEN: 'a-long-metrics-token-for-tests',
    });
    try {
      const url = `${guarded.server.metricsUrl!}/metrics`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(
        (await fetch(url, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status,
      ).toBe(401);
      expect(
        (await fetch(url, { headers: { authorization: 'Bearer a-long-metrics-token-for-tests' } })).status,
      ).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('a port someone else holds stops the start with a line naming METRICS_PORT', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as net.AddressInfo).port;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-test-'));
    const database = await createTestDatabase();
    try {
      const config = loadConfig({
        ROLES: 'worker',
        METRICS_PORT: String(port),
        MAILROOM_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        MAILROOM_SANDBOX_PORT: '0',
        ...(database
          ? { DATABASE_URL: database.url, MAILROOM_ENCRYPTION_KEY: randomBytes(32).toString('base64') }
          : {}),
      });
      const start = startServer(config, pino({ level: 'silent' }), { webDist: null });
      await expect(start).rejects.toBeInstanceOf(StartupError);
      await expect(start).rejects.toThrow(/METRICS_PORT/);
    } finally {
      holder.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
