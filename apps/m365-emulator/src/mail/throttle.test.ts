import { describe, expect, it } from 'vitest';
import { GraphHttpError } from '../graph/errors.ts';
import { Throttler } from './throttle.ts';

const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof GraphHttpError
      ? `${e.status} ${e.message} retry-after=${e.headers['retry-after']}`
      : String(e);
  }
};

describe('throttling per app per mailbox', () => {
  it('4 concurrent requests per app and mailbox; the 5th is MailboxConcurrency; releasing frees a slot', () => {
    const t = new Throttler();
    const releases = [1, 2, 3, 4].map(() => t.admit('app', 'mbx', 0));
    expect(code(() => t.admit('app', 'mbx', 0))).toBe(
      '429 Application is over its MailboxConcurrency limit. retry-after=1',
    );
    expect(code(() => t.admit('app', 'other-mbx', 0))).toBe('ok');
    expect(code(() => t.admit('other-app', 'mbx', 0))).toBe('ok');
    releases[0]!();
    releases[0]!(); // releasing twice is harmless
    expect(code(() => t.admit('app', 'mbx', 0))).toBe('ok');
    expect(t.counters(0).find((c) => c.appId === 'app' && c.mailboxId === 'mbx')).toMatchObject({
      inFlight: 4,
      throttled: 1,
      served: 5,
      // Admitted at most 4 at once; the app tried a 5th (what a multi-process run must never do).
      maxInFlight: 4,
      peakAttempted: 5,
    });
  });

  it('with throttling off, the peak the app attempted is still counted', () => {
    const t = new Throttler();
    t.reset({ enabled: false });
    for (let i = 0; i < 6; i++) t.admit('app', 'mbx', 0);
    expect(t.counters(0)[0]).toMatchObject({ throttled: 0, maxInFlight: 6, peakAttempted: 6 });
  });

  it('requests per window, with Retry-After until the window slides; upload bytes; off switch', () => {
    const t = new Throttler();
    t.reset({ requestsPerWindow: 3, windowSeconds: 600, uploadBytesPerWindow: 100 });
    for (let i = 0; i < 3; i++) t.admit('a', 'm', 1_000 * i)();
    expect(code(() => t.admit('a', 'm', 5_000))).toMatch(
      /^429 Application is over its MailboxRequests limit\. retry-after=\d+$/,
    );
    expect(code(() => t.admit('a', 'm', 700_000))).toBe('ok');
    expect(code(() => t.admit('a', 'u', 0, 60))).toBe('ok');
    expect(code(() => t.admit('a', 'u', 0, 60))).toMatch(/IncomingBytes/);
    t.config.enabled = false;
    expect(code(() => t.admit('a', 'u', 0, 600))).toBe('ok');
  });
});

describe('the perApp reading of the concurrency limit', () => {
  it('counts an app’s requests across mailboxes; releasing frees the app’s slot', () => {
    const t = new Throttler();
    t.reset({ concurrencyScope: 'perApp' });
    const releases = [
      t.admit('app', 'a', 0),
      t.admit('app', 'a', 0),
      t.admit('app', 'b', 0),
      t.admit('app', 'c', 0),
    ];
    expect(code(() => t.admit('app', 'd', 0))).toBe(
      '429 Application is over its MailboxConcurrency limit. retry-after=1',
    );
    expect(code(() => t.admit('other-app', 'a', 0))).toBe('ok');
    expect(t.inFlightForApp('app')).toBe(4);
    releases[2]!();
    releases[2]!();
    expect(t.inFlightForApp('app')).toBe(3);
    expect(code(() => t.admit('app', 'd', 0))).toBe('ok');
  });

  it('a service time in the configured range', () => {
    const t = new Throttler();
    expect(t.serviceTimeMs()).toBe(0);
    t.reset({ serviceTimeMinMs: 50, serviceTimeMaxMs: 300 });
    for (let i = 0; i < 100; i++) {
      const ms = t.serviceTimeMs();
      expect(ms).toBeGreaterThanOrEqual(50);
      expect(ms).toBeLessThanOrEqual(300);
    }
  });
});
