/**
 * How to learn a concurrency limit from Microsoft's `MailboxConcurrency` 429s (decision 0020).
 * `decrease`: a refusal at `n` in flight leaves `floor(n × decrease)` (at least 1; see `documented`). `confirmMs`: a
 * refusal lowers the limit only when another refusal of the same scope came within this long — a
 * one-off (a request of ours Microsoft still counted a moment after we read its last byte, or one
 * blamed on the wrong scope) must not cost an hour of throughput; a real overload draws several at
 * once. `quietMs`: each quiet period after a decrease adds one. `rememberMs`: a level that drew
 * refusals is not tried again for this long (without it, additive increase would climb back to it and
 * draw 429s every few minutes for ever: "zero 429s in steady state" needs the memory). A probe after
 * the memory lapsed that is refused at the same level doubles it, up to `rememberMaxMs`: a limit
 * Microsoft keeps confirming costs a pair of 429s a day, not one an hour.
 */
export interface AimdSettings {
  decrease: number;
  /**
   * Microsoft's documented number (4, in either reading): a refusal above it lowers the limit to no
   * less than it in one step (under the per-app reading a burst refused at 5 or 16 in flight learns 4,
   * not 2 — halving would leave half of the app's slots unused for minutes); at or below it, halving.
   */
  documented: number;
  confirmMs: number;
  quietMs: number;
  rememberMs: number;
  rememberMaxMs: number;
}

export const DEFAULT_AIMD: AimdSettings = {
  decrease: 0.5,
  documented: 4,
  confirmMs: 60_000,
  quietMs: 60_000,
  rememberMs: 3_600_000,
  rememberMaxMs: 86_400_000,
};

/**
 * A concurrency limit that goes down multiplicatively when Microsoft refuses a request for
 * concurrency and back up by one per quiet period (AIMD), never above `max` (Infinity: not known,
 * not enforced — the app scope until a refusal is blamed on it). The increase is computed when the
 * limit is read, from the clock: nothing runs in the background.
 */
export class LearntLimit {
  private readonly max: number;
  private readonly settings: AimdSettings;
  private readonly clock: () => number;
  private base: number;
  /** When `base` was last set; the additive increase counts quiet periods from here. */
  private since = 0;
  /** The lowest level that lowered the limit within `rememberMs`, and when. */
  private refusedAt = Infinity;
  private refusedWhen = -Infinity;
  /** How long `refusedAt` is remembered: `rememberMs`, doubled each time a probe confirms it. */
  private rememberFor: number;
  /** The last refusal (lowered or not), and the fewest in flight among the recent ones. */
  private lastStrike = -Infinity;
  private strikeLow = Infinity;
  /**
   * Bumped at each decrease: a refusal of a request admitted under an earlier limit says nothing new
   * (a burst over the limit draws several 429s at once; halving for each would collapse to 1).
   */
  epoch = 0;

  /**
   * Never learnt below this, and a refusal with no more than this in flight teaches nothing: it cannot
   * be the limit we are looking for. The app scope's floor is Microsoft's documented 4 (either reading
   * lets an app run 4 at once); a mailbox's is 2. Without floors, refusals that come whatever the
   * concurrency (the chaos run's injected 429s carry Microsoft's MailboxConcurrency words) halved the
   * app's limit down to 1: one request in flight for the whole installation (issue 23's chaos run).
   */
  private readonly floor: number;

  constructor(max: number, settings: AimdSettings = DEFAULT_AIMD, clock: () => number = Date.now, floor = 1) {
    this.max = max;
    this.floor = Math.min(max, Math.max(1, floor));
    this.base = max;
    this.settings = settings;
    this.clock = clock;
    this.rememberFor = settings.rememberMs;
  }

  /** True once a refusal has lowered it (for the app scope: the limit is then enforced). */
  get learnt(): boolean {
    return this.base < this.max;
  }

  /**
   * True while the level that drew refusals is no longer remembered and the limit is being tried
   * above it again: a refusal now is the answer a probe waits for (MailClient trusts even a weak
   * sign of one then: a sequential batch's lone inner refusal).
   */
  get probing(): boolean {
    return this.refusedAt !== Infinity && this.lapsed(this.clock());
  }

  /** Whether the refused level is no longer remembered at `now` (or none was ever refused). */
  private lapsed(now: number): boolean {
    return now - this.refusedWhen >= this.rememberFor;
  }

  current(): number {
    if (this.base >= this.max) return this.max;
    const now = this.clock();
    const grown = this.base + Math.floor((now - this.since) / this.settings.quietMs);
    // Below the level refused while it is remembered; then one more per quiet period from there (a
    // gentle probe: at most one confirmed pair of 429s per `rememberMs` when the limit has not moved).
    const forgotten = now - this.refusedWhen - this.rememberFor;
    const cap = Math.min(
      this.max,
      this.refusedAt - 1 + (forgotten < 0 ? 0 : 1 + Math.floor(forgotten / this.settings.quietMs)),
    );
    return Math.max(this.base, Math.min(grown, cap));
  }

  /**
   * Microsoft refused a request admitted with `inFlight` in this scope (itself included) under
   * `epoch`. Returns whether the limit went down.
   */
  refused(inFlight: number, epoch: number): boolean {
    if (inFlight <= this.floor && this.floor > 1) return false;
    const now = this.clock();
    const confirmed = now - this.lastStrike < this.settings.confirmMs;
    this.strikeLow = confirmed ? Math.min(this.strikeLow, inFlight) : inFlight;
    this.lastStrike = now;
    if (!confirmed || epoch !== this.epoch) return false;
    const level = Math.min(this.current(), Math.max(1, this.strikeLow));
    if (this.lapsed(now)) {
      // The memory had lapsed, so this answers a probe: refused again no higher than one above the
      // level remembered, the limit stands (remember it twice as long); refused higher, it moved.
      if (this.refusedAt !== Infinity)
        this.rememberFor =
          this.strikeLow <= this.refusedAt + 1
            ? Math.min(this.settings.rememberMaxMs, this.rememberFor * 2)
            : this.settings.rememberMs;
      this.refusedAt = Infinity;
    }
    this.refusedAt = Math.min(this.refusedAt, Math.max(2, this.strikeLow));
    this.refusedWhen = now;
    const halved = Math.floor(level * this.settings.decrease);
    this.base = Math.max(
      this.floor,
      level > this.settings.documented ? Math.max(halved, this.settings.documented) : halved,
    );
    this.since = now;
    this.epoch++;
    return true;
  }
}
