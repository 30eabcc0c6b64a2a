import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_TEMP_PREFIX, AzureBlobStore } from '../src/blobs/azure-store.ts';
import { FsBlobStore } from '../src/blobs/fs-store.ts';
import { BlobSizeMismatch, type BlobStore } from '../src/blobs/store.ts';
import { startAzurite, type Azurite } from './azurite.ts';

// One contract, both stores (decision 0017): the file system and Azure Blob Storage (Microsoft's
// Azurite emulator, from npm, started for this file). Every promise ingestion, the API and retention
// rely on is checked the same way on each.

let azurite: Azurite;
let scratch: string;
beforeAll(async () => {
  azurite = await startAzurite();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'mailroom-blob-stores-'));
});
afterAll(async () => {
  await azurite?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/**
 * A place for blobs, and stores on it: each call of `store()` is another "process" on the same
 * place (the same directory, the same container).
 */
interface Place {
  store(): Promise<BlobStore>;
  /** What the place holds besides blobs under their addresses (temporary files or blobs). */
  leftovers(): Promise<string[]>;
  /** Leaves a temporary file or blob behind, as a crash in the middle of a write would. */
  strand(): Promise<void>;
}

const places: Record<'fs' | 'azure' | 'azure (SAS token)', () => Promise<Place>> = {
  async fs() {
    const dir = await mkdtemp(path.join(scratch, 'fs-'));
    return {
      store: async () => new FsBlobStore(dir),
      leftovers: async () => {
        const { readdir } = await import('node:fs/promises');
        return readdir(path.join(dir, 'tmp')).catch(() => []);
      },
      strand: async () => {
        const { mkdir, writeFile } = await import('node:fs/promises');
        await mkdir(path.join(dir, 'tmp'), { recursive: true });
        await writeFile(path.join(dir, 'tmp', randomUUID()), 'half a write');
      },
    };
  },
  azure: async () => azurePlace(azurite.connectionString, azurite.container()),
  // Without the account key, a token for the container only: opening the store, the copy of a large
  // upload's temporary blob and the conditional delete are all authorised by it.
  'azure (SAS token)': async () => {
    const container = azurite.container();
    return azurePlace(await azurite.containerSasConnectionString(container), container);
  },
};

function azurePlace(connectionString: string, container: string): Place {
  // Looked at and written behind the store's back with the account key: the token may not list.
  const client = () =>
    BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
  return {
    // Small blocks, so that a few MiB make several of them.
    store: () => AzureBlobStore.open({ connectionString, container }, { blockBytes: 512 * 1024 }),
    leftovers: async () => {
      const names: string[] = [];
      for await (const b of client().listBlobsFlat({ prefix: AZURE_TEMP_PREFIX })) names.push(b.name);
      return names;
    },
    strand: async () => {
      const text = 'half a write';
      await client().getBlockBlobClient(`${AZURE_TEMP_PREFIX}${randomUUID()}`).upload(text, text.length);
    },
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const chunked = (b: Buffer, size: number) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
    })(),
  );
async function read(stream: Readable): Promise<{ content: Buffer; chunks: number }> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return { content: Buffer.concat(chunks), chunks: chunks.length };
}

describe.each(['fs', 'azure', 'azure (SAS token)'] as const)('the %s blob store', (kind) => {
  let place: Place;
  let store: BlobStore;
  beforeAll(async () => {
    place = await places[kind]();
    store = await place.store();
  });

  it('stores content once under its SHA-256 and reads it back', async () => {
    const a = await store.putBuffer(Buffer.from('hello'));
    const b = await store.putBuffer(Buffer.from('hello'));
    expect(a).toEqual({ sha256: sha256(Buffer.from('hello')), size: 5 });
    expect(b).toEqual(a);
    expect(await store.exists(a.sha256)).toBe(true);
    expect((await read(store.open(a.sha256))).content.toString()).toBe('hello');
    expect(await store.exists(sha256(Buffer.from('never stored')))).toBe(false);
    expect(store.description).toMatch(
      kind === 'fs' ? /^fs \// : /^azure http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/test-[0-9a-f]+$/,
    );
  });

  it('gives what one process stored to every other (the same directory or container)', async () => {
    const worker = await place.store();
    const api = await place.store();
    const eml = randomBytes(3000);
    const big = randomBytes(3 * 1024 * 1024 + 5);
    const small = await worker.put(Readable.from([eml]), eml.length);
    const large = await worker.put(chunked(big, 64 * 1024), big.length);
    expect((await read(api.open(small.sha256))).content.equals(eml)).toBe(true);
    expect((await read(api.open(large.sha256))).content.equals(big)).toBe(true);
  });

  it("streams both ways: a large body in and out in pieces, a small one's bytes handed back", async () => {
    const small = await store.putKeeping(Readable.from([Buffer.from('he'), Buffer.from('llo')]), 5);
    expect(small.content?.toString()).toBe('hello');
    expect(small.ref.size).toBe(5);

    const big = randomBytes(5 * 1024 * 1024 + 123);
    for (const announced of [big.length, undefined]) {
      const r = await store.putKeeping(chunked(big, 100_000), announced);
      expect(r.content).toBeNull();
      expect(r.ref).toEqual({ sha256: sha256(big), size: big.length });
    }
    const out = await read(store.open(sha256(big)));
    expect(out.content.equals(big)).toBe(true);
    // Read as it arrives, not gathered into one buffer.
    expect(out.chunks).toBeGreaterThan(1);
    expect(await place.leftovers()).toEqual([]);
  });

  it('refuses a body of the wrong size, small or large, and stores nothing', async () => {
    const short = Buffer.from('short');
    await expect(store.put(Readable.from([short]), 10)).rejects.toBeInstanceOf(BlobSizeMismatch);
    expect(await store.exists(sha256(short))).toBe(false);

    const big = randomBytes(2 * 1024 * 1024);
    await expect(store.put(chunked(big, 256 * 1024), big.length + 1)).rejects.toBeInstanceOf(
      BlobSizeMismatch,
    );
    await expect(store.put(chunked(big, 256 * 1024), big.length - 1)).rejects.toBeInstanceOf(
      BlobSizeMismatch,
    );
    expect(await store.exists(sha256(big))).toBe(false);
    expect(await place.leftovers()).toEqual([]);
  });

  it('fails the stream of a blob that is not there, before any byte', async () => {
    const missing = sha256(Buffer.from('not here'));
    await expect(read(store.open(missing))).rejects.toThrow();
    expect(() => store.open('not-a-hash')).toThrow('not a sha256');
  });

  it('erases an unused blob only when it was not stored within the grace (retention, decision 0012)', async () => {
    const hour = 3_600_000;
    const blob = await store.putBuffer(Buffer.from(`long forgotten ${kind}`));
    expect(await store.eraseUnlessFresh(blob.sha256, hour)).toBe('fresh');
    expect((await read(store.open(blob.sha256))).content.toString()).toBe(`long forgotten ${kind}`);
    // Two hours on, it is past the grace.
    expect(await store.eraseUnlessFresh(blob.sha256, hour, Date.now() + 2 * hour)).toBe('erased');
    expect(await store.exists(blob.sha256)).toBe(false);
    expect(await store.eraseUnlessFresh(blob.sha256, hour, Date.now() + 2 * hour)).toBe('missing');
    // A put after the erasure stores the bytes again.
    await store.putBuffer(Buffer.from(`long forgotten ${kind}`));
    expect(await store.exists(blob.sha256)).toBe(true);
    expect(await place.leftovers()).toEqual([]);
  });

  it('counts a put of bytes already there as storing them again: the grace starts anew', async () => {
    const grace = 1000;
    const untouched = Buffer.from(`stored once ${kind}`);
    const small = Buffer.from(`stored twice ${kind}`);
    const large = randomBytes(1024 * 1024 + 1);
    await store.putBuffer(untouched);
    await store.putBuffer(small);
    await store.put(chunked(large, 300_000));
    // Past the grace (Azure's Last-Modified counts whole seconds, and the store keeps a second more).
    await sleep(3200);
    await store.putBuffer(small);
    await store.put(chunked(large, 300_000));
    expect(await store.eraseUnlessFresh(sha256(untouched), grace)).toBe('erased');
    expect(await store.eraseUnlessFresh(sha256(small), grace)).toBe('fresh');
    expect(await store.eraseUnlessFresh(sha256(large), grace)).toBe('fresh');
    expect((await read(store.open(sha256(large)))).content.equals(large)).toBe(true);
  });

  it('erases the temporary files a crash left, once nobody has touched them for the grace', async () => {
    const own = await places[kind]();
    const s = await own.store();
    await own.strand();
    expect(await own.leftovers()).toHaveLength(1);
    if (kind === 'azure (SAS token)') {
      await expect(s.eraseStaleTemporaries(3_600_000)).rejects.toMatchObject({ statusCode: 403 });
      return;
    }
    expect(await s.eraseStaleTemporaries(3_600_000)).toBe(0);
    expect(await own.leftovers()).toHaveLength(1);
    expect(await s.eraseStaleTemporaries(3_600_000, Date.now() + 2 * 3_600_000)).toBe(1);
    expect(await own.leftovers()).toEqual([]);
  });

  it('lists what it holds in pages, in address order, with no temporary file (the orphan sweep)', async () => {
    // A place of its own, so that only this test's blobs are there; a large blob leaves its
    // temporary file or blob on the way (renamed or copied), which is not content.
    const own = await (await places[kind]()).store();
    const put = [
      ...(await Promise.all([1, 2, 3, 4].map((i) => own.putBuffer(Buffer.from(`listed ${i} ${kind}`))))),
      await own.put(chunked(randomBytes(1024 * 1024 + 7), 300_000)),
    ].map((b) => b.sha256);
    const listing = async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await own.list(cursor, 2);
        seen.push(...page.shas);
        cursor = page.next;
        pages++;
      } while (cursor !== undefined && pages < 10);
      return { seen, pages };
    };
    if (kind === 'azure (SAS token)') {
      // The token made without the list permission (`racwd`): refused, and the error says so.
      await expect(own.list(undefined, 2)).rejects.toMatchObject({ statusCode: 403 });
      return;
    }
    const { seen, pages } = await listing();
    expect(seen).toEqual([...put].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });
});

describe('the Azure blob store', () => {
  it('says what failed without the account key when Azure refuses the connection string', async () => {
    const wrongKey = Buffer.from('not the key of this account, 32b').toString('base64');
    const connectionString = azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`);
    const err = await AzureBlobStore.open({ connectionString, container: azurite.container() }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^Azure Blob Storage: opening container test-[0-9a-f]+ failed \(403/);
    const everything = JSON.stringify({ ...err, message: err?.message, stack: err?.stack });
    expect(everything).not.toContain(wrongKey);
    expect(everything).not.toContain('Signature');
  });
});
