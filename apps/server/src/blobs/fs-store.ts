import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface BlobRef {
  sha256: string;
  size: number;
}

export class BlobSizeMismatch extends Error {}

/**
 * Content-addressed blobs on the filesystem (`<dir>/ab/cd/<sha256>`). Writes stream through a hash
 * into a temporary file that is renamed into place, so a crash never leaves a partial blob under a
 * real address, and the same content is stored once.
 */
export class FsBlobStore {
  readonly dir: string;
  /** Directories known to exist: every file-system call counts at thousands of blobs a second. */
  private readonly made = new Set<string>();
  constructor(dir: string) {
    this.dir = dir;
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.made.add(dir);
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return path.join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Stores a stream; with `expectedSize`, a short or long body is an error and nothing is stored. */
  async put(source: Readable | AsyncIterable<Uint8Array>, expectedSize?: number): Promise<BlobRef> {
    const tmpDir = path.join(this.dir, 'tmp');
    await this.ensureDir(tmpDir);
    const tmp = path.join(tmpDir, randomUUID());
    let placed = false;
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmp));
      if (expectedSize !== undefined && size !== expectedSize) {
        throw new BlobSizeMismatch(`expected ${expectedSize} bytes, received ${size}`);
      }
      const sha256 = hash.digest('hex');
      const final = this.pathOf(sha256);
      await this.ensureDir(path.dirname(final));
      await rename(tmp, final);
      placed = true;
      return { sha256, size };
    } catch (err) {
      // A directory removed behind our back (a restore, a clean-up) is made again on the retry.
      this.made.clear();
      throw err;
    } finally {
      if (!placed) await rm(tmp, { force: true });
    }
  }

  async putBuffer(buf: Buffer): Promise<BlobRef> {
    return this.put((async function* () {
      yield buf;
    })());
  }

  async exists(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }
}
