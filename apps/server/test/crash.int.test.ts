import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos/harness.ts';

/**
 * Short form of the crash test (`npm run chaos` runs the long one): Mailroom killed with SIGKILL 20
 * times while 60 emails arrive. Afterwards: every email exactly once, nothing stuck.
 */
describe('crash test', () => {
  it('loses nothing and duplicates nothing across 20 SIGKILLs', { timeout: 600_000 }, async () => {
    const report = await runChaos({ kills: 20, messages: 60 });
    expect(report.missing).toEqual([]);
    expect(report.duplicates).toEqual([]);
    expect(report.documents).toBe(report.delivered);
    expect(report.pending).toBe(0);
    expect(report.failed).toBe(0);
  });
});
