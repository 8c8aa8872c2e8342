import nextPlugin from '@next/eslint-plugin-next';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url',
  'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/** Layers: app → graphql → core → db; workers → core, db; workflows name activity types only. */
const layer = (files, patterns, extra = {}) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns, ...extra }] },
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', '.gantry/**', 'test-results/**', 'playwright-report/**', 'app/gql/**', 'next-env.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['app/**/*.{ts,tsx}'],
    plugins: { '@next/next': nextPlugin, 'react-hooks': reactHooks },
    rules: { ...nextPlugin.configs.recommended.rules, 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  layer(['app/**/*.{ts,tsx}'], [
    { group: ['**/db', '**/db/**', '@/db', '@/db/**', 'drizzle-orm', 'drizzle-orm/**', 'postgres'], message: 'app/ calls core or graphql, never the database.' },
    { group: ['**/workers/**', '@/workers/**', '**/workflows/**', '@/workflows/**'], message: 'app/ does not import worker or workflow code.' },
  ]),
  // Route tests set up a real database, as graphql/ and core/ tests do; the route code itself still may not.
  layer(['app/**/*.test.ts'], [
    { regex: '(^|/)db(/(?!test/database$).*)?$', message: 'app/ tests reach the database only through db/test/database.' },
    { group: ['drizzle-orm', 'drizzle-orm/**', 'postgres'], message: 'app/ tests reach the database only through db/test/database.' },
    { group: ['**/workers/**', '@/workers/**', '**/workflows/**', '@/workflows/**'], message: 'app/ does not import worker or workflow code.' },
  ]),
  layer(['graphql/**/*.ts'], [
    { group: ['**/app/**', '@/app/**'], message: 'graphql/ must not import app/.' },
    { group: ['**/db/client', '**/db/with-tenant', 'drizzle-orm', 'drizzle-orm/**', 'postgres'], message: 'graphql/ resolvers call core; no queries here.' },
    { group: ['**/workers/**', '**/workflows/**'], message: 'graphql/ does not import worker or workflow code.' },
  ]),
  layer(['core/**/*.ts'], [
    { group: ['**/app/**', '@/app/**', '**/graphql/**', '@/graphql/**', 'next', 'next/**', 'react'], message: 'core/ is transport-free: no app/, graphql/ or Next imports.' },
    { group: ['**/workers/**'], message: 'core/ does not depend on processes.' },
    // Types only: core starts workflows through references typed by the workflow code (core/orchestration/workflows.ts).
    { regex: '^((\\.\\./)+|@/)workflows(/.*)?$', allowTypeImports: true, message: 'core/ may only `import type` from workflows/.' },
  ]),
  layer(['db/**/*.ts'], [
    { group: ['**/app/**', '**/graphql/**', '**/workers/**', '**/workflows/**'], message: 'db/ is the bottom layer.' },
    { regex: '(^|/)core/(?!config/env$)', message: 'db/ may only read configuration from core.' },
  ]),
  layer(['workers/**/*.ts'], [
    { group: ['**/app/**', '@/app/**', '**/graphql/**', '@/graphql/**'], message: 'workers/ use core and db, not transports.' },
  ]),
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.flatMap((m) => [
            { name: m, message: 'Workflow code must be deterministic: no Node built-ins.' },
            { name: `node:${m}`, message: 'Workflow code must be deterministic: no Node built-ins.' },
          ]),
          patterns: [
            { group: ['**/core/**', '**/db/**', '**/app/**', '**/graphql/**', 'drizzle-orm', 'postgres', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import @temporalio/workflow and activity types only.' },
            { group: ['**/workers/**'], allowTypeImports: true, message: 'Workflows may only `import type` from workers/activities.' },
          ],
        },
      ],
    },
  },
);
