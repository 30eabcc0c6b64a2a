/** Width of a counted second: requests are kept per second, and forgotten a second late rather than early. */
const BUCKET_MS = 1_000;

/**
 * Counts in a sliding window, per second (what Microsoft's own counters look like from outside).
 * A second's requests leave the count when the whole second has left the window: never before
 * Microsoft forgets them (with 10-second buckets, forgotten up to 10 s early, a full-size backfill
 * went 19 over its budget), at most a second after. Only seconds with requests are kept.
 */
export class SlidingCounter {
  private readonly windowMs: number;
  private readonly seconds: { start: number; count: number }[] = [];
  private total = 0;
  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }
  private evict(now: number): void {
    while (this.seconds.length && this.seconds[0]!.start + BUCKET_MS + this.windowMs <= now)
      this.total -= this.seconds.shift()!.count;
  }
  add(now: number, n: number): void {
    const start = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    const last = this.seconds.at(-1);
    if (last && last.start === start) last.count += n;
    else this.seconds.push({ start, count: n });
    this.total += n;
  }
  sum(now: number): number {
    this.evict(now);
    return this.total;
  }
  /** When the oldest counted second leaves the window (what a caller over budget waits for). */
  nextFreeAt(now: number): number {
    this.evict(now);
    const first = this.seconds[0];
    return first ? first.start + BUCKET_MS + this.windowMs : now;
  }
}
