import { configDefaults, defineConfig } from 'vitest/config';

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
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: where.map((dir) => `${dir}/*.test.ts`),
          exclude: [...configDefaults.exclude, ...integration],
        },
      },
      { extends: true, test: { name: 'int', include: integration } },
    ],
  },
});
