import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { fromPglite, type Db as BossDb } from 'pg-boss';
import type { Logger } from 'pino';
import * as schema from './schema/index.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { assertWritable, firstUnwritable, notWritable } from '../data-dir.ts';
import { asError } from '../lib/errors.ts';
import { StartupError } from '../startup-error.ts';

export type Schema = typeof schema;
/** The one database type the code sees; PGlite and PostgreSQL both satisfy it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** pg-boss's connection: the shared pool for PostgreSQL, the `executeSql` adapter for PGlite. */
  readonly bossDb: BossDb | undefined;
  /** Where pg-boss connects when it owns its pool (PostgreSQL only). */
  readonly connectionString: string | undefined;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** An arbitrary constant: every Mailroom process migrating the same database takes this lock. */
const MIGRATION_LOCK_ID = 727_001;

/** Opens the database (PostgreSQL when `databaseUrl` is set, else PGlite under dataDir) and migrates it. */
export async function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  logger: Logger;
}): Promise<Database> {
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl, opts.logger)
    : openPglite(opts.dataDir, opts.logger);
}

async function openPglite(dataDir: string, logger: Logger): Promise<Database> {
  const dir = path.join(dataDir, 'pglite');
  // Its data is there: moving to another folder is no way out, so the fix named is the permissions.
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw notWritable(PGLITE_FOLDER, dir, err, '');
  });
  await assertWritable(PGLITE_FOLDER, dir, '');
  // PGlite is single-process: a second server on the same folder would corrupt it.
  const releaseLock = await acquireDataDirLock(dataDir);
  let client: PGlite;
  try {
    // PostgreSQL's default 128 MB of shared buffers is most of PGlite's memory; an embedded,
    // single-process database does well with less (measured: ~120 MB less RSS at 16 MB).
    client = await PGlite.create(dir, { postgresqlconf: ['shared_buffers=32MB'] });
  } catch (err) {
    await releaseLock();
    throw await pgliteOpenError(dir, err);
  }
  const db = drizzlePglite({ client, schema });
  // One process, one connection: no lock needed beyond the data-directory lock.
  await migratePglite(db, { migrationsFolder });
  logger.info({ dir }, 'embedded database ready (PGlite)');
  return {
    kind: 'pglite',
    db: db as unknown as Db,
    bossDb: fromPglite(client),
    connectionString: undefined,
    async ping() {
      await client.query('select 1');
    },
    async close() {
      await client.close();
      await releaseLock();
    },
  };
}

const PGLITE_FOLDER = 'the embedded database folder';

/**
 * Why PGlite could not open its folder, with the fix. It reports a file it cannot write as an
 * Emscripten error with a bare number, or simply aborts; the file is found and named here (only on
 * this failure path: a walk of the folder costs nothing at a good start).
 */
async function pgliteOpenError(dir: string, err: unknown): Promise<StartupError> {
  const blocked = await firstUnwritable(dir);
  const account = `the account running Mailroom (uid ${process.getuid?.() ?? '?'})`;
  if (blocked)
    return new StartupError(
      `${PGLITE_FOLDER} ${dir} is not writable: ${blocked.code} on ${blocked.file}: give ${account} write access to that folder and to everything in it`,
    );
  const reason =
    (err as { name?: string; errno?: unknown }).name === 'ErrnoError'
      ? `file error ${String((err as { errno?: unknown }).errno)}`
      : asError(err).message;
  return new StartupError(
    `${PGLITE_FOLDER} ${dir} could not be opened (${reason}): check that ${account} can write that folder and everything in it, and that its disk is neither full nor read-only`,
  );
}

async function openPostgres(url: string, logger: Logger): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection (database restart) must not crash the process; the pool
  // replaces it on next use and readiness reports the outage meanwhile.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'database connection lost'));
  // pg-pool takes that listener off a client while it is checked out: a connection dropped in the
  // middle of a transaction (a database restart) then emitted 'error' with nobody listening, and the
  // process died (once in a chaos run). With this one, the transaction's next statement fails
  // instead, the job retries, and the broken client is dropped when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err: err.message }, 'database connection lost while in use'));
  });
  let lockClient: pg.PoolClient;
  try {
    lockClient = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(
      `cannot reach the database at ${describeUrl(url)}: ${(err as Error).message || String(err)}`,
    );
  }
  // A checked-out client has no pool 'error' listener: a database restart during migration would
  // otherwise crash the process with an unhandled 'error' event instead of failing the query.
  const onLost = (err: Error) =>
    logger.warn({ err: err.message }, 'database connection lost during migration');
  lockClient.on('error', onLost);
  try {
    // Several processes may start at once: one migrates, the others wait, then find nothing to do.
    await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migratePg(drizzlePg({ client: lockClient, schema }), { migrationsFolder });
  } finally {
    await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    lockClient.off('error', onLost);
    lockClient.release();
  }
  logger.info({ database: describeUrl(url) }, 'database ready (PostgreSQL)');
  return {
    kind: 'postgres',
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    bossDb: undefined,
    connectionString: url,
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}

/** host:port/database, never the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** A failed query without its statement and parameters (lib/errors.ts; kept here for db callers). */
export { withoutQuery } from '../lib/errors.ts';

/** Errors that mean "the database is not there right now" rather than "the query is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  // Drizzle wraps driver errors (DrizzleQueryError); the driver's error is the cause.
  for (
    let e = err as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e instanceof DatabaseUnavailableError) return true;
    if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
    if (UNAVAILABLE_MESSAGE.test(e.message ?? '')) return true;
  }
  return false;
}

/** Socket errors, and PostgreSQL's classes 08 (connection exception) and 57P (operator intervention). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** A transaction handle; it can be used wherever a Db is expected. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The rows of a raw `db.execute(sql…)` (node-postgres and PGlite both answer `{ rows }`). */
export function rowsOf<T = unknown>(res: unknown): T[] {
  return ((res as { rows?: T[] }).rows ?? []) as T[];
}
