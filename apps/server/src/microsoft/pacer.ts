import { DEFAULT_AIMD, LearntLimit, type AimdSettings } from './learnt-limit.ts';
import type { SlotLeases } from './slot-leases.ts';

/** Microsoft's per app and mailbox limits (reference §4), with a margin so that we never reach them. */
export interface PacerLimits {
  /** Concurrent requests (Microsoft: 4). */
  slots: number;
  /** Requests per window (Microsoft: 10,000 per 10 minutes; we use 97 %). */
  requests: number;
  windowMs: number;
  /** Uploaded bytes (PATCH/POST/PUT bodies) per window (Microsoft: 150 MB per 5 minutes; we use 95 %). */
  uploadBytes: number;
  uploadWindowMs: number;
  /** Slots unused this long go back to the other processes. */
  idleReleaseMs: number;
}

export const MICROSOFT_LIMITS: PacerLimits = {
  slots: 4,
  // 97 %: the count is exact to the second and errs on the safe side, so 300 of margin is plenty.
  requests: 9_700,
  windowMs: 600_000,
  uploadBytes: Math.floor(150 * 1024 * 1024 * 0.95),
  uploadWindowMs: 300_000,
  // Long enough that a mailbox receiving an email every few seconds keeps its slot (leasing it again
  // cost two statements per email on the push path); short enough that another process gets it soon.
  idleReleaseMs: 10_000,
};

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

/**
 * Which of a mailbox's waiting requests gets a freed slot first: high before normal before low, FIFO
 * within a class; a request never takes a slot while one of a higher class of that mailbox waits in
 * this process (markers must not hold the 4 slots while a burst of MIME downloads waits).
 */
export type Priority = 'high' | 'normal' | 'low';
const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

/** Why a request waited before it was admitted, in ms per reason (the constructor's `onSlowAdmission`). */
export interface AdmissionWait {
  key: string;
  waitedMs: number;
  /**
   * `paused`: Retry-After; `budget`: over the request or upload budget; `stale`: leases not renewed
   * lately; `inLine`: behind earlier requests of this process; `busy`: this process's slots all in use;
   * `yielded`: this process just gave a slot to the others; `slots`: other processes hold the rest.
   */
  reasons: Partial<Record<'paused' | 'budget' | 'stale' | 'inLine' | 'busy' | 'yielded' | 'slots', number>>;
  held: number;
  active: number;
}

/** What a request was admitted with: what `concurrencyRefused` judges a 429 by. */
export interface Admission {
  key: string;
  app: string | undefined;
  /** This process's requests in flight on the mailbox, and of the app on all its mailboxes (this one included). */
  mailboxInFlight: number;
  appInFlight: number;
  mailboxEpoch: number;
  appEpoch: number;
}

export interface RunOptions {
  weight?: number;
  count?: number;
  uploadBytes?: number;
  priority?: Priority;
  /**
   * The app the request is made as (its tenant and app id): Microsoft may count the 4 concurrent
   * requests per app across its mailboxes (decision 0020). Without it, only the mailbox is paced.
   */
  app?: string;
}

/** The app's slots are leased under this key (graph_slots.mailbox), once a limit has been learnt for it. */
const appKey = (app: string) => `app:${app}`;

interface Ticket {
  rank: number;
  /** Waiting for the request or upload budget, not for a slot. */
  overBudget: boolean;
}

interface KeyState {
  held: number;
  active: number;
  claiming: Promise<boolean> | undefined;
  idleSince: number;
  /** Callers inside `acquire` (waiting for a slot or for the budget): the slots are in use, not idle. */
  waiting: number;
  /**
   * The same in the order they are served: by priority, then first come first served. Only the first
   * may take a slot (or lease one); the others wait for it to be served.
   */
  queue: Ticket[];
  pausedUntil: number;
  /** Since when this process has held slots without giving one back (see `release`). */
  heldSince: number;
  /** After giving a slot back, this process leaves it to the others this long. */
  noClaimUntil: number;
  requests: SlidingCounter;
  uploads: SlidingCounter;
  wakers: (() => void)[];
  /** Lease statements (claims, give-backs) started on this key: a renewal's count is applied only when none ran meanwhile. */
  leaseOps: number;
  /** Give-backs (`releaseOne`) not answered yet. */
  releasing: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How often a process renews its leases, gives back idle slots and frees those of dead processes on
 * its host (leases last 15 s: db/repos/graph-slots.ts): a killed worker's mailboxes wait about a
 * second for its slots, not until they expire (recovery after a kill, issue 23).
 */
const TICK_MS = 1_000;
/** An idle pacer looks for a dead neighbour's slots every this many ticks (see `renewAndRelease`). */
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

/** A mailbox's learnt limit never goes below this (half of Microsoft's 4; see learnt-limit.ts). */
const MAILBOX_FLOOR = 2;

/** A request that waited longer than this for its slot is reported (`onSlowAdmission`). */
const SLOW_ADMISSION_MS = 1_000;

/** How long a finished request keeps its slot (see `run`). */
const RELEASE_GRACE_MS = 10;

/**
 * A process whose leases were last renewed this share of their lifetime ago starts no request until a
 * renewal succeeds: when the database is away (a restart), the leases lapse on schedule and other
 * processes take the slots as soon as it is back, while this one still counts them as its own.
 */
const STALE_LEASE_SHARE = 2 / 3;

/**
 * Paces Graph requests per mailbox so that Microsoft never has to throttle us: at most `slots`
 * requests in flight across all processes (leased slots), at most `requests` per sliding window and
 * `uploadBytes` per upload window (this process's share: the slots it holds of all), and a pause of
 * the whole mailbox when Microsoft answers 429 with Retry-After anyway.
 */
export class MailboxPacer {
  private readonly leases: SlotLeases;
  private readonly limits: PacerLimits;
  private readonly keys = new Map<string, KeyState>();
  /** Concurrency limits lowered by 429s, per mailbox and per app key (kept when a mailbox's state is forgotten). */
  private readonly learnt = new Map<string, LearntLimit>();
  /** This process's requests in flight per app, across its mailboxes (for telling the scope of a 429). */
  private readonly appInFlight = new Map<string, number>();
  private readonly aimd: AimdSettings;
  private readonly clock: () => number;
  private readonly onSlowAdmission: ((wait: AdmissionWait) => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private ticking: Promise<void> | undefined;
  private idleTicks = 0;
  /** When the last renewal that succeeded was sent (or, holding nothing, the last tick): see `leasesFresh`. */
  private renewedAt = Date.now();
  /**
   * `tickMs`: how often leases are renewed and idle ones given back (tests shorten it). `aimd`, `clock`:
   * how concurrency limits are learnt from 429s, and the clock that learning reads (tests fake it).
   * `onSlowAdmission`: told of each request that waited over a second for its slot, and why (a debug
   * log: where the time of a slow email went).
   */
  constructor(
    leases: SlotLeases,
    limits: Partial<PacerLimits> = {},
    opts: {
      tickMs?: number;
      aimd?: Partial<AimdSettings>;
      clock?: () => number;
      onSlowAdmission?: (wait: AdmissionWait) => void;
    } = {},
  ) {
    this.leases = leases;
    this.limits = { ...MICROSOFT_LIMITS, ...limits };
    this.aimd = { ...DEFAULT_AIMD, ...opts.aimd };
    this.clock = opts.clock ?? Date.now;
    this.onSlowAdmission = opts.onSlowAdmission;
    this.timer = setInterval(() => void this.tick(), opts.tickMs ?? TICK_MS);
    this.timer.unref();
  }

  /**
   * Runs `fn` once the mailbox has room. `weight`: slots it occupies (a `$batch` runs up to 4 at once);
   * `count`: requests Microsoft counts against the budget (a `$batch`: each inner request — counting a
   * batch of 20 markers as one let a full-size backfill reach 10,000 in the window and draw 1,187 429s).
   * `fn` is told what the request was admitted with, for `concurrencyRefused`.
   */
  async run<T>(key: string, fn: (admission: Admission) => Promise<T>, opts: RunOptions = {}): Promise<T> {
    const rank = RANK[opts.priority ?? 'normal'];
    const weight = await this.acquire(
      key,
      Math.max(1, opts.weight ?? 1),
      Math.max(1, opts.count ?? 1),
      opts.uploadBytes ?? 0,
      rank,
    );
    // Once a limit has been learnt for the app, its requests also hold one of the app's leased slots
    // (taken after the mailbox's: every holder of an app slot already has its mailbox slot, so
    // waiting for one while holding the other cannot go round in a circle).
    const app = opts.app;
    const appLimited = app !== undefined && this.learnt.get(appKey(app))?.learnt === true;
    let appWeight = 0;
    try {
      if (appLimited) appWeight = await this.acquire(appKey(app), weight, 0, 0, rank);
    } catch (err) {
      setTimeout(() => this.release(key, weight), RELEASE_GRACE_MS);
      throw err;
    }
    const appCount = app !== undefined ? (this.appInFlight.get(app) ?? 0) + weight : 0;
    if (app !== undefined) this.appInFlight.set(app, appCount);
    const admission: Admission = {
      key,
      app,
      mailboxInFlight: this.keys.get(key)?.active ?? weight,
      appInFlight: appCount,
      mailboxEpoch: this.learnt.get(key)?.epoch ?? 0,
      appEpoch: app !== undefined ? (this.learnt.get(appKey(app))?.epoch ?? 0) : 0,
    };
    try {
      return await fn(admission);
    } finally {
      // Microsoft counts a request until its server has finished it, which can be a moment after we
      // have read the last byte: released at once, the next request was now and then a fifth (429).
      setTimeout(() => {
        this.release(key, weight);
        if (appWeight) this.release(appKey(app!), appWeight);
        if (app !== undefined) {
          const left = (this.appInFlight.get(app) ?? weight) - weight;
          if (left > 0) this.appInFlight.set(app, left);
          else this.appInFlight.delete(app);
        }
      }, RELEASE_GRACE_MS);
    }
  }

  /**
   * Microsoft refused a request for concurrency (`MailboxConcurrency`) though the pacer admitted it:
   * the limit of one scope is lower than we thought. Microsoft's answer does not say which (decision
   * 0020), so: when the app had requests in flight on other mailboxes at the time, the app is the
   * suspect (under the per-mailbox reading the pacer's leases keep the mailbox within its 4, so a
   * refusal there is a one-off); alone on its mailbox, the mailbox is. Returns the scope blamed.
   */
  concurrencyRefused(a: Admission): 'app' | 'mailbox' {
    if (a.app !== undefined && a.appInFlight > a.mailboxInFlight) {
      this.learntLimit(appKey(a.app), Infinity).refused(a.appInFlight, a.appEpoch);
      return 'app';
    }
    this.learntLimit(a.key, this.limits.slots).refused(a.mailboxInFlight, a.mailboxEpoch);
    return 'mailbox';
  }

  /** The concurrency limit of a mailbox (or `app:` key) now: Microsoft's 4, or lower when learnt from 429s. */
  limitOf(key: string): number {
    return this.learnt.get(key)?.current() ?? (key.startsWith('app:') ? Infinity : this.limits.slots);
  }

  private learntLimit(key: string, max: number): LearntLimit {
    let l = this.learnt.get(key);
    // Floors (learnt-limit.ts): the app never below Microsoft's documented 4, a mailbox never below 2.
    const floor = max === Infinity ? this.aimd.documented : MAILBOX_FLOOR;
    if (!l) this.learnt.set(key, (l = new LearntLimit(max, this.aimd, this.clock, floor)));
    return l;
  }

  /** Microsoft said 429 with Retry-After: nobody in this process asks this mailbox anything until then. */
  pause(key: string, ms: number): void {
    const s = this.state(key);
    s.pausedUntil = Math.max(s.pausedUntil, Date.now() + ms);
  }

  /** For benchmarks and tests: what this process holds and has used. */
  stats(key: string): { held: number; active: number; requestsInWindow: number } {
    const s = this.keys.get(key);
    return { held: s?.held ?? 0, active: s?.active ?? 0, requestsInWindow: s?.requests.sum(Date.now()) ?? 0 };
  }

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = {
        held: 0,
        active: 0,
        claiming: undefined,
        idleSince: Date.now(),
        waiting: 0,
        queue: [],
        pausedUntil: 0,
        heldSince: 0,
        noClaimUntil: 0,
        requests: new SlidingCounter(this.limits.windowMs),
        uploads: new SlidingCounter(this.limits.uploadWindowMs),
        wakers: [],
        leaseOps: 0,
        releasing: 0,
      };
      this.keys.set(key, s);
    }
    return s;
  }

  /** Returns the slots taken: `weight`, or fewer when the learnt limit is lower. */
  private async acquire(
    key: string,
    weight: number,
    count: number,
    uploadBytes: number,
    rank: number,
  ): Promise<number> {
    const s = this.state(key);
    s.waiting++;
    const ticket: Ticket = { rank, overBudget: false };
    // After the last of its class: FIFO within a class, higher classes first.
    const at = s.queue.findIndex((t) => t.rank > rank);
    s.queue.splice(at === -1 ? s.queue.length : at, 0, ticket);
    try {
      return await this.admit(key, s, weight, count, uploadBytes, ticket);
    } finally {
      s.waiting--;
      s.queue.splice(s.queue.indexOf(ticket), 1);
      // The next in line may go now (there may be room left).
      this.wake(s);
    }
  }

  private async admit(
    key: string,
    s: KeyState,
    requested: number,
    count: number,
    uploadBytes: number,
    ticket: Ticket,
  ): Promise<number> {
    const began = Date.now();
    const reasons: AdmissionWait['reasons'] = {};
    const waited = async (reason: keyof AdmissionWait['reasons'], wait: Promise<unknown>) => {
      const t = Date.now();
      await wait;
      reasons[reason] = (reasons[reason] ?? 0) + Date.now() - t;
    };
    for (;;) {
      const now = Date.now();
      // The mailbox's (or app's) limit now: Microsoft's 4, or what 429s taught (decision 0020).
      const slots = this.limitOf(key);
      const weight = Math.min(requested, slots);
      if (s.pausedUntil > now) {
        await waited('paused', sleep(s.pausedUntil - now));
        continue;
      }
      if (s.held > 0 && !this.leasesFresh(now)) {
        // Not renewed for most of their lifetime: the slots may be someone else's by now.
        await waited('stale', sleep(100));
        continue;
      }
      // This process's share of the window's budget is the share of the slots it holds. Over it, a
      // free slot is leased first (a larger share): a process alone on a mailbox must not sit on a
      // quarter of the budget because it held one slot at that moment (that stalled backfills for
      // minutes). Otherwise wait, looking again every second (the share may grow meanwhile).
      const share = Math.max(1, s.held) / this.limits.slots;
      const overRequests = s.requests.sum(now) + count > this.limits.requests * share;
      const overUploads =
        uploadBytes > 0 &&
        s.uploads.sum(now) > 0 &&
        s.uploads.sum(now) + uploadBytes > this.limits.uploadBytes * share;
      if (overRequests || overUploads) {
        if (s.held < slots && (await this.claim(key, s, slots))) continue;
        const freeAt = overRequests ? s.requests.nextFreeAt(now) : s.uploads.nextFreeAt(now);
        // Out of line meanwhile for its own class: a single request that fits the budget may pass a
        // $batch that does not (a lower class still may not).
        ticket.overBudget = true;
        this.wake(s);
        await waited('budget', sleep(Math.min(1000, Math.max(50, freeAt - now))));
        ticket.overBudget = false;
        continue;
      }
      if (this.waitsInLine(s, ticket)) {
        await waited('inLine', this.waitForRelease(s));
        continue;
      }
      if (s.active + weight <= Math.min(s.held, slots)) {
        s.active += weight;
        if (count > 0) s.requests.add(now, count);
        if (uploadBytes > 0) s.uploads.add(now, uploadBytes);
        const waitedMs = Date.now() - began;
        if (waitedMs > SLOW_ADMISSION_MS)
          this.onSlowAdmission?.({ key, waitedMs, reasons, held: s.held, active: s.active });
        return weight;
      }
      if (s.held < slots && s.noClaimUntil > now) {
        // This process just gave a slot back for the others: use its own, or wait a moment.
        await waited('yielded', Promise.race([this.waitForRelease(s), sleep(s.noClaimUntil - now)]));
        continue;
      }
      if (s.held < slots) {
        if (await this.claim(key, s, slots)) continue;
        // A request of several slots (a `$batch`) that cannot have them all gives back those it holds
        // unused and tries again after a random moment: held while it waited for the rest, processes
        // each held part of a mailbox's (or an app's) slots and waited for the others' — the chaos
        // run stalled for good with every mailbox's slots held and nothing in flight.
        const several = weight > 1 && s.active === 0 && s.held > 0;
        if (several) await this.giveBackUnused(key, s, { evenIfWaiting: true });
        // Other processes hold the rest: wait for one of ours to come back, or try to lease again soon.
        await waited(
          'slots',
          Promise.race([this.waitForRelease(s), sleep(several ? 100 + Math.random() * 500 : 250)]),
        );
        continue;
      }
      await waited('busy', this.waitForRelease(s));
    }
  }

  /** Leases one more slot. One lease request at a time per mailbox; whoever is waiting shares its outcome. */
  private claim(key: string, s: KeyState, slots: number): Promise<boolean> {
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

  private waitForRelease(s: KeyState): Promise<void> {
    return new Promise((resolve) => s.wakers.push(resolve));
  }

  private release(key: string, weight: number): void {
    const s = this.keys.get(key);
    if (!s) return;
    s.active -= weight;
    const now = Date.now();
    if (s.active === 0) s.idleSince = now;
    if (this.leases.releaseOne && s.held > s.active && now - s.heldSince > YIELD_AFTER_MS) {
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
    this.wake(s);
  }

  /** Someone before `ticket` must be served first: a higher class, or its own class waiting for a slot. */
  private waitsInLine(s: KeyState, ticket: Ticket): boolean {
    for (const t of s.queue) {
      if (t === ticket) return false;
      if (t.rank < ticket.rank || !t.overBudget) return true;
    }
    return false;
  }

  private wake(s: KeyState): void {
    const wakers = s.wakers.splice(0);
    for (const w of wakers) w();
  }

  /**
   * Renews this process's leases, and gives back slots of mailboxes it has stopped using; one tick at
   * a time. `ticking` is cleared by a `.finally` on the promise, which always runs after the
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
          now - s.idleSince > this.limits.idleReleaseMs
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
        // Forget mailboxes idle for a whole window (their counters are empty by then).
        if (s.held === 0 && s.active === 0 && s.waiting === 0 && now - s.idleSince > this.limits.windowMs)
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

  /**
   * Gives back the slots of `key` this process holds and does not use (idle, wanted by another
   * process, or too few for a waiting `$batch`), one at a time: a request of this process that comes
   * meanwhile keeps the rest (a delete of all its rows could also take a slot it has just leased).
   * `evenIfWaiting`: also while requests of this process wait for them (the `$batch` case).
   */
  private async giveBackUnused(
    key: string,
    s: KeyState,
    opts: { evenIfWaiting?: boolean } = {},
  ): Promise<void> {
    if (!this.leases.releaseOne) return;
    while (s.held > s.active && (opts.evenIfWaiting || s.waiting === 0)) {
      s.leaseOps++;
      s.held--;
      s.releasing++;
      // As in `release`: counted as given back even when the answer is lost.
      await this.leases
        .releaseOne(key)
        .catch(() => undefined)
        .finally(() => s.releasing--);
    }
  }

  /** Whether the leases were renewed recently enough to be still this process's (see `STALE_LEASE_SHARE`). */
  private leasesFresh(now: number): boolean {
    const leaseMs = this.leases.leaseMs ?? Infinity;
    return now - this.renewedAt < leaseMs * STALE_LEASE_SHARE;
  }

  /** Requests in flight in this process, all mailboxes together (its leases are given back at shutdown only at 0). */
  inFlight(): number {
    let n = 0;
    for (const [key, s] of this.keys) if (!key.startsWith('app:')) n += s.active;
    return n;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** In-process leases: the whole limit for this process (unit tests, and tools without a database). */
export class LocalSlotLeases implements SlotLeases {
  private readonly held = new Map<string, number>();
  private readonly slots: number;
  constructor(slots = 4) {
    this.slots = slots;
  }
  claim(key: string, limit = this.slots): Promise<boolean> {
    const n = this.held.get(key) ?? 0;
    if (n >= limit) return Promise.resolve(false);
    this.held.set(key, n + 1);
    return Promise.resolve(true);
  }
  release(key: string): Promise<void> {
    this.held.delete(key);
    return Promise.resolve();
  }
  releaseOne(key: string): Promise<void> {
    const n = this.held.get(key) ?? 0;
    if (n > 0) this.held.set(key, n - 1);
    return Promise.resolve();
  }
  renew(): Promise<void> {
    return Promise.resolve();
  }
}
