/**
 * A tiny baseline JPEG encoder for greyscale images made of flat 8×8 blocks (a "photo" mosaic).
 * Each block carries only its DC coefficient, so the encoder needs no DCT: a valid JFIF file of a
 * few hundred bytes that any decoder (and our pipeline's sniffing) accepts.
 */

// Standard DC luminance table (ITU T.81 K.3); AC needs only EOB: one code of length 1.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALS = [0x00];

function huffmanCodes(bits: number[], vals: number[]): Map<number, { code: number; len: number }> {
  const out = new Map<number, { code: number; len: number }>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) out.set(vals[k++]!, { code: code++, len });
    code <<= 1;
  }
  return out;
}

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00); // byte stuffing
    this.acc = 0;
    this.n = 0;
  }
  finish(): number[] {
    while (this.n !== 0) this.write(1, 1);
    return this.bytes;
  }
}

const segment = (marker: number, payload: number[]) => [
  0xff,
  marker,
  (payload.length + 2) >> 8,
  (payload.length + 2) & 0xff,
  ...payload,
];

/** `blocks[row][col]` = grey level 0–255 of each 8×8 block. */
export function makeJpeg(blocks: number[][]): Buffer {
  const rows = blocks.length;
  const cols = blocks[0]?.length ?? 0;
  const h = rows * 8;
  const w = cols * 8;
  const dc = huffmanCodes(DC_BITS, DC_VALS);
  const ac = huffmanCodes(AC_BITS, AC_VALS);
  const bw = new BitWriter();
  let prev = 0;
  for (const row of blocks) {
    for (const v of row) {
      const coef = Math.round(8 * (Math.max(0, Math.min(255, v)) - 128));
      const diff = coef - prev;
      prev = coef;
      const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      const c = dc.get(size)!;
      bw.write(c.code, c.len);
      if (size > 0) bw.write(diff > 0 ? diff : diff + (1 << size) - 1, size);
      const eob = ac.get(0)!;
      bw.write(eob.code, eob.len);
    }
  }
  const bytes = [
    0xff,
    0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    ...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]),
    ...segment(0xc0, [0x08, h >> 8, h & 0xff, w >> 8, w & 0xff, 0x01, 0x01, 0x11, 0x00]),
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALS]),
    ...segment(0xc4, [0x10, ...AC_BITS, ...AC_VALS]),
    ...segment(0xda, [0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]),
    ...bw.finish(),
    0xff,
    0xd9,
  ];
  return Buffer.from(bytes);
}
