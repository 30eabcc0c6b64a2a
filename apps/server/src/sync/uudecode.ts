import { Transform, type TransformCallback } from 'node:stream';

/**
 * Decodes a uuencoded part (`Content-Transfer-Encoding: x-uuencode`, which mailparser passes through
 * as it is): `begin 644 name`, lines whose first character gives their length, then `end`. The name
 * on the `begin` line is kept for parts that name the file nowhere else.
 */
export class UudecodeStream extends Transform {
  fileName: string | null = null;
  private pending = '';
  private state: 'before' | 'data' | 'done' = 'before';

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const lines = (this.pending + chunk.toString('latin1')).split(/\r?\n/);
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pending) this.line(this.pending);
    done();
  }

  private line(line: string): void {
    if (this.state === 'done') return;
    if (this.state === 'before') {
      const begin = /^begin(?:-base64)?\s+[0-7]{3,4}\s+(.+?)\s*$/.exec(line);
      if (begin) {
        this.fileName = begin[1]!;
        this.state = 'data';
      }
      return;
    }
    if (/^end\s*$/.test(line)) {
      this.state = 'done';
      return;
    }
    const length = (line.charCodeAt(0) - 32) & 63;
    if (!length) return;
    const out = Buffer.alloc(length);
    let n = 0;
    for (let i = 1; n < length; i += 4) {
      const c = [0, 1, 2, 3].map((k) => ((line.charCodeAt(i + k) || 32) - 32) & 63);
      const bytes = [
        (c[0]! << 2) | (c[1]! >> 4),
        ((c[1]! & 15) << 4) | (c[2]! >> 2),
        ((c[2]! & 3) << 6) | c[3]!,
      ];
      for (const b of bytes) if (n < length) out[n++] = b & 255;
    }
    this.push(out);
  }
}

/** Whether a part's transfer encoding is uuencode (the names senders use for it). */
export function isUuencoded(transferEncoding: string | undefined): boolean {
  return /^(x-)?uu(e|encode|encoded)?$/i.test((transferEncoding ?? '').trim());
}
