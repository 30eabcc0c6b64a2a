import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { api } from '@mailroom/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, createTestDatabase, startTestApp, usingPostgres, type TestApp } from './helpers.ts';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.ts');

/** Runs the real entry point and returns how it ended. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('startup failures end with one clear line', () => {
  it('names a bad configuration variable', async () => {
    const r = await runMain({ PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Configuration error: PORT is invalid: .+$/);
  });

  it('says when the database cannot be reached', async () => {
    const r = await runMain({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/mailroom',
      MAILROOM_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^Mailroom cannot start: cannot reach the database at 127\.0\.0\.1:1\/mailroom: .*ECONNREFUSED.*Is PostgreSQL running/,
    );
  });
});

/** A TCP relay between the server and PostgreSQL that the test can cut and restore. */
async function startRelay(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      await new Promise<void>((r) => {
        server!.close(() => r());
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
  };
}

describe.skipIf(!usingPostgres)('database going away while running (PostgreSQL)', () => {
  let app: TestApp | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('fails readiness and answers 503 while the database is gone, then recovers', async () => {
    const db = await createTestDatabase();
    const url = new URL(db!.url);
    const relay = await startRelay(url);
    const viaRelay = new URL(db!.url);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    app = await startTestApp({ DATABASE_URL: viaRelay.toString() });
    const http = app.server.http!;
    const c = new Client(app);

    expect((await http.inject({ url: '/readyz' })).statusCode).toBe(200);
    await relay.cut();
    const ready = await http.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    const r = await c.get<{ error: { code: string } }>(api.session);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('service_unavailable');
    expect(r.headers['retry-after']).toBe('5');

    await relay.restore();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await http.inject({ url: '/readyz' })).statusCode;
      if (status !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    expect(status).toBe(200);
    expect((await c.get(api.session)).status).toBe(200);
    await app.close();
    app = undefined;
    await db!.drop();
  });
});
