import { stat, readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import type { JobDefinition } from '../src/jobs/catalog.ts';
import { startJobs } from '../src/jobs/runtime.ts';
import { openVault } from '../src/security/vault-keys.ts';
import { createTestDatabase } from './helpers.ts';

const logger = pino({ level: 'silent' });
let dir: string;
let database: Database;
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-drain-'));
  const pg = await createTestDatabase();
  drop = pg?.drop;
  database = await openDatabase({ databaseUrl: pg?.url, dataDir: dir, logger });
});
afterAll(async () => {
  await database?.close();
  await drop?.();
  await rm(dir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('lets a running job finish before the worker stops', async () => {
    const slow: JobDefinition = {
      name: 'test-slow',
      description: 'takes a moment',
      payload: z.object({ n: z.number() }),
      policy: 'standard',
      retryLimit: 0,
      retryDelaySeconds: 1,
      retryBackoff: false,
      expireInSeconds: 60,
    };
    const finished: number[] = [];
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const jobs = await startJobs({
      database,
      catalog: [slow],
      handlers: {
        'test-slow': async (p) => {
          started();
          await new Promise((r) => setTimeout(r, 1_500));
          finished.push((p as { n: number }).n);
        },
      },
      work: true,
      context: { db: database.db, logger, now: () => new Date() },
      logger,
    });
    await jobs.startWorkers();
    const id = await jobs.send(slow, { n: 42 });
    await running;
    await jobs.stop(10_000);
    expect(finished).toEqual([42]);
    // Check the job's final state with a fresh, non-working instance.
    const observer = await startJobs({
      database,
      catalog: [slow],
      handlers: { 'test-slow': async () => {} },
      work: false,
      context: { db: database.db, logger, now: () => new Date() },
      logger,
    });
    expect((await observer.boss.getJobById<object>('test-slow', id!))?.state).toBe('completed');
    await observer.stop(1_000);
  });
});

describe('embedded encryption key', () => {
  it('is generated once into the data directory, readable by the owner only, and reused', async () => {
    const keyDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-key-'));
    const config = loadConfig({ MAILROOM_DATA_DIR: keyDir });
    const first = await openVault(config);
    expect(first.generatedKeyFile).toBe(path.join(keyDir, 'encryption.key'));
    expect((await stat(first.generatedKeyFile!)).mode & 0o777).toBe(0o600);
    const ciphertext = first.vault.encrypt('token');
    const second = await openVault(config);
    expect(second.generatedKeyFile).toBeUndefined();
    expect(second.vault.decrypt(ciphertext)).toBe('token');
    expect((await readFile(first.generatedKeyFile!, 'utf8')).trim()).toMatch(/^[\w-]+:[A-Za-z0-9+/=]{44}$/);
    await rm(keyDir, { recursive: true, force: true });
  });
});
