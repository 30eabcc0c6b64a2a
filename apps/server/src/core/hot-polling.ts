/**
 * Which folders are polled between Microsoft's notifications, and how often (issue 22 §2.3, decision
 * 0021). Microsoft notifies of new mail "on average under a minute, at most 3 minutes" after it
 * arrives; a delta round that finds nothing costs one request. A folder whose newest mail is recent is
 * "hot": a delta round every few seconds finds its next email long before the notification, and push
 * plus reconciliation still cover every other folder.
 */
export interface HotPolling {
  /** A folder is hot while its newest mail is at most this old (0: no polling). */
  windowMs: number;
  /** Shortest gap between two rounds of a folder: a burst in progress. */
  minMs: number;
  /** Longest gap while the folder is hot. */
  maxMs: number;
  /**
   * Share of a mailbox's request budget its hot folders' rounds may take when they find nothing
   * (Microsoft: 10,000 requests per 10 minutes per app and mailbox).
   */
  budgetShare: number;
}

export const HOT_POLLING_DEFAULTS: HotPolling = {
  windowMs: 30 * 60_000,
  // A burst's rounds every quarter second: at 20 emails a second into one mailbox, 500 ms left the
  // detection alone at p99 ≈ 650 ms of the 1 s target (issue 22 §2.4); the rounds find mail, so
  // about 2 more requests a second while the burst lasts (bench/README.md, "hot").
  minMs: 250,
  maxMs: 5_000,
  budgetShare: 0.05,
};

/** Microsoft's request budget per mailbox, per millisecond (10,000 per 10 minutes). */
const BUDGET_PER_MS = 10_000 / 600_000;

/**
 * The gap before a hot folder's next round. It grows with the quiet since its newest mail (half of it):
 * during a burst the next email is a second away, after ten quiet seconds five. Never longer than
 * `maxMs` unless the mailbox's hot folders would together take more than `budgetShare` of its budget
 * at that pace: then as long as the share allows (`hotInMailbox` rounds per gap).
 */
export function pollGapMs(p: HotPolling, sinceMailMs: number, hotInMailbox: number): number {
  const byQuiet = Math.min(p.maxMs, Math.max(p.minMs, sinceMailMs / 2));
  const byBudget = Math.max(1, hotInMailbox) / (p.budgetShare * BUDGET_PER_MS);
  // A burst's short gaps are not capped: its rounds find mail, which the notifications' rounds would
  // have cost anyway. The budget bounds the rounds that find nothing, i.e. the quiet folders'.
  return sinceMailMs < p.maxMs * 2 ? byQuiet : Math.max(byQuiet, byBudget);
}

/** Whether a folder whose newest mail arrived at `lastMailAt` is polled at `now`. */
export function isHot(p: HotPolling, lastMailAt: Date | null, now: Date): boolean {
  return p.windowMs > 0 && !!lastMailAt && now.getTime() - lastMailAt.getTime() <= p.windowMs;
}
