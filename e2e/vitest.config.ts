import { defineConfig } from 'vitest/config';

// Browser end-to-end specs: the real server (built web app included) driven through Debian's Chromium.
// The web app must be built first; the root `npm run test:e2e` does that.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['specs/**/*.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One migrated PGlite database made for the whole run and copied into each server's data folder.
    globalSetup: ['../apps/server/test/pglite-template.ts'],
    // Two specs at a time, each with its own server, data folder, ports and Chromium profile: a spec
    // mostly waits on the browser and the server, so the second one fills the gaps. All 82 tests
    // took 273 s instead of 340 s one spec at a time (PGlite, CI's kind of machine, 2 cores).
    fileParallelism: true,
    maxWorkers: 2,
  },
});
