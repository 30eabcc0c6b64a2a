// One lint setup for the whole repository (flat config).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'bench/results/**', '**/migrations/meta/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Type-aware checks where a forgotten promise loses work or an error: a floating promise, a
    // promise handed to a callback that ignores it, an await of something that is no promise.
    files: ['apps/**/*.{ts,tsx}', 'packages/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // The domain core stays pure: no HTTP, SQL, Microsoft or job-queue code (architecture.md).
    files: ['apps/server/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**', '**/db/**', '**/microsoft/**', '**/jobs/**'],
              message: 'core must not depend on adapters.',
            },
            {
              group: [
                'fastify*',
                '@fastify/*',
                'drizzle-orm*',
                'pg',
                'pg-boss',
                '@electric-sql/*',
                '@azure/*',
              ],
              message: 'core must stay free of I/O libraries.',
            },
          ],
        },
      ],
    },
  },
  {
    // Routes only parse, authorise, call and present (decision 0011): the SQL and Microsoft calls live
    // in the capability modules (mailboxes/, inboxes/, workspaces/, documents/, connectors/, …).
    files: ['apps/server/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['drizzle-orm', 'drizzle-orm/*'],
              message: 'http/ holds no SQL: call a capability module.',
            },
            {
              group: ['**/db/schema/**', '**/db/schema'],
              message: 'http/ holds no SQL: call a capability module.',
            },
            {
              group: ['**/microsoft/**'],
              message: 'http/ reaches Microsoft only through a capability module.',
            },
          ],
        },
      ],
    },
  },
  {
    // Benchmarks measure the server as it ships: through its HTTP API (bench/lib/api-client.ts), never
    // through the test helpers (they may change with the tests).
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/apps/server/test/**'],
              message: 'bench/ uses bench/lib, not the server tests’ helpers.',
            },
          ],
        },
      ],
    },
  },
);
