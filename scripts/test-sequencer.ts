import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest test files first, also on a machine with no timings yet (CI's fresh clone).
 *
 * Vitest orders files by the durations it cached from the last run and, without them, by file size.
 * On CI there is no cache: `crash.int` (small, but 150 s of processes killed and restarted) started
 * 9 minutes into the PGlite pass and ran alone for its last 2.5, the other worker idle (measured in
 * Vitest's JSON report). Started first, it overlaps with everything else. A file missing from the
 * list is ordered as before; a listed file that no longer exists is ignored.
 */
const slowest = [
  'apps/server/test/crash.int.test.ts',
  'apps/server/test/startup-failures.int.test.ts',
  'apps/server/test/backfill.int.test.ts',
  'apps/server/test/health.int.test.ts',
  'apps/server/test/outflow.int.test.ts',
  'apps/server/test/sync.int.test.ts',
  'apps/server/test/vault-keys.int.test.ts',
  'apps/server/test/data-dir.int.test.ts',
  'apps/server/test/access-loss.int.test.ts',
  'apps/server/test/sandbox-optional.int.test.ts',
  'apps/server/test/pacing.int.test.ts',
];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = slowest.findIndex((s) => f.moduleId.endsWith(`/${s}`));
      return i === -1 ? slowest.length : i;
    };
    // Array.prototype.sort is stable: within the same rank, Vitest's own order stays.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
