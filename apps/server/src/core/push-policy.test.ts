import { describe, expect, it } from 'vitest';
import { folderDelivery, nextSubscriptionAction, pushEligibility, RENEW_BEFORE_MS } from './push-policy.ts';

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
  const row = (
    o: Partial<{ graphId: string | null; status: string; expiresAt: Date | null; lastErrorAt: Date | null }>,
  ) => ({
    graphId: 'g',
    status: 'active',
    expiresAt: at(6 * 86_400_000),
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
    expect(nextSubscriptionAction(row({ expiresAt: at(RENEW_BEFORE_MS - 1) }), now, 1000)).toBe('renew');
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
