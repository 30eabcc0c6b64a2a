import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Database } from '../src/db/client.ts';
import { createTestDatabase, usingPostgres } from './helpers.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// PostgreSQL only: PGlite runs in the process and has no connection to lose.
describe.skipIf(!usingPostgres)('a PostgreSQL connection lost in the middle of a transaction', () => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let dir: string;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created?.drop;
    dir = await mkdtemp(path.join(os.tmpdir(), 'db-conn-'));
    database = await openDatabase({
      databaseUrl: created!.url,
      dataDir: dir,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails the transaction instead of crashing the process, and the pool keeps working', async () => {
    const attempt = database.db.transaction(async (tx) => {
      const [me] = rowsOf<{ pid: number }>(await tx.execute(sql`select pg_backend_pid() as pid`));
      // What a database restart does to this connection, while no statement is running on it.
      await database.db.execute(sql`select pg_terminate_backend(${me!.pid})`);
      // Until that backend is gone, so that the loss reaches the idle client between statements
      // (where the unhandled 'error' killed the process), not as the answer to the next one.
      for (let i = 0; i < 100; i++) {
        const left = rowsOf(
          await database.db.execute(sql`select 1 from pg_stat_activity where pid = ${me!.pid}`),
        );
        if (left.length === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setImmediate(r));
      await tx.execute(sql`select 1`);
    });
    await expect(attempt).rejects.toThrow();
    // The broken connection was dropped: the next statements get a working one.
    for (let i = 0; i < 12; i++)
      expect(rowsOf(await database.db.execute(sql`select 1 as one`))).toEqual([{ one: 1 }]);
  });
});
