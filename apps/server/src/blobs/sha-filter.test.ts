import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ShaFilter } from './sha-filter.ts';

const sha = (i: number) => createHash('sha256').update(`blob ${i}`).digest('hex');

describe('ShaFilter', () => {
  it('never says "surely not" of an address it holds, and rarely "maybe" of one it does not', () => {
    const filter = new ShaFilter(20_000);
    for (let i = 0; i < 20_000; i++) filter.add(sha(i));
    for (let i = 0; i < 20_000; i++) expect(filter.has(sha(i))).toBe(true);
    let maybe = 0;
    for (let i = 20_000; i < 120_000; i++) if (filter.has(sha(i))) maybe++;
    // Sized for 1 %: 100,000 addresses never added give about 1,000 "maybe".
    expect(maybe).toBeGreaterThan(0);
    expect(maybe / 100_000).toBeLessThan(0.02);
  });

  it('holds nothing when empty', () => {
    const filter = new ShaFilter(0);
    expect(filter.has(sha(1))).toBe(false);
  });
});
