import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
    await expect(store.put((async function* () { yield Buffer.from('short'); })(), 10)).rejects.toBeInstanceOf(BlobSizeMismatch);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['tmp']);
  });

  it('makes its directories again when they were removed behind its back (the next put works)', async () => {
    const store = new FsBlobStore(dir);
    await store.putBuffer(Buffer.from('one'));
    await rm(dir, { recursive: true, force: true });
    await expect(store.putBuffer(Buffer.from('two'))).rejects.toThrow(/ENOENT/);
    const two = await store.putBuffer(Buffer.from('two'));
    expect(await readFile(store.pathOf(two.sha256), 'utf8')).toBe('two');
  });
});
