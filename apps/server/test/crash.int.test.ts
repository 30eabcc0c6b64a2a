import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos/harness.ts';

/**
 * Short form of the crash test (`npm run chaos` runs the long one): Mailroom killed with SIGKILL 20
 * times while 60 emails arrive, each of which sets off two outflow actions (a category, a forward).
 * Afterwards: every email exactly once, each forwarded exactly once and categorised, nothing stuck —
 * kills land between outflow intents and their effects too.
 */
describe('crash test', () => {
  it(
    'loses nothing and duplicates nothing across 20 SIGKILLs, outflow included',
    { timeout: 900_000 },
    async () => {
      const report = await runChaos({ kills: 20, messages: 60, outflow: true });
      expect(report.missing).toEqual([]);
      expect(report.duplicates).toEqual([]);
      expect(report.documents).toBe(report.delivered);
      expect(report.pending).toBe(0);
      expect(report.failed).toBe(0);
      expect(report.outflow).toEqual({
        notForwarded: [],
        forwardedTwice: [],
        uncategorised: [],
        unfinished: 0,
      });
    },
  );
});
