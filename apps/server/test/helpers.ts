import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CSRF_HEADER, api, type SessionInfo } from '@mailroom/contracts';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { seedPglite } from './pglite-template.ts';

/**
 * Integration tests run on PGlite by default and on PostgreSQL when TEST_DATABASE_URL is set. With
 * PostgreSQL each test file gets a database of its own, dropped at the end.
 */
export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) return undefined;
  const name = `mailroom_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A migrated database alone (PGlite in a temporary folder, or a database of its own on PostgreSQL),
 * for the capability modules' own tests: no HTTP, no sandbox, no job runtime.
 */
export async function openTestDatabase(): Promise<Database & { dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-db-'));
  const pgDb = await createTestDatabase();
  if (!pgDb) await seedPglite(dataDir, inject('pgliteTemplate'));
  const database = await openDatabase({ databaseUrl: pgDb?.url, dataDir, logger: pino({ level: 'silent' }) });
  return Object.assign(database, {
    async dispose() {
      await database.close();
      await pgDb?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

export interface TestApp {
  server: RunningServer;
  config: Config;
  close(): Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: { logger?: Logger } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-test-'));
  const database = await createTestDatabase();
  if (!database && !env.DATABASE_URL) await seedPglite(dataDir, inject('pgliteTemplate'));
  const config = loadConfig({
    PORT: '0',
    MAILROOM_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_SECONDS: '2',
    MAILROOM_SANDBOX_PORT: '0',
    ...(database
      ? { DATABASE_URL: database.url, MAILROOM_ENCRYPTION_KEY: randomBytes(32).toString('base64') }
      : {}),
    ...env,
  });
  const server = await startServer(config, opts.logger ?? pino({ level: 'silent' }), { webDist: null });
  return {
    server,
    config,
    async close() {
      await server.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Res<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/**
 * A browser-like API client over Fastify's inject: keeps cookies, and echoes the CSRF token the
 * session endpoint gave, as the SPA does.
 */
export class Client {
  readonly cookies = new Map<string, string>();
  /** Sent with every request (a browser's Accept-Language, say). */
  readonly headers: Record<string, string> = {};
  csrf = '';
  private readonly app: TestApp;
  constructor(app: TestApp) {
    this.app = app;
  }

  async request<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Res<T>> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.app.server.http!.inject({
      method,
      url,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(method !== 'GET' && this.csrf ? { [CSRF_HEADER]: this.csrf } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...this.headers,
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const cleared = c.value === '' || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0;
      if (cleared) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const text = res.body;
    const json = String(res.headers['content-type'] ?? '').includes('json');
    return {
      status: res.statusCode,
      body: (text && json ? JSON.parse(text) : text || null) as T,
      headers: res.headers,
    };
  }

  /** Reads the session (and its CSRF token), as the SPA does first. */
  async session(): Promise<SessionInfo> {
    const r = await this.request<SessionInfo>('GET', api.session);
    this.csrf = r.body.csrfToken;
    return r.body;
  }

  get = <T = unknown>(url: string) => this.request<T>('GET', url);
  post = <T = unknown>(url: string, body?: unknown) => this.request<T>('POST', url, body ?? {});
  patch = <T = unknown>(url: string, body?: unknown) => this.request<T>('PATCH', url, body ?? {});
  del = <T = unknown>(url: string) => this.request<T>('DELETE', url);
}

export const owner = {
  name: 'Olivia Owner',
  email: 'olivia@example.com',
  password: 'correct horse battery',
  workspaceName: 'Contoso Claims',
};

/** A fresh client that ran the first-start setup; returns it with the workspace id. */
export async function setUp(app: TestApp): Promise<{ client: Client; workspaceId: string }> {
  const client = new Client(app);
  await client.session();
  const r = await client.post<SessionInfo>(api.setup, owner);
  if (r.status !== 201) throw new Error(`setup failed: ${r.status} ${JSON.stringify(r.body)}`);
  client.csrf = r.body.csrfToken;
  return { client, workspaceId: r.body.workspaces[0]!.id };
}
