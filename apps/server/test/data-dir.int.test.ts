import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectedOwnApp } from './connect-helpers.ts';
import { setUp, startTestApp, type TestApp } from './helpers.ts';
import { startMain } from './main-process.ts';
import { CLAIMS, documentCount, monitor, settle } from './sync-helpers.ts';

/**
 * Stored emails are for Mailroom's account only, however the data directory was made (an operator's
 * `mkdir` gives 0755) and whatever the umask the service runs with.
 */

/**
 * Every folder under `dir` (itself included) that another account could enter, and every file it
 * could read, with its mode. PGlite's own files are left out: Emscripten gives them 0666 whatever
 * the umask; they are out of reach because every folder above them is 0700.
 */
async function openToOthers(dir: string): Promise<string[]> {
  const open: string[] = [];
  for (const name of ['.', ...(await readdir(dir, { recursive: true }))]) {
    const s = await stat(path.join(dir, name));
    const mode = s.mode & 0o777;
    if (s.isFile() && name.startsWith(`pglite${path.sep}`)) continue;
    if (mode & 0o077) open.push(`${name} ${mode.toString(8)}`);
  }
  return open;
}

let app: TestApp | undefined;
const made: string[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function preCreatedDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-datadir-'));
  made.push(dir);
  await chmod(dir, 0o755);
  return dir;
}

describe('the data directory is private', () => {
  it(
    'every .eml and attachment is 0600 in 0700 folders, in a pre-created 0755 directory under umask 000',
    { timeout: 180_000 },
    async () => {
      const dataDir = await preCreatedDataDir();
      const umask = process.umask(0);
      try {
        app = await startTestApp({ MAILROOM_DATA_DIR: dataDir, MAILROOM_PUSH: 'false' });
        const { client, workspaceId } = await setUp(app);
        const connectorId = await connectedOwnApp(client, workspaceId, 'Claims');
        const { folderId } = await monitor(app, {
          workspaceId,
          connectorId,
          address: CLAIMS,
          folder: 'Inbox',
          processFrom: new Date(Date.now() - 60 * 86_400_000),
        });
        await app.server.sync.syncFolder(folderId);
        await settle(app, folderId);
        expect(await documentCount(app, folderId)).toBeGreaterThan(0);
      } finally {
        process.umask(umask);
      }
      const blobs = path.join(dataDir, 'blobs');
      const names = await readdir(blobs, { recursive: true });
      // Emails and their attachments: more files than documents.
      expect(names.filter((n) => /[0-9a-f]{64}$/.test(n)).length).toBeGreaterThan(10);
      for (const name of names) {
        const s = await stat(path.join(blobs, name));
        expect([name, (s.mode & 0o777).toString(8)]).toEqual([name, s.isDirectory() ? '700' : '600']);
      }
      expect(((await stat(dataDir)).mode & 0o777).toString(8)).toBe('700');
      expect(await openToOthers(blobs)).toEqual([]);
    },
  );

  it(
    'the process leaves nothing in it that another account can read (database, key, emulator), under umask 000',
    { timeout: 120_000 },
    async () => {
      const dataDir = await preCreatedDataDir();
      const umask = process.umask(0);
      let server;
      try {
        server = await startMain({ MAILROOM_DATA_DIR: dataDir });
      } finally {
        process.umask(umask);
      }
      expect(await server.stop()).toBe(0);
      const entries = await readdir(dataDir);
      expect(entries).toEqual(expect.arrayContaining(['encryption.key', 'pglite']));
      expect(await openToOthers(dataDir)).toEqual([]);
    },
  );
});
