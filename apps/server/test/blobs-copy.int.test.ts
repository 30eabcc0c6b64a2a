import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureBlobStore } from '../src/blobs/azure-store.ts';
import { copyFsStoreToAzure } from '../src/blobs/copy-to-azure.ts';
import { FsBlobStore } from '../src/blobs/fs-store.ts';
import { startAzurite, type Azurite } from './azurite.ts';

// The one-off copy of a file blob store into Azure (decision 0017): everything arrives byte for
// byte, a second run copies nothing, a stopped run goes on where it stopped, and a damaged file is
// reported, not copied.

let azurite: Azurite;
let dir: string;
let files: FsBlobStore;
const stored: { sha256: string; content: Buffer }[] = [];
let damaged: string;

beforeAll(async () => {
  azurite = await startAzurite();
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-copy-'));
  files = new FsBlobStore(dir);
  for (const size of [0, 10, 3000, 70_000, 3 * 1024 * 1024 + 7, 200, 5, 999]) {
    const content = randomBytes(size);
    stored.push({ sha256: (await files.putBuffer(content)).sha256, content });
  }
  // A file whose bytes changed on disk after it was stored: its name is no longer its hash.
  const victim = await files.putBuffer(Buffer.from('the original bytes'));
  await writeFile(files.pathOf(victim.sha256), 'bit rot');
  damaged = victim.sha256;
  // What an interrupted write leaves, and a stray file: not blobs.
  await mkdir(path.join(dir, 'tmp'), { recursive: true });
  await writeFile(path.join(dir, 'tmp', 'a-temporary-file'), 'partial');
  await writeFile(path.join(dir, 'README'), 'not a blob');
});
afterAll(async () => {
  await azurite?.stop();
  await rm(dir, { recursive: true, force: true });
});

const azureStore = (container: string) =>
  AzureBlobStore.open({ connectionString: azurite.connectionString, container });

async function content(store: AzureBlobStore, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of store.open(sha256)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('copying a file blob store into Azure', () => {
  it('copies every blob byte for byte, reports the damaged one, ignores what is not a blob; a second run copies nothing', async () => {
    const to = await azureStore(azurite.container());
    const first = await copyFsStoreToAzure(dir, to, { concurrency: 3 });
    expect(first).toMatchObject({
      found: stored.length + 1,
      copied: stored.length,
      alreadyThere: 0,
      damaged: [damaged],
      failed: [],
      ignored: 2,
      stopped: false,
    });
    for (const s of stored) expect((await content(to, s.sha256)).equals(s.content)).toBe(true);
    expect(await to.exists(damaged)).toBe(false);

    const again = await copyFsStoreToAzure(dir, to);
    expect(again).toMatchObject({ copied: 0, alreadyThere: stored.length, damaged: [damaged], failed: [] });
    // --verify reads the files again and compares them with what Azure keeps.
    const verified = await copyFsStoreToAzure(dir, to, { verify: true });
    expect(verified).toMatchObject({ copied: 0, alreadyThere: stored.length, damaged: [damaged] });
  });

  it('goes on where a stopped run stopped', async () => {
    const to = await azureStore(azurite.container());
    const stop = new AbortController();
    const partial = await copyFsStoreToAzure(dir, to, {
      concurrency: 1,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.copied === 3) stop.abort();
      },
    });
    expect(partial).toMatchObject({ copied: 3, stopped: true });
    const rest = await copyFsStoreToAzure(dir, to, { concurrency: 2 });
    expect(rest).toMatchObject({ copied: stored.length - 3, alreadyThere: 3, stopped: false });
    for (const s of stored) expect(await to.exists(s.sha256)).toBe(true);
  });

  it('replaces, with --verify, a blob Azure holds under a name with other bytes of the same size', async () => {
    const container = azurite.container();
    const to = await azureStore(container);
    const victim = stored[2]!;
    // Another tool put wrong bytes of the right size under the name (the Azure store itself cannot).
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const raw = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(container)
      .getBlockBlobClient(`${victim.sha256.slice(0, 2)}/${victim.sha256.slice(2, 4)}/${victim.sha256}`);
    await raw.upload(randomBytes(victim.content.length), victim.content.length);
    // Without --verify, the same size is taken as the same blob.
    expect(await copyFsStoreToAzure(dir, to)).toMatchObject({ copied: stored.length - 1, alreadyThere: 1 });
    const verified = await copyFsStoreToAzure(dir, to, { verify: true });
    expect(verified).toMatchObject({ copied: 1, alreadyThere: stored.length - 1 });
    expect((await content(to, victim.sha256)).equals(victim.content)).toBe(true);
  });

  it('runs as `npm run blobs:copy-to-azure`: the environment of the server, a summary, exit 1 on a damaged file', async () => {
    const server = fileURLToPath(new URL('..', import.meta.url));
    const container = azurite.container();
    const run = (extra: string[]) =>
      promisify(execFile)(process.execPath, ['src/blobs/copy-to-azure-main.ts', ...extra], {
        cwd: server,
        env: {
          PATH: process.env.PATH,
          MAILROOM_BLOB_DIR: dir,
          AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
          AZURE_STORAGE_CONTAINER: container,
        },
      }).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    const first = await run([]);
    expect(first.code).toBe(1);
    expect(first.out).toContain(`copying ${dir} to azure http://127.0.0.1:`);
    expect(first.out).toContain(`done: ${stored.length + 1} found: ${stored.length} copied`);
    expect(first.out).toContain(`damaged (its content does not hash to its name; not copied): ${damaged}`);
    // The account key is never printed.
    expect(first.out).not.toContain(/AccountKey=([^;]+)/.exec(azurite.connectionString)![1]);
    const to = await azureStore(container);
    for (const s of stored)
      expect(
        createHash('sha256')
          .update(await content(to, s.sha256))
          .digest('hex'),
      ).toBe(s.sha256);

    // Without the damaged file, a second run finds everything there and exits 0.
    await rm(files.pathOf(damaged));
    const second = await run(['--concurrency', '2']);
    expect([second.code, second.out]).toEqual([0, expect.stringContaining(`${stored.length} already there`)]);
    expect((await run(['--concurrency', 'lots'])).code).toBe(2);
  });
});
