/**
 * A Bloom filter of blob addresses (SHA-256, hex): `has` answers "maybe" or "surely not", never a
 * false "surely not". The orphan sweep keeps every blob the filter may hold, so a false "maybe" only
 * keeps an orphan one more day, and millions of addresses fit in a few megabytes (1 % false
 * positives: 1.2 bytes per address, against 100 or so in a `Set` of strings). An address is already
 * a uniform hash: its positions are read from its own hex, 32 bits each, with no hashing of ours.
 */
export class ShaFilter {
  /** Positions per address: the best for 1 % (m/n × ln 2 ≈ 6.6). 7 × 8 hex digits fit in 64. */
  private static readonly K = 7;
  private readonly bits: Uint8Array;
  private readonly m: number;

  constructor(expected: number, falsePositives = 0.01) {
    const n = Math.max(1, expected);
    this.m = Math.max(1024, Math.ceil((-n * Math.log(falsePositives)) / Math.LN2 ** 2));
    this.bits = new Uint8Array(Math.ceil(this.m / 8));
  }

  add(sha256: string): void {
    for (let i = 0; i < ShaFilter.K; i++) {
      const p = this.position(sha256, i);
      this.bits[p >>> 3]! |= 1 << (p & 7);
    }
  }

  has(sha256: string): boolean {
    for (let i = 0; i < ShaFilter.K; i++) {
      const p = this.position(sha256, i);
      if ((this.bits[p >>> 3]! & (1 << (p & 7))) === 0) return false;
    }
    return true;
  }

  private position(sha256: string, i: number): number {
    return Number.parseInt(sha256.slice(i * 8, i * 8 + 8), 16) % this.m;
  }
}
