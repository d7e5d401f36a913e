// Lint: typescript-eslint's type-aware recommended rules, plus the store boundary: only
// src/store/ may talk to the query builder, so a second database is one folder's work.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'src/store/checkpoint-worker.cjs', 'eslint.config.js', '.stryker-tmp/', 'reports/', 'torture/.work/', 'web/dist/', 'web/vite.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // The two programs named, not discovered per file: measurably faster on a clean run.
      parserOptions: { project: ['./tsconfig.json', './web/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Fastify plugins and interface implementations are async by contract, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      // node:test's test() and suite() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kysely', message: 'Queries live in src/store/: call a repository there.' },
            { name: 'better-sqlite3', message: 'The database is reached through src/store/ only.' },
            { name: 'pg', message: 'The database is reached through src/store/ only.' },
          ],
        },
      ],
    },
  },
  {
    // The store itself, and the benchmarks, which read a hub's database file to measure it.
    files: ['src/store/**', 'bench/**', 'torture/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tests read JSON answers as they come: untyped by nature.
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'torture/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
