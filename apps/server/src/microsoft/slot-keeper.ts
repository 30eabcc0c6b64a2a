import type { SlotLeases } from './slot-leases.ts';

/**
 * How often a process renews its leases, gives back idle slots and frees those of dead processes on
 * its host (leases last 15 s: db/repos/graph-slots.ts): a killed worker's mailboxes wait about a
 * second for its slots, not until they expire (recovery after a kill, issue 23).
 */
const TICK_MS = 1_000;
/** An idle process looks for a dead neighbour's slots every this many ticks (see `renewAndRelease`). */
const IDLE_RECLAIM_EVERY = 10;

/**
 * A process busy on a mailbox gives one of its slots back this often, when a request ends, and leaves
 * it to the other processes for a moment (`YIELD_HOLD_OFF_MS`): with its leases renewed (as they must
 * be), a busy worker otherwise kept all 4 slots of a mailbox for as long as its work lasted, and the
 * other workers' jobs of that mailbox waited tens of seconds (issue 23). Alone, it takes the slot back
 * 300 ms later: two statements every 2 s per busy mailbox.
 */
const YIELD_AFTER_MS = 2_000;
const YIELD_HOLD_OFF_MS = 300;

/**
 * A process whose leases were last renewed this share of their lifetime ago starts no request until a
 * renewal succeeds: when the database is away (a restart), the leases lapse on schedule and other
 * processes take the slots as soon as it is back, while this one still counts them as its own.
 */
const STALE_LEASE_SHARE = 2 / 3;

/** One key's slots as this process counts them (the pacer's state of a mailbox or app key extends it). */
export interface SlotCount {
  /** Slots leased by this process. */
  held: number;
  /** Slots in use by its requests in flight. */
  active: number;
  /** Callers inside the pacer's `acquire` (waiting for a slot or for the budget): the slots are in use, not idle. */
  waiting: number;
  /** The lease request under way (one at a time per key). */
  claiming: Promise<boolean> | undefined;
  idleSince: number;
  /** Since when this process has held slots without giving one back (see `afterUse`). */
  heldSince: number;
  /** After giving a slot back, this process leaves it to the others this long. */
  noClaimUntil: number;
  /** Lease statements (claims, give-backs) started on this key: a renewal's count is applied only when none ran meanwhile. */
  leaseOps: number;
  /** Give-backs (`releaseOne`) not answered yet. */
  releasing: number;
}

/** Zero counts, for a key seen for the first time. */
export function noSlots(): SlotCount {
  return {
    held: 0,
    active: 0,
    waiting: 0,
    claiming: undefined,
    idleSince: Date.now(),
    heldSince: 0,
    noClaimUntil: 0,
    leaseOps: 0,
    releasing: 0,
  };
}

/**
 * This process's side of the slot leases (decisions 0007, 0023): leasing one more, giving back what it
 * does not use, renewing every second and taking the database's count as its own. The pacer decides
 * who may run; this keeps its count of slots true to the database's.
 */
export class SlotKeeper<S extends SlotCount> {
  private readonly leases: SlotLeases;
  private readonly keys: Map<string, S>;
  private readonly idleReleaseMs: number;
  private readonly forgetAfterMs: number;
  private readonly wake: (s: S) => void;
  private readonly timer: NodeJS.Timeout;
  private ticking: Promise<void> | undefined;
  private idleTicks = 0;
  /** When the last renewal that succeeded was sent (or, holding nothing, the last tick): see `fresh`. */
  private renewedAt = Date.now();

  /**
   * `keys`: the pacer's state per key, read and written here (a key idle for `forgetAfterMs` is
   * deleted). `wake`: called when a key's count changed, so that its waiting requests look again.
   */
  constructor(
    leases: SlotLeases,
    keys: Map<string, S>,
    opts: { tickMs?: number | undefined; idleReleaseMs: number; forgetAfterMs: number; wake: (s: S) => void },
  ) {
    this.leases = leases;
    this.keys = keys;
    this.idleReleaseMs = opts.idleReleaseMs;
    this.forgetAfterMs = opts.forgetAfterMs;
    this.wake = opts.wake;
    this.timer = setInterval(() => void this.tick(), opts.tickMs ?? TICK_MS);
    this.timer.unref();
  }

  /** Leases one more slot. One lease request at a time per key; whoever is waiting shares its outcome. */
  claim(key: string, s: S, slots: number): Promise<boolean> {
    if (!s.claiming) s.leaseOps++;
    s.claiming ??= this.leases
      .claim(key, slots)
      .then(
        (got) => {
          if (got && s.held++ === 0) s.heldSince = Date.now();
          return got;
        },
        // The database is briefly unreachable: as if the slot were taken; try again soon.
        () => false,
      )
      .finally(() => (s.claiming = undefined));
    return s.claiming;
  }

  /** A request ended: a process busy on the key for a while gives one slot back (see `YIELD_AFTER_MS`). */
  afterUse(key: string, s: S, now: number): void {
    if (!this.leases.releaseOne || s.held <= s.active || now - s.heldSince <= YIELD_AFTER_MS) return;
    s.held--;
    s.heldSince = now;
    s.noClaimUntil = now + YIELD_HOLD_OFF_MS;
    s.leaseOps++;
    s.releasing++;
    // Counted as given back even when the answer is an error: the delete may have been done before
    // the connection broke (a database restart), and counting the slot again then made this process
    // use a slot another had leased — 5 in flight. Had it not been done, the next renewal says so.
    this.leases
      .releaseOne(key)
      .catch(() => undefined)
      .finally(() => s.releasing--);
  }

  /**
   * Gives back the slots of `key` this process holds and does not use (idle, wanted by another
   * process, or too few for a waiting `$batch`), one at a time: a request of this process that comes
   * meanwhile keeps the rest (a delete of all its rows could also take a slot it has just leased).
   * `evenIfWaiting`: also while requests of this process wait for them (the `$batch` case).
   */
  async giveBackUnused(key: string, s: S, opts: { evenIfWaiting?: boolean } = {}): Promise<void> {
    if (!this.leases.releaseOne) return;
    while (s.held > s.active && (opts.evenIfWaiting || s.waiting === 0)) {
      s.leaseOps++;
      s.held--;
      s.releasing++;
      // As in `afterUse`: counted as given back even when the answer is lost.
      await this.leases
        .releaseOne(key)
        .catch(() => undefined)
        .finally(() => s.releasing--);
    }
  }

  /** Whether the leases were renewed recently enough to be still this process's (see `STALE_LEASE_SHARE`). */
  fresh(now: number): boolean {
    const leaseMs = this.leases.leaseMs ?? Infinity;
    return now - this.renewedAt < leaseMs * STALE_LEASE_SHARE;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * Renews this process's leases, and gives back slots of keys it has stopped using; one tick at a
   * time. `ticking` is cleared by a `.finally` on the promise, which always runs after the
   * assignment: cleared inside the async body instead, an idle tick (no `await` reached) ran its
   * `finally` before `ticking` was assigned, so `ticking` stayed set and the process never renewed
   * or released a lease again — other processes then took its expired slots while it still used
   * them (up to 4 × N requests in flight per mailbox, issue 23).
   */
  private tick(): Promise<void> {
    this.ticking ??= this.renewAndRelease().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async renewAndRelease(): Promise<void> {
    try {
      const now = Date.now();
      let holding = false;
      for (const [key, s] of this.keys) {
        if (
          s.held > 0 &&
          s.active === 0 &&
          s.waiting === 0 &&
          !s.claiming &&
          now - s.idleSince > this.idleReleaseMs
        ) {
          // One at a time: a delete of all this process's rows of the key could also take the row a
          // claim made meanwhile (a request that came during the delete), counted as held.
          if (this.leases.releaseOne) await this.giveBackUnused(key, s);
          else {
            s.held = 0;
            await this.leases.release(key);
          }
        }
        if (s.held > 0) holding = true;
        if (s.held === 0 && s.active === 0 && s.waiting === 0 && now - s.idleSince > this.forgetAfterMs)
          this.keys.delete(key);
      }
      if (holding) await this.renew();
      else this.renewedAt = Date.now();
      // Slots a dead process of this host held matter to a process waiting for them: every tick while
      // this one holds or waits for slots, every 10th when idle (issue 22 §3: an idle process's query a
      // second; other processes that want the slots look every second themselves).
      const busy = holding || [...this.keys.values()].some((s) => s.waiting > 0 || s.active > 0);
      if (busy || this.idleTicks++ % IDLE_RECLAIM_EVERY === 0) await this.leases.reclaimDead?.();
      if (busy) this.idleTicks = 0;
    } catch {
      // Leases not renewed this time (database unreachable); the next tick tries again.
    }
  }

  /**
   * Renews the leases and takes the database's count of them as this process's own, for each key on
   * which no claim or give-back ran meanwhile (an answer lost in a restart leaves the two apart).
   * Slots another process wants are given back now when this one has no use for them: kept for the
   * idle time (10 s), they made the other workers' requests of that mailbox wait 10 s (issue 23).
   */
  private async renew(): Promise<void> {
    const sentAt = Date.now();
    const opsBefore = new Map([...this.keys].map(([key, s]) => [key, s.leaseOps]));
    const held = await this.leases.renew();
    this.renewedAt = sentAt;
    if (!held) return;
    // Rows of a key this process has forgotten (a lease answer lost, then the key idle for a window).
    for (const key of held.keys()) if (!this.keys.has(key)) await this.leases.release(key);
    for (const [key, s] of this.keys) {
      if (s.claiming || s.releasing > 0 || opsBefore.get(key) !== s.leaseOps) continue;
      const h = held.get(key);
      const n = h?.slots ?? 0;
      if (n !== s.held) {
        s.held = n;
        this.wake(s);
      }
      if (h?.wanted && s.waiting === 0 && s.held > s.active) await this.giveBackUnused(key, s);
    }
  }
}
