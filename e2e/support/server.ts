import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { seedPglite } from '../../apps/server/test/pglite-template.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export interface RunningServer {
  baseUrl: string;
  /** The sandbox Microsoft 365 tenant (the emulator, HTTPS with its own CA). */
  sandbox: { url: string; caFile: string };
  /** The server's output so far, to explain a failure. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * With TEST_DATABASE_URL set, the server runs on PostgreSQL in a database of its own, created here
 * and dropped at the end (the setup flow needs an empty database).
 */
async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) return undefined;
  const { default: pg } = await import('pg');
  const name = `mailroom_e2e_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

async function waitForReady(baseUrl: string, child: ChildProcess, output: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`The server exited with code ${child.exitCode} before it was ready:\n${output()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The server was not ready within ${timeoutMs / 1000} s:\n${output()}`);
}

/** How many times a start that lost its ports to another process is tried again (see `startServer`). */
const PORT_ATTEMPTS = 3;

/** A start that died because a port chosen free was taken before the server could listen on it. */
class PortTaken extends Error {}

/**
 * Starts `node apps/server/src/main.ts` on a free port with a fresh data directory. `extraEnv` adds
 * settings a spec needs (e.g. `WEBHOOK_ALLOW_PRIVATE` for a receiver on 127.0.0.1).
 * A port is free when chosen and may be taken by another process (a parallel spec's server, its
 * tenant, a browser) before the server listens on it: such a start ends with Mailroom's own "in use"
 * message (a fresh-clone `npm test` met it once), and is tried again with new ports.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  if (!existsSync(path.join(repoRoot, 'apps/web/dist/index.html'))) {
    throw new Error('apps/web/dist is missing: build the web app first (npm run test:e2e does).');
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(extraEnv);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt === PORT_ATTEMPTS) throw err;
    }
  }
}

async function startOnce(extraEnv: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  let sandboxPort = await freePort();
  while (sandboxPort === port) sandboxPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-e2e-'));
  const database = await freshPostgres();
  if (!database) await seedPglite(dataDir, inject('pgliteTemplate'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    MAILROOM_DATA_DIR: dataDir,
    // The sandbox Microsoft 365 tenant on a free port chosen here (so that tests can reach its control API).
    MAILROOM_SANDBOX_PORT: String(sandboxPort),
    PUBLIC_BASE_URL: baseUrl,
    LOG_LEVEL: process.env.E2E_SERVER_LOG_LEVEL ?? 'warn',
    ...extraEnv,
  };
  delete env.DATABASE_URL;
  if (database) {
    env.DATABASE_URL = database.url;
    env.MAILROOM_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  }
  let log = '';
  // process.execPath: the pinned Node that runs this test (npm scripts put it first on PATH).
  const child = spawn(process.execPath, ['apps/server/src/main.ts'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => log;

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await database?.drop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForReady(baseUrl, child, output);
  } catch (e) {
    await stop();
    // Mailroom's startup messages for a port another program holds (server.ts, sandbox/tenant.ts).
    if (child.exitCode !== null && /already in use by another program|\(in use\)/.test(log))
      throw new PortTaken(e instanceof Error ? e.message : String(e));
    throw e;
  }
  const sandbox = {
    url: `https://localhost:${sandboxPort}`,
    caFile: path.join(dataDir, 'm365-emulator', 'tls', 'ca-cert.pem'),
  };
  return { baseUrl, sandbox, output, stop };
}
