/**
 * When a failed delivery is tried again: exponential, jittered (±20 %, so the retries of a burst that
 * failed together do not come back together), and long: with the default first wait of 5 s the waits
 * are 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 6 h, 8 h, 8 h, 8 h — about 37 hours in all (30 at
 * the shortest jitter), more than the 24 h an integrator can count on. After the last, the delivery is failed (it can be redelivered).
 */
const STEPS = [1, 6, 24, 120, 360, 720, 1440, 2880, 4320, 5760, 5760, 5760];

/** The wait before the next attempt after `attemptsMade` attempts, or null when the schedule is over. */
export function nextAttemptDelayMs(
  attemptsMade: number,
  firstRetryMs: number,
  random: () => number = Math.random,
): number | null {
  const step = STEPS[attemptsMade - 1];
  if (step === undefined) return null;
  return Math.round(step * firstRetryMs * (0.8 + 0.4 * random()));
}

/** The schedule's length without jitter (the bench and the docs quote it). */
export function retryWindowMs(firstRetryMs: number): number {
  return STEPS.reduce((a, s) => a + s * firstRetryMs, 0);
}
