/**
 * Sign-in limits (decision 0003). Pure, so they can be unit tested.
 *
 * Lockout: after `FREE_ATTEMPTS` consecutive failures for one account *from one client*, that
 * account is locked for that client only, for a time that doubles with each further failure, capped
 * at one hour. Someone guessing from elsewhere cannot lock the owner of the account out.
 */
export const FREE_ATTEMPTS = 5;
const BASE_LOCK_MS = 60_000;
const MAX_LOCK_MS = 3_600_000;

export function lockDurationMs(consecutiveFailures: number): number {
  if (consecutiveFailures < FREE_ATTEMPTS) return 0;
  const steps = consecutiveFailures - FREE_ATTEMPTS;
  return Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** Math.min(steps, 10));
}

/** Per-client limit on *failed* sign-ins (any account), per fixed window: spraying many addresses. */
export const CLIENT_FAILURE_WINDOW_MS = 15 * 60_000;
export const CLIENT_MAX_FAILURES = 30;

/**
 * Per-client budget of argon2id work done before anyone is signed in (sign-in, setup, accepting an
 * invitation), per fixed window, successes included: each costs ~20 MiB and tens of milliseconds of
 * CPU, so a client may not queue hundreds of them. Generous enough for an office behind one address.
 */
export const PASSWORD_WORK_WINDOW_MS = 5 * 60_000;
export const PASSWORD_WORK_MAX = 60;
