import { defineConfig } from 'vitest/config';

// Unit (*.test.ts) and integration (*.int.test.ts) tests of every package. The browser
// end-to-end specs have their own config in e2e/.
export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
