import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from './main-process.ts';

// The real entry point, against conditions a person meets when deploying: each ends in one line
// naming the cause and the fix, and exit code 1.

/** One line, no stack trace. */
function expectOneLine(stderr: string, pattern: RegExp) {
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  expect(stderr.trim()).toMatch(pattern);
}

const made: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-startup-'));
  made.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of made.splice(0)) {
    await chmod(dir, 0o700).catch(() => undefined);
    await chmod(path.join(dir, 'pglite'), 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('startup failures end with one clear line and exit 1', () => {
  it(
    'HTTP port in use (after the sandbox started): names the port and the fix; the database and sandbox are closed first',
    { timeout: 90_000 },
    async () => {
      const taken = net.createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
      const port = (taken.address() as net.AddressInfo).port;
      try {
        const dataDir = await tempDir();
        const r = await runMain({ PORT: String(port), MAILROOM_DATA_DIR: dataDir });
        expect(r.code).toBe(1);
        expectOneLine(
          r.stderr,
          new RegExp(
            `^Mailroom cannot start: port ${port} on 127\\.0\\.0\\.1 is already in use .*set PORT to a free port`,
          ),
        );
        // The sandbox had started (its state folder is there) and the embedded database was closed
        // (closing it removes the data directory's lock).
        expect(existsSync(path.join(dataDir, 'm365-emulator'))).toBe(true);
        expect(existsSync(path.join(dataDir, 'server.pid'))).toBe(false);
      } finally {
        await new Promise((r) => taken.close(r));
      }
    },
  );

  it(
    'a read-only data directory: names the folder and the fix, and writes nothing',
    { timeout: 60_000 },
    async () => {
      const dataDir = await tempDir();
      await chmod(dataDir, 0o555);
      const r = await runMain({ MAILROOM_DATA_DIR: dataDir });
      expect(r.code).toBe(1);
      expectOneLine(
        r.stderr,
        /^Mailroom cannot start: the data directory .+ is not writable \(EACCES\): give the account running Mailroom .* write access to it, or set MAILROOM_DATA_DIR to a folder it can write\.$/,
      );
      expect(r.stderr).toContain(dataDir);
      expect(await readdir(dataDir)).toEqual([]);
    },
  );

  it(
    'a read-only data directory with PostgreSQL and a key set (blobs are still written there)',
    { timeout: 60_000 },
    async () => {
      const dataDir = await tempDir();
      await chmod(dataDir, 0o555);
      const r = await runMain({
        MAILROOM_DATA_DIR: dataDir,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/mailroom',
        MAILROOM_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      });
      expect(r.code).toBe(1);
      expectOneLine(r.stderr, /^Mailroom cannot start: the data directory .+ is not writable \(EACCES\)/);
    },
  );

  it(
    'PGlite unable to write its folder: names the folder and the fix; the lock is released',
    { timeout: 60_000 },
    async () => {
      const dataDir = await tempDir();
      await mkdir(path.join(dataDir, 'pglite'), { mode: 0o555 });
      await chmod(path.join(dataDir, 'pglite'), 0o555);
      const r = await runMain({
        MAILROOM_DATA_DIR: dataDir,
        MAILROOM_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      });
      expect(r.code).toBe(1);
      expectOneLine(
        r.stderr,
        /^Mailroom cannot start: the embedded database folder .+pglite is not writable \(EACCES\): give the account running Mailroom .* write access to it/,
      );
      expect(existsSync(path.join(dataDir, 'server.pid'))).toBe(false);
    },
  );

  it(
    'PGlite unable to write a file of an existing database (it aborted with no words): names the file',
    { timeout: 60_000 },
    async () => {
      const dataDir = await tempDir();
      const db = await PGlite.create(path.join(dataDir, 'pglite'));
      await db.close();
      const control = path.join(dataDir, 'pglite', 'global', 'pg_control');
      await chmod(control, 0o444);
      const r = await runMain({
        MAILROOM_DATA_DIR: dataDir,
        MAILROOM_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      });
      expect(r.code).toBe(1);
      expectOneLine(
        r.stderr,
        /^Mailroom cannot start: the embedded database folder .+ is not writable: EACCES on .+pg_control: give the account running Mailroom .* write access to that folder and to everything in it\.$/,
      );
      expect(r.stderr).toContain(control);
      expect(existsSync(path.join(dataDir, 'server.pid'))).toBe(false);
    },
  );

  it(
    'a blob directory it cannot write (MAILROOM_BLOB_DIR): names the folder and the variable',
    { timeout: 90_000 },
    async () => {
      const dataDir = await tempDir();
      const blobDir = await tempDir();
      await chmod(blobDir, 0o555);
      const r = await runMain({ MAILROOM_DATA_DIR: dataDir, MAILROOM_BLOB_DIR: blobDir });
      expect(r.code).toBe(1);
      expectOneLine(
        r.stderr,
        /^Mailroom cannot start: the blob directory .+ is not writable \(EACCES\): give the account running Mailroom .* write access to it, or set MAILROOM_BLOB_DIR to a folder it can write\.$/,
      );
      expect(r.stderr).toContain(blobDir);
      expect(existsSync(path.join(dataDir, 'server.pid'))).toBe(false);
    },
  );

  it(
    'Azure Blob Storage out of reach (BLOB_STORE=azure): says so in one line, without the account key',
    { timeout: 90_000 },
    async () => {
      const closed = net.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const key = Buffer.alloc(64, 9).toString('base64');
      const r = await runMain({
        MAILROOM_DATA_DIR: await tempDir(),
        BLOB_STORE: 'azure',
        AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=contoso;AccountKey=${key};BlobEndpoint=http://127.0.0.1:${port}/contoso;`,
      });
      expect(r.code).toBe(1);
      expectOneLine(
        r.stderr,
        /^Mailroom cannot start: Azure Blob Storage: opening container mailroom-blobs failed \(ECONNREFUSED\): .* check AZURE_STORAGE_CONNECTION_STRING .* reaches the account\.$/,
      );
      expect(r.stderr).not.toContain(key);
    },
  );
});
