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

/** Renew when less than this is left: ~4 days into a 7-day subscription, leaving days for retries. */
export const RENEW_BEFORE_MS = 3 * 24 * 3600 * 1000;

/** What a subscription row needs next. */
export type SubscriptionAction = 'none' | 'create' | 'renew' | 'retry_later';

export function nextSubscriptionAction(
  row:
    { graphId: string | null; status: string; expiresAt: Date | null; lastErrorAt: Date | null } | undefined,
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
  return row.expiresAt.getTime() - now.getTime() < RENEW_BEFORE_MS ? 'renew' : 'none';
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
