import { describe, expect, it } from 'vitest';
import {
  FIRST_LIFETIME_MINUTES,
  folderDelivery,
  LIFETIME_MARGIN_MINUTES,
  nextSubscriptionAction,
  pushEligibility,
  renewalDue,
  shorterLifetime,
  SUBSCRIPTION_LIFETIME_MINUTES,
  SURVIVED_OUTAGE_MS,
} from './push-policy.ts';

describe('pushEligibility', () => {
  it('app-only modes get push for any mailbox', () => {
    expect(pushEligibility('organization', null, 'abc')).toEqual({ push: true });
    expect(pushEligibility('own_app', null, 'abc')).toEqual({ push: true });
  });
  it("delegated: only the signed-in user's own mailbox (ids compared case-insensitively)", () => {
    expect(pushEligibility('delegated', 'ABC', 'abc')).toEqual({ push: true });
    expect(pushEligibility('delegated', 'abc', 'shared-1')).toEqual({
      push: false,
      reason: 'delegated_shared_mailbox',
    });
    expect(pushEligibility(null, null, 'abc')).toEqual({ push: false, reason: 'not_connected' });
  });
});

describe('nextSubscriptionAction', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const at = (ms: number) => new Date(now.getTime() + ms);
  const DAY = 86_400_000;
  const row = (
    o: Partial<{
      graphId: string | null;
      status: string;
      expiresAt: Date | null;
      lastErrorAt: Date | null;
      createdAt: Date;
      renewedAt: Date | null;
    }>,
  ) => ({
    graphId: 'g',
    status: 'active',
    createdAt: at(-DAY),
    renewedAt: null,
    expiresAt: at(2 * DAY),
    lastErrorAt: null,
    ...o,
  });
  it('creates when there is none, it was removed, or it expired', () => {
    expect(nextSubscriptionAction(undefined, now, 1000)).toBe('create');
    expect(nextSubscriptionAction(row({ status: 'removed' }), now, 1000)).toBe('create');
    expect(nextSubscriptionAction(row({ graphId: null }), now, 1000)).toBe('create');
    expect(nextSubscriptionAction(row({ expiresAt: at(-1) }), now, 1000)).toBe('create');
  });
  it('renews ahead of expiry and on reauthorizationRequired, not before', () => {
    expect(nextSubscriptionAction(row({}), now, 1000)).toBe('none');
    // Half of its lifetime passed (from creation, or from the last renewal): renew.
    expect(nextSubscriptionAction(row({ expiresAt: at(DAY - 1) }), now, 1000)).toBe('renew');
    expect(nextSubscriptionAction(row({ renewedAt: at(-DAY / 2) }), now, 1000)).toBe('none');
    expect(nextSubscriptionAction(row({ renewedAt: at(-DAY / 2), expiresAt: at(DAY / 2) }), now, 1000)).toBe(
      'renew',
    );
    expect(nextSubscriptionAction(row({ status: 'reauthorize' }), now, 1000)).toBe('renew');
  });
  it('after a failure waits before trying again', () => {
    expect(nextSubscriptionAction(row({ status: 'failed', lastErrorAt: at(-500) }), now, 1000)).toBe(
      'retry_later',
    );
    expect(nextSubscriptionAction(row({ status: 'failed', lastErrorAt: at(-1500) }), now, 1000)).toBe(
      'create',
    );
  });
});

describe('subscription lifetimes (issue 22 §2.1)', () => {
  it('asks for the longest reading first, then what the refusal names, else the next reading', () => {
    expect(FIRST_LIFETIME_MINUTES).toBe(10_080 - LIFETIME_MARGIN_MINUTES);
    expect(
      shorterLifetime(
        FIRST_LIFETIME_MINUTES,
        'Subscription expiration can only be 4230 minutes in the future.',
      ),
    ).toBe(4230 - LIFETIME_MARGIN_MINUTES);
    expect(shorterLifetime(FIRST_LIFETIME_MINUTES, 'Expiration too far away.')).toBe(
      4230 - LIFETIME_MARGIN_MINUTES,
    );
    expect(
      shorterLifetime(4230 - LIFETIME_MARGIN_MINUTES, 'Subscription expiration can only be 1,440 minutes.'),
    ).toBe(1440 - LIFETIME_MARGIN_MINUTES);
    // Nothing shorter to try: the refusal stands.
    expect(shorterLifetime(4230 - LIFETIME_MARGIN_MINUTES, 'Expiration too far away.')).toBeNull();
    expect(shorterLifetime(4000, 'can only be 4230 minutes')).toBeNull();
  });

  it('renews at a point that outlasts a one-day Microsoft outage, for every lifetime we ask for', () => {
    const since = new Date('2026-12-01T00:00:00Z');
    for (const minutes of SUBSCRIPTION_LIFETIME_MINUTES) {
      const expiresAt = new Date(since.getTime() + (minutes - LIFETIME_MARGIN_MINUTES) * 60_000);
      // The first moment it is due…
      let lo = since.getTime();
      let hi = expiresAt.getTime();
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2);
        if (renewalDue(since, expiresAt, new Date(mid))) hi = mid;
        else lo = mid;
      }
      // …leaves more than a day (plus hours of retries) before the subscription lapses.
      expect(expiresAt.getTime() - hi).toBeGreaterThan(SURVIVED_OUTAGE_MS + 6 * 3600_000);
      // …and is not so early that it renews constantly.
      expect(hi - since.getTime()).toBeGreaterThan(12 * 3600_000);
    }
  });
});

describe('folderDelivery', () => {
  const base = {
    active: true,
    pushEnabled: true,
    eligibility: { push: true } as const,
    subscription: undefined,
    pollMinutes: 5,
  };
  const sub = {
    status: 'active',
    expiresAt: new Date('2026-12-01T00:00:00Z'),
    lastNotificationAt: null,
    rejected: 2,
    lastError: null,
  };
  it('push once the subscription is active; setting up before; failed with the reason', () => {
    expect(folderDelivery({ ...base, subscription: sub })).toMatchObject({
      mode: 'push',
      reason: null,
      subscriptionExpiresAt: '2026-12-01T00:00:00.000Z',
      rejectedNotifications: 2,
    });
    expect(folderDelivery(base)).toMatchObject({ mode: 'polling', reason: 'setting_up' });
    expect(
      folderDelivery({
        ...base,
        subscription: { ...sub, status: 'failed', lastError: 'Microsoft could not reach …' },
      }),
    ).toMatchObject({ mode: 'polling', reason: 'failed', detail: 'Microsoft could not reach …' });
  });
  it('a delegated shared mailbox is polled, and says so even before its rule is active', () => {
    const shared = { ...base, eligibility: { push: false, reason: 'delegated_shared_mailbox' } as const };
    expect(folderDelivery(shared)).toMatchObject({ mode: 'polling', reason: 'delegated_shared_mailbox' });
    expect(folderDelivery({ ...shared, active: false })).toMatchObject({
      reason: 'delegated_shared_mailbox',
    });
    expect(folderDelivery({ ...base, active: false })).toMatchObject({ reason: 'inactive' });
    expect(folderDelivery({ ...base, pushEnabled: false })).toMatchObject({ reason: 'disabled' });
  });
});
