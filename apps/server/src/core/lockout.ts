/**
 * Sign-in lockout policy: after `FREE_ATTEMPTS` consecutive failures an account is locked, for a
 * time that doubles with each further failure, capped at one hour. Pure, so it can be unit tested.
 */
export const FREE_ATTEMPTS = 5;
const BASE_LOCK_MS = 60_000;
const MAX_LOCK_MS = 3_600_000;

export function lockDurationMs(consecutiveFailures: number): number {
  if (consecutiveFailures < FREE_ATTEMPTS) return 0;
  const steps = consecutiveFailures - FREE_ATTEMPTS;
  return Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** Math.min(steps, 10));
}

/** Per-IP limit on sign-in attempts (any account), per fixed window. */
export const IP_WINDOW_MS = 15 * 60_000;
export const IP_MAX_ATTEMPTS = 30;
