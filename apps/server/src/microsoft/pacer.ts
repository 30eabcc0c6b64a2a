import { DEFAULT_AIMD, LearntLimit, type AimdSettings } from './learnt-limit.ts';
import { SlidingCounter } from './sliding-counter.ts';
import { noSlots, SlotKeeper, type SlotCount } from './slot-keeper.ts';
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

/** A learnt concurrency limit that a 429 lowered (the constructor's `onLimitLowered`). */
export interface LimitLowered {
  /** The mailbox, or `app:<tenant>:<app>`. */
  key: string;
  scope: 'app' | 'mailbox';
  /** The requests in flight in that scope when Microsoft refused. */
  inFlight: number;
  /** The limit now. */
  limit: number;
}

/** What a request was admitted with: what `concurrencyRefused` judges a 429 by. */
export interface Admission {
  key: string;
  app: string | undefined;
  /** This process's requests in flight on the mailbox, and of the app on all its mailboxes (this one included). */
  mailboxInFlight: number;
  appInFlight: number;
  /**
   * The most of the app's requests in flight while this one was (raised as others are admitted): a
   * parallel `$batch`'s inner requests reach Microsoft over the batch's whole life, and may be refused
   * for requests admitted after it (MailClient judges a batch's inner refusals by it).
   */
  appPeak: number;
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

interface KeyState extends SlotCount {
  /**
   * Callers inside `acquire` in the order they are served: by priority, then first come first served.
   * Only the first may take a slot (or lease one); the others wait for it to be served.
   */
  queue: Ticket[];
  pausedUntil: number;
  requests: SlidingCounter;
  uploads: SlidingCounter;
  wakers: (() => void)[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A mailbox's learnt limit never goes below this (half of Microsoft's 4; see learnt-limit.ts). */
const MAILBOX_FLOOR = 2;

/** A request that waited longer than this for its slot is reported (`onSlowAdmission`). */
const SLOW_ADMISSION_MS = 1_000;

/** How long a finished request keeps its slot (see `run`). */
const RELEASE_GRACE_MS = 10;

/**
 * Paces Graph requests per mailbox so that Microsoft never has to throttle us: at most `slots`
 * requests in flight across all processes (leased slots), at most `requests` per sliding window and
 * `uploadBytes` per upload window (this process's share: the slots it holds of all), and a pause of
 * the whole mailbox when Microsoft answers 429 with Retry-After anyway.
 */
export class MailboxPacer {
  private readonly keeper: SlotKeeper<KeyState>;
  private readonly limits: PacerLimits;
  private readonly keys = new Map<string, KeyState>();
  /** Concurrency limits lowered by 429s, per mailbox and per app key (kept when a mailbox's state is forgotten). */
  private readonly learnt = new Map<string, LearntLimit>();
  /** This process's requests in flight per app, across its mailboxes (for telling the scope of a 429). */
  private readonly appInFlight = new Map<string, number>();
  /** This process's admitted requests per app, still in flight (their `appPeak` is raised as others come). */
  private readonly live = new Map<string, Set<Admission>>();
  private readonly aimd: AimdSettings;
  private readonly clock: () => number;
  private readonly onSlowAdmission: ((wait: AdmissionWait) => void) | undefined;
  private readonly onLimitLowered: ((lowered: LimitLowered) => void) | undefined;
  /**
   * `tickMs`: how often leases are renewed and idle ones given back (tests shorten it). `aimd`, `clock`:
   * how concurrency limits are learnt from 429s, and the clock that learning reads (tests fake it).
   * `onSlowAdmission`: told of each request that waited over a second for its slot, and why (a debug
   * log: where the time of a slow email went). `onLimitLowered`: told each time a 429 lowers a
   * learnt limit (an operator's log line: why a mailbox, or the whole app, now runs fewer requests).
   */
  constructor(
    leases: SlotLeases,
    limits: Partial<PacerLimits> = {},
    opts: {
      tickMs?: number;
      aimd?: Partial<AimdSettings>;
      clock?: () => number;
      onSlowAdmission?: (wait: AdmissionWait) => void;
      onLimitLowered?: (lowered: LimitLowered) => void;
    } = {},
  ) {
    this.limits = { ...MICROSOFT_LIMITS, ...limits };
    this.keeper = new SlotKeeper(leases, this.keys, {
      tickMs: opts.tickMs,
      idleReleaseMs: this.limits.idleReleaseMs,
      // Forgotten after a whole window idle: their counters are empty by then.
      forgetAfterMs: this.limits.windowMs,
      wake: (s) => this.wake(s),
    });
    this.aimd = { ...DEFAULT_AIMD, ...opts.aimd };
    this.clock = opts.clock ?? Date.now;
    this.onSlowAdmission = opts.onSlowAdmission;
    this.onLimitLowered = opts.onLimitLowered;
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
    const live = app !== undefined ? this.liveOf(app) : undefined;
    for (const other of live ?? []) other.appPeak = Math.max(other.appPeak, appCount);
    const admission: Admission = {
      key,
      app,
      mailboxInFlight: this.keys.get(key)?.active ?? weight,
      appInFlight: appCount,
      appPeak: appCount,
      mailboxEpoch: this.learnt.get(key)?.epoch ?? 0,
      appEpoch: app !== undefined ? (this.learnt.get(appKey(app))?.epoch ?? 0) : 0,
    };
    live?.add(admission);
    try {
      return await fn(admission);
    } finally {
      live?.delete(admission);
      if (live?.size === 0) this.live.delete(app!);
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
      this.refusedIn('app', appKey(a.app), a.appInFlight, a.appEpoch);
      return 'app';
    }
    this.refusedIn('mailbox', a.key, a.mailboxInFlight, a.mailboxEpoch);
    return 'mailbox';
  }

  private refusedIn(scope: 'app' | 'mailbox', key: string, inFlight: number, epoch: number): void {
    const limit = this.learntLimit(key, scope === 'app' ? Infinity : this.limits.slots);
    if (limit.refused(inFlight, epoch))
      this.onLimitLowered?.({ key, scope, inFlight, limit: limit.current() });
  }

  /** Whether the app's learnt limit is being probed above the level Microsoft last refused (LearntLimit.probing). */
  appProbing(app: string): boolean {
    return this.learnt.get(appKey(app))?.probing === true;
  }

  private liveOf(app: string): Set<Admission> {
    let set = this.live.get(app);
    if (!set) this.live.set(app, (set = new Set()));
    return set;
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
        ...noSlots(),
        queue: [],
        pausedUntil: 0,
        requests: new SlidingCounter(this.limits.windowMs),
        uploads: new SlidingCounter(this.limits.uploadWindowMs),
        wakers: [],
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
      if (s.held > 0 && !this.keeper.fresh(now)) {
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
        if (s.held < slots && (await this.keeper.claim(key, s, slots))) continue;
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
        if (await this.keeper.claim(key, s, slots)) continue;
        // A request of several slots (a `$batch`) that cannot have them all gives back those it holds
        // unused and tries again after a random moment: held while it waited for the rest, processes
        // each held part of a mailbox's (or an app's) slots and waited for the others' — the chaos
        // run stalled for good with every mailbox's slots held and nothing in flight.
        const several = weight > 1 && s.active === 0 && s.held > 0;
        if (several) await this.keeper.giveBackUnused(key, s, { evenIfWaiting: true });
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

  private waitForRelease(s: KeyState): Promise<void> {
    return new Promise((resolve) => s.wakers.push(resolve));
  }

  private release(key: string, weight: number): void {
    const s = this.keys.get(key);
    if (!s) return;
    s.active -= weight;
    const now = Date.now();
    if (s.active === 0) s.idleSince = now;
    this.keeper.afterUse(key, s, now);
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

  /** Requests in flight in this process, all mailboxes together (its leases are given back at shutdown only at 0). */
  inFlight(): number {
    let n = 0;
    for (const [key, s] of this.keys) if (!key.startsWith('app:')) n += s.active;
    return n;
  }

  close(): void {
    this.keeper.close();
  }
}
