import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobSizeMismatch, FsBlobStore } from './fs-store.ts';

describe('FsBlobStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'blobs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores content once under its hash and leaves no temporary file', async () => {
    const store = new FsBlobStore(dir);
    const a = await store.putBuffer(Buffer.from('hello'));
    const b = await store.putBuffer(Buffer.from('hello'));
    expect(a).toEqual(b);
    expect(a.size).toBe(5);
    expect(await readFile(store.pathOf(a.sha256), 'utf8')).toBe('hello');
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('refuses a body of the wrong size and stores nothing', async () => {
    const store = new FsBlobStore(dir);
    await expect(
      store.put(
        (async function* () {
          yield Buffer.from('short');
        })(),
        10,
      ),
    ).rejects.toBeInstanceOf(BlobSizeMismatch);
    // A small body is checked before anything is written.
    expect(await readdir(dir)).toEqual([]);
  });

  it('makes its directories again when they were removed behind its back (the next put works)', async () => {
    const store = new FsBlobStore(dir);
    await store.putBuffer(Buffer.from('one'));
    await rm(dir, { recursive: true, force: true });
    await expect(store.putBuffer(Buffer.from('two'))).rejects.toThrow(/ENOENT/);
    const two = await store.putBuffer(Buffer.from('two'));
    expect(await readFile(store.pathOf(two.sha256), 'utf8')).toBe('two');
  });

  it("gives a small blob's bytes back; a large one streams to its file and gives none", async () => {
    const store = new FsBlobStore(dir);
    const small = await store.putKeeping(
      (async function* () {
        yield Buffer.from('he');
        yield Buffer.from('llo');
      })(),
      5,
    );
    expect(small.content?.toString()).toBe('hello');
    expect(small.ref.size).toBe(5);
    // Over the limit, announced or not: the first chunks gathered in memory are written before the rest.
    const big = Buffer.alloc(1024 * 1024 + 10, 7);
    big.write('start', 0);
    for (const announced of [big.length, undefined]) {
      const r = await store.putKeeping(
        (async function* () {
          yield big.subarray(0, 700_000);
          yield big.subarray(700_000, 1_000_000);
          yield big.subarray(1_000_000);
        })(),
        announced,
      );
      expect(r.content).toBeNull();
      expect((await readFile(store.pathOf(r.ref.sha256))).equals(big)).toBe(true);
      expect(r.ref.sha256).toBe((await store.putBuffer(big)).sha256);
    }
    await expect(
      store.putKeeping(
        (async function* () {
          yield big;
        })(),
        big.length + 1,
      ),
    ).rejects.toBeInstanceOf(BlobSizeMismatch);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('keeps its files 0600 and its directories 0700 whatever the umask, inside a pre-created 0755 folder', async () => {
    // What an operator's `mkdir data` and a permissive service umask give: blobs were 0644 in 0755 folders.
    await chmod(dir, 0o755);
    const umask = process.umask(0);
    try {
      const store = new FsBlobStore(path.join(dir, 'blobs'));
      await store.putBuffer(Buffer.from('an email'));
      await store.putBuffer(Buffer.alloc(1024 * 1024 + 1, 1)); // streamed, not written in one call
    } finally {
      process.umask(umask);
    }
    let files = 0;
    for (const name of await readdir(path.join(dir, 'blobs'), { recursive: true })) {
      const s = await stat(path.join(dir, 'blobs', name));
      expect([name, s.mode & 0o777]).toEqual([name, s.isDirectory() ? 0o700 : 0o600]);
      if (s.isFile()) files++;
    }
    expect(files).toBe(2);
    expect((await stat(path.join(dir, 'blobs'))).mode & 0o777).toBe(0o700);
  });

  it('writes the file again on every put of the same bytes: its mtime says when it was last stored', async () => {
    const store = new FsBlobStore(dir);
    const { sha256 } = await store.putBuffer(Buffer.from('same bytes'));
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(store.pathOf(sha256), old, old);
    await store.putBuffer(Buffer.from('same bytes'));
    expect(Date.now() - (await stat(store.pathOf(sha256))).mtimeMs).toBeLessThan(60_000);
  });

  it('erases an unused blob only when it was not stored within the grace (retention, decision 0012)', async () => {
    const store = new FsBlobStore(dir);
    const hour = 3_600_000;
    const fresh = await store.putBuffer(Buffer.from('being ingested'));
    const old = await store.putBuffer(Buffer.from('long forgotten'));
    const then = new Date(Date.now() - 2 * hour);
    await utimes(store.pathOf(old.sha256), then, then);

    expect(await store.eraseUnlessFresh(fresh.sha256, hour)).toBe('fresh');
    // Put back where it was, whole.
    expect(await readFile(store.pathOf(fresh.sha256), 'utf8')).toBe('being ingested');
    expect(await store.eraseUnlessFresh(old.sha256, hour)).toBe('erased');
    expect(await store.exists(old.sha256)).toBe(false);
    expect(await store.eraseUnlessFresh(old.sha256, hour)).toBe('missing');
    // Nothing left behind in the temporary folder.
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
    // A put after the erasure stores the bytes again.
    await store.putBuffer(Buffer.from('long forgotten'));
    expect(await store.exists(old.sha256)).toBe(true);
  });
});
