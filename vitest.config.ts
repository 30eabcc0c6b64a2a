import os from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import SlowestFirst from './scripts/test-sequencer.ts';

// Unit tests (`*.test.ts`: pure, no database, no server) and integration tests (`*.int.test.ts`:
// a real database, the HTTP stack, the emulator) of every package, as two projects:
// `npm run test:unit` and `npm run test:int` run one each, `npm test` both. The browser
// end-to-end specs have their own config in e2e/.
const where = ['apps/*/src/**', 'apps/*/test/**', 'packages/*/src/**'];
const integration = where.map((dir) => `${dir}/*.int.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One migrated PGlite database made for the whole run and copied into each test's data folder.
    globalSetup: ['apps/server/test/pglite-template.ts'],
    sequence: { sequencer: SlowestFirst },
    // Vitest's default is one worker fewer than the cores: one on CI's 2-core machine, where the
    // files then ran one after the other with a core idle (integration tests mostly wait on the
    // database, the emulator and timers: 1.0 core busy on average). With two, PostgreSQL's pass
    // took 482 s instead of 819 s (1.6 cores busy) and PGlite's 800 s (1.8 busy). Three were not
    // tried: PGlite leaves no core to spare for them.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: where.map((dir) => `${dir}/*.test.ts`),
          exclude: [...configDefaults.exclude, ...integration],
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: integration,
          // Each file imported the server, the emulator and their libraries again (about 3.5 s of CPU
          // per file, 81 files): with the files of a worker sharing one module graph, PGlite's pass took
          // 404 s instead of 611 s (same 437 tests, same machine). What files now share: module-level
          // state, i.e. the metrics registry's counters (tests compare before and after, never
          // absolutes) and caches of pure work (a password hash, zxcvbn's dictionaries). Every file
          // starts and closes its own servers, databases and timers; a file that cannot share would
          // need a project of its own.
          isolate: false,
        },
      },
    ],
  },
});
