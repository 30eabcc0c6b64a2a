import { GraphHttpError } from '../graph/errors.ts';

/**
 * Outlook's limits per app per mailbox (reference §4): 4 concurrent requests, 10,000 requests per
 * 10 minutes, 150 MB uploaded per 5 minutes. Switchable off (counters keep counting) and
 * configurable so tests and benchmarks can reach them quickly.
 */
export interface ThrottleConfig {
  enabled: boolean;
  concurrency: number;
  /**
   * Whose requests the concurrency limit counts together. Microsoft's throttling page has said "per app
   * and mailbox" in most revisions and, in one, per app "regardless of whether the requests all access
   * the same mailbox" (decision 0013): `perMailbox` by default, `perApp` to play the other reading.
   * Either way the answer is Microsoft's one wording, `ApplicationThrottled` "…MailboxConcurrency limit."
   */
  concurrencyScope: 'perMailbox' | 'perApp';
  /**
   * How long a Graph mail request holds its slot before it is answered, drawn evenly between the two
   * (ms). Exchange takes 50–300 ms; the emulator answers in about 1 ms, so without this a client's
   * "parallel" requests hardly overlap and a client could run over 4 without a 429. 0 by default
   * (tests); the benchmarks set Microsoft's range.
   */
  serviceTimeMinMs: number;
  serviceTimeMaxMs: number;
  requestsPerWindow: number;
  windowSeconds: number;
  uploadBytesPerWindow: number;
  uploadWindowSeconds: number;
  /** Retry-After sent with MailboxConcurrency (Microsoft: observed 1 s). */
  concurrencyRetryAfterSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleConfig = {
  enabled: true,
  concurrency: 4,
  concurrencyScope: 'perMailbox',
  serviceTimeMinMs: 0,
  serviceTimeMaxMs: 0,
  requestsPerWindow: 10_000,
  windowSeconds: 600,
  uploadBytesPerWindow: 150 * 1024 * 1024,
  uploadWindowSeconds: 300,
  concurrencyRetryAfterSeconds: 1,
};

const BUCKETS = 60;

/** Counts in a sliding window made of BUCKETS slots (cheap at thousands of requests per second). */
class Window {
  private readonly slots = new Float64Array(BUCKETS);
  private readonly slotTimes = new Float64Array(BUCKETS).fill(-1);
  add(nowMs: number, windowMs: number, n: number): void {
    const width = windowMs / BUCKETS;
    const t = Math.floor(nowMs / width);
    const i = t % BUCKETS;
    if (this.slotTimes[i] !== t) {
      this.slotTimes[i] = t;
      this.slots[i] = 0;
    }
    this.slots[i]! += n;
  }
  sum(nowMs: number, windowMs: number): number {
    const width = windowMs / BUCKETS;
    const t = Math.floor(nowMs / width);
    let s = 0;
    for (let i = 0; i < BUCKETS; i++) if (this.slotTimes[i]! > t - BUCKETS) s += this.slots[i]!;
    return s;
  }
  /** Seconds until the oldest counted slot leaves the window. */
  retryAfter(nowMs: number, windowMs: number): number {
    const width = windowMs / BUCKETS;
    const t = Math.floor(nowMs / width);
    let oldest = t;
    for (let i = 0; i < BUCKETS; i++)
      if (this.slotTimes[i]! > t - BUCKETS && this.slots[i]! > 0)
        oldest = Math.min(oldest, this.slotTimes[i]!);
    return Math.max(1, Math.ceil(((oldest + BUCKETS) * width - nowMs) / 1000));
  }
}

interface KeyState {
  appId: string;
  mailboxId: string;
  inFlight: number;
  maxInFlight: number;
  peakAttempted: number;
  requests: Window;
  uploads: Window;
  served: number;
  throttled: number;
}

export interface ThrottleCounters {
  appId: string;
  mailboxId: string;
  inFlight: number;
  /** The most requests admitted at once, counted in the configured scope (never above `concurrency` while throttling is on). */
  maxInFlight: number;
  /**
   * The most requests the app had in flight at once *including the one refused*: what the app
   * attempted (above `concurrency` means it ran over the limit, whether or not we refused it).
   */
  peakAttempted: number;
  requestsInWindow: number;
  uploadBytesInWindow: number;
  served: number;
  throttled: number;
}

export class Throttler {
  config: ThrottleConfig = { ...DEFAULT_THROTTLE };
  private readonly keys = new Map<string, KeyState>();
  /** Requests in flight per app, across its mailboxes (the `perApp` reading of the limit). */
  private readonly appInFlight = new Map<string, number>();

  reset(config?: Partial<ThrottleConfig>): void {
    this.keys.clear();
    this.appInFlight.clear();
    this.config = { ...DEFAULT_THROTTLE, ...config };
  }

  /** The service time of the next request (ms), within the configured range. */
  serviceTimeMs(): number {
    const { serviceTimeMinMs: min, serviceTimeMaxMs: max } = this.config;
    return max > min ? min + Math.random() * (max - min) : min;
  }

  /** An app's requests in flight across all its mailboxes. */
  inFlightForApp(appId: string): number {
    return this.appInFlight.get(appId) ?? 0;
  }

  /**
   * Admits one request of `appId` on `mailboxId` or throws 429 ApplicationThrottled. The returned
   * function releases the concurrency slot (call it when the response is finished).
   */
  admit(appId: string, mailboxId: string, nowMs: number, uploadBytes = 0): () => void {
    const key = `${appId}|${mailboxId}`;
    let s = this.keys.get(key);
    if (!s) {
      s = {
        appId,
        mailboxId,
        inFlight: 0,
        maxInFlight: 0,
        peakAttempted: 0,
        requests: new Window(),
        uploads: new Window(),
        served: 0,
        throttled: 0,
      };
      this.keys.set(key, s);
    }
    const c = this.config;
    const reqWindow = c.windowSeconds * 1000;
    const upWindow = c.uploadWindowSeconds * 1000;
    const appBusy = this.appInFlight.get(appId) ?? 0;
    const busy = c.concurrencyScope === 'perApp' ? appBusy : s.inFlight;
    s.peakAttempted = Math.max(s.peakAttempted, busy + 1);
    if (c.enabled) {
      if (busy >= c.concurrency) {
        s.throttled++;
        throw throttled('MailboxConcurrency', c.concurrencyRetryAfterSeconds);
      }
      if (s.requests.sum(nowMs, reqWindow) >= c.requestsPerWindow) {
        s.throttled++;
        throw throttled('MailboxRequests', s.requests.retryAfter(nowMs, reqWindow));
      }
      if (uploadBytes > 0 && s.uploads.sum(nowMs, upWindow) + uploadBytes > c.uploadBytesPerWindow) {
        s.throttled++;
        throw throttled('IncomingBytes', s.uploads.retryAfter(nowMs, upWindow));
      }
    }
    s.requests.add(nowMs, reqWindow, 1);
    if (uploadBytes > 0) s.uploads.add(nowMs, upWindow, uploadBytes);
    s.inFlight++;
    this.appInFlight.set(appId, appBusy + 1);
    s.served++;
    s.maxInFlight = Math.max(s.maxInFlight, c.concurrencyScope === 'perApp' ? appBusy + 1 : s.inFlight);
    let released = false;
    const state = s;
    return () => {
      if (released) return;
      released = true;
      state.inFlight--;
      const left = (this.appInFlight.get(appId) ?? 1) - 1;
      if (left > 0) this.appInFlight.set(appId, left);
      else this.appInFlight.delete(appId);
    };
  }

  counters(nowMs: number): ThrottleCounters[] {
    return [...this.keys.values()].map((s) => ({
      appId: s.appId,
      mailboxId: s.mailboxId,
      inFlight: s.inFlight,
      maxInFlight: s.maxInFlight,
      peakAttempted: s.peakAttempted,
      requestsInWindow: s.requests.sum(nowMs, this.config.windowSeconds * 1000),
      uploadBytesInWindow: s.uploads.sum(nowMs, this.config.uploadWindowSeconds * 1000),
      served: s.served,
      throttled: s.throttled,
    }));
  }
}

export function throttled(limit: string, retryAfterSeconds: number): GraphHttpError {
  return new GraphHttpError(429, 'ApplicationThrottled', `Application is over its ${limit} limit.`, {
    'retry-after': String(retryAfterSeconds),
  });
}
