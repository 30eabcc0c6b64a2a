// Counts the Graph requests Mailroom makes, from the emulator's request log (HTTP requests by kind, and
// the inner requests of each `$batch` by kind) and its throttling counters (every request Microsoft
// would count, `$batch` inner requests included).
import type { Emulator, ThrottleCounters } from '@mailroom/m365-emulator';

export const REQUEST_KINDS = [
  'delta',
  'message',
  'mime',
  'attachments',
  'batch',
  'subscriptions',
  'folders',
  'other',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export function requestKind(path: string): RequestKind {
  if (/\/subscriptions(\/|$)/i.test(path)) return 'subscriptions';
  if (/\/\$batch$/i.test(path)) return 'batch';
  if (/\/delta$/i.test(path)) return 'delta';
  if (/\/attachments(\/|$)/i.test(path)) return 'attachments';
  if (/\/\$value$/i.test(path)) return 'mime';
  if (/\/messages\/[^/]+$/i.test(path)) return 'message';
  if (/\/mailFolders/i.test(path)) return 'folders';
  return 'other';
}

export interface Tally {
  /** HTTP requests to Graph (a `$batch` counts once here). */
  http: number;
  http429: number;
  http5xx: number;
  /** HTTP requests by kind (a `$batch` is `batch`). */
  byKind: Record<RequestKind, number>;
  /** The requests inside `$batch`es, by kind (Microsoft counts each against its limits). */
  inBatchByKind: Record<RequestKind, number>;
  /** Subscription calls: create, renew (PATCH), reauthorize, delete, get. */
  subscriptions: Record<SubscriptionCall, number>;
}

export const SUBSCRIPTION_CALLS = ['create', 'renew', 'reauthorize', 'delete', 'get'] as const;
export type SubscriptionCall = (typeof SUBSCRIPTION_CALLS)[number];

function subscriptionCall(method: string, path: string): SubscriptionCall {
  if (/\/reauthorize$/i.test(path)) return 'reauthorize';
  if (method === 'PATCH') return 'renew';
  if (method === 'DELETE') return 'delete';
  if (method === 'POST') return 'create';
  return 'get';
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

const emptyTally = (): Tally => ({
  http: 0,
  http429: 0,
  http5xx: 0,
  byKind: zeros(REQUEST_KINDS),
  inBatchByKind: zeros(REQUEST_KINDS),
  subscriptions: zeros(SUBSCRIPTION_CALLS),
});

export function diffTally(a: Tally, b: Tally): Tally {
  return {
    http: b.http - a.http,
    http429: b.http429 - a.http429,
    http5xx: b.http5xx - a.http5xx,
    byKind: Object.fromEntries(REQUEST_KINDS.map((k) => [k, b.byKind[k] - a.byKind[k]])) as Record<
      RequestKind,
      number
    >,
    inBatchByKind: Object.fromEntries(
      REQUEST_KINDS.map((k) => [k, b.inBatchByKind[k] - a.inBatchByKind[k]]),
    ) as Record<RequestKind, number>,
    subscriptions: Object.fromEntries(
      SUBSCRIPTION_CALLS.map((k) => [k, b.subscriptions[k] - a.subscriptions[k]]),
    ) as Record<SubscriptionCall, number>,
  };
}

/** Follows the request log in the background (so its 100,000-entry cap never loses a request). */
export class GraphMeter {
  private readonly emu: Emulator;
  private seq = 0;
  private readonly tally = emptyTally();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The first 429 answers (time, method, path, how long the answer took): to find what ran over. */
  readonly samples429: string[] = [];
  /**
   * Every 429 answer (inner ones included) counted by the UTC minute it came in: a burst and a steady
   * trickle look alike in a total, and the first 20 samples cannot tell when the rest came.
   */
  readonly perMinute429 = new Map<string, number>();

  constructor(emu: Emulator) {
    this.emu = emu;
  }

  private count429(time: string): void {
    const minute = time.slice(0, 16);
    this.perMinute429.set(minute, (this.perMinute429.get(minute) ?? 0) + 1);
  }

  /** Starts following; requests already in the log are skipped. */
  async start(): Promise<void> {
    const all = await this.emu.control.requests({ area: 'graph' });
    this.seq = all.at(-1)?.seq ?? 0;
    this.timer = setInterval(() => void this.poll(), 1000);
  }

  private poll(): Promise<void> {
    this.polling ??= (async () => {
      try {
        const entries = await this.emu.control.requests({ area: 'graph', since: this.seq });
        for (const e of entries) {
          if (e.inBatch) {
            this.tally.inBatchByKind[requestKind(e.path)]++;
            if (e.status === 429) {
              this.count429(e.time);
              if (this.samples429.length < 20)
                this.samples429.push(`${e.time} ${e.method} ${e.path} in a $batch (${e.durationMs} ms)`);
            }
            continue;
          }
          this.tally.http++;
          if (e.status === 429) {
            this.tally.http429++;
            this.count429(e.time);
            if (this.samples429.length < 20)
              this.samples429.push(`${e.time} ${e.method} ${e.path} (${e.durationMs} ms)`);
          }
          if (e.status >= 500) this.tally.http5xx++;
          const kind = requestKind(e.path);
          this.tally.byKind[kind]++;
          if (kind === 'subscriptions') this.tally.subscriptions[subscriptionCall(e.method, e.path)]++;
        }
        if (entries.length) this.seq = entries.at(-1)!.seq;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  /** The totals so far (after catching up with the log). */
  async snapshot(): Promise<Tally> {
    await this.poll();
    await this.poll();
    return structuredClone(this.tally);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export interface ThrottleTotals {
  /** Requests admitted (Microsoft's count: `$batch` inner requests each count). */
  served: number;
  /** Requests answered 429 by the throttler (concurrency, request or upload limits). */
  throttled: number;
  perMailbox: Map<string, ThrottleCounters>;
}

/** The emulator's throttling counters of these mailboxes (customer app only). */
export async function throttleTotals(emu: Emulator, mailboxIds: Set<string>): Promise<ThrottleTotals> {
  const { counters } = await emu.control.throttling();
  const perMailbox = new Map<string, ThrottleCounters>();
  let served = 0;
  let throttled = 0;
  for (const c of counters) {
    if (!mailboxIds.has(c.mailboxId)) continue;
    perMailbox.set(c.mailboxId, c);
    served += c.served;
    throttled += c.throttled;
  }
  return { served, throttled, perMailbox };
}
