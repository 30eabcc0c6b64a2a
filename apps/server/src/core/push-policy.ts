import type { FolderDelivery } from '@mailroom/contracts';

/**
 * Whether Microsoft will send change notifications for a mailbox (reference §3, field lesson #4):
 * app-only access can subscribe to any mailbox it may read; delegated access only to the signed-in
 * user's own mailbox. A delegated subscription on a shared mailbox is accepted by Graph and then never
 * notifies — so we do not create one, and say that the folder is checked every few minutes instead.
 */
export type PushEligibility =
  { push: true } | { push: false; reason: 'delegated_shared_mailbox' | 'not_connected' };

export function pushEligibility(
  authMode: 'delegated' | 'organization' | 'own_app' | null,
  accountOid: string | null,
  mailboxGraphUserId: string,
): PushEligibility {
  if (!authMode) return { push: false, reason: 'not_connected' };
  if (authMode !== 'delegated') return { push: true };
  return accountOid !== null && accountOid.toLowerCase() === mailboxGraphUserId.toLowerCase()
    ? { push: true }
    : { push: false, reason: 'delegated_shared_mailbox' };
}

/**
 * Message subscription lifetimes, longest first (reference §3; decision 0013): Microsoft's pages say
 * 10,080 minutes in some revisions and 4,230 in others, and message subscriptions over 4,230 were refused
 * in 2026. We ask for the longest and step down when Microsoft refuses the expiration.
 */
export const SUBSCRIPTION_LIFETIME_MINUTES = [10_080, 4_230] as const;
/** Asked for this much under a lifetime, so that our clock running ahead of Microsoft's is not "over". */
export const LIFETIME_MARGIN_MINUTES = 10;

/**
 * The lifetime to ask for after Microsoft refused `refusedMinutes`: the limit its message names
 * ("…can only be 4230 minutes in the future."), else the next shorter reading; null when there is
 * nothing shorter to try.
 */
export function shorterLifetime(refusedMinutes: number, message: string): number | null {
  const named = /(\d[\d,]*)\s*minutes/i.exec(message);
  const limit = named ? Number(named[1]!.replace(/,/g, '')) : NaN;
  if (
    Number.isFinite(limit) &&
    limit > LIFETIME_MARGIN_MINUTES &&
    limit - LIFETIME_MARGIN_MINUTES < refusedMinutes
  )
    return limit - LIFETIME_MARGIN_MINUTES;
  const next = SUBSCRIPTION_LIFETIME_MINUTES.find((m) => m - LIFETIME_MARGIN_MINUTES < refusedMinutes);
  return next === undefined ? null : next - LIFETIME_MARGIN_MINUTES;
}

/** The lifetime asked for first, when nothing was learnt about a tenant yet. */
export const FIRST_LIFETIME_MINUTES = SUBSCRIPTION_LIFETIME_MINUTES[0] - LIFETIME_MARGIN_MINUTES;

/**
 * A subscription is renewed once this share of its lifetime has passed: half of 4,230 minutes leaves
 * 35 hours, half of 10,080 leaves 84, so renewals that fail through a day-long Microsoft outage still
 * have hours of retries before the subscription lapses.
 */
export const RENEW_AT_FRACTION = 0.5;
/** The outage the renewal point must outlast (tested against every lifetime we ask for). */
export const SURVIVED_OUTAGE_MS = 24 * 3600 * 1000;

/** Whether a subscription running from `since` (created or last renewed) to `expiresAt` is due for renewal. */
export function renewalDue(since: Date, expiresAt: Date, now: Date): boolean {
  const lifetime = expiresAt.getTime() - since.getTime();
  return now.getTime() >= since.getTime() + lifetime * RENEW_AT_FRACTION;
}

/** What a subscription row needs next. */
export type SubscriptionAction = 'none' | 'create' | 'renew' | 'retry_later';

export function nextSubscriptionAction(
  row:
    | {
        graphId: string | null;
        status: string;
        expiresAt: Date | null;
        lastErrorAt: Date | null;
        createdAt: Date;
        renewedAt: Date | null;
      }
    | undefined,
  now: Date,
  retryAfterFailureMs: number,
): SubscriptionAction {
  if (!row) return 'create';
  if (row.status === 'failed') {
    return row.lastErrorAt && now.getTime() - row.lastErrorAt.getTime() < retryAfterFailureMs
      ? 'retry_later'
      : 'create';
  }
  if (!row.graphId || row.status === 'removed') return 'create';
  if (!row.expiresAt || row.expiresAt.getTime() <= now.getTime()) return 'create';
  if (row.status === 'reauthorize') return 'renew';
  return renewalDue(row.renewedAt ?? row.createdAt, row.expiresAt, now) ? 'renew' : 'none';
}

/** The folder's delivery status as the API shows it (see FolderDelivery in the contracts). */
export function folderDelivery(input: {
  active: boolean;
  pushEnabled: boolean;
  eligibility: PushEligibility;
  subscription:
    | {
        status: string;
        expiresAt: Date | null;
        lastNotificationAt: Date | null;
        rejected: number;
        lastError: string | null;
      }
    | undefined;
  pollMinutes: number;
}): FolderDelivery {
  const s = input.subscription;
  const base = {
    detail: null,
    pollMinutes: input.pollMinutes,
    subscriptionExpiresAt: s?.expiresAt?.toISOString() ?? null,
    lastNotificationAt: s?.lastNotificationAt?.toISOString() ?? null,
    rejectedNotifications: s?.rejected ?? 0,
  };
  const polling = (
    reason: NonNullable<FolderDelivery['reason']>,
    detail: string | null = null,
  ): FolderDelivery => ({ ...base, mode: 'polling', reason, detail });
  // A delegated shared mailbox is said so even before its rule is active: it decides how fast mail can come.
  if (!input.eligibility.push && input.eligibility.reason === 'delegated_shared_mailbox')
    return polling('delegated_shared_mailbox');
  if (!input.active) return polling('inactive');
  if (!input.pushEnabled || !input.eligibility.push) return polling('disabled');
  if (s?.status === 'failed') return polling('failed', s.lastError);
  if (!s || s.status !== 'active') return polling('setting_up');
  return { ...base, mode: 'push', reason: null };
}
