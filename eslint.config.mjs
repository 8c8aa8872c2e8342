import nextPlugin from '@next/eslint-plugin-next';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import gantry from './eslint-rules/index.mjs';

/** Test code: tests, and the test/ folders that hold their harnesses (db/test, cli/test). */
const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/test/**'];

/** Test doubles live in testing/; tests, scripts/, bench/ and e2e/ may import them, production code never. */
const NO_TEST_DOUBLES = {
  regex: '^(\\.{1,2}/|@/)(.*/)?testing(/|$)',
  message: 'testing/ holds test doubles: only tests, scripts/, bench/ and e2e/ import it.',
};

const PROCESS_CODE = (who) => ({ group: ['**/workers/**', '@/workers/**', '**/workflows/**', '@/workflows/**'], message: `${who} does not import worker or workflow code.` });

/**
 * Layers: app → graphql → core → db; workers → core, db; workflows name activity types only.
 * A layer's production files also stay away from testing/; its tests follow `testPatterns`.
 */
const layer = ({ files, tests, patterns, testPatterns = patterns }) => [
  { files, ignores: TESTS, rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, NO_TEST_DOUBLES] }] } },
  { files: tests, rules: { 'no-restricted-imports': ['error', { patterns: testPatterns }] } },
];

/**
 * Import cycles between core/ domains that exist today and are not cheap to break, each with the
 * reason and the way out. The lint-rules test fails when one of them no longer closes a cycle.
 */
const CORE_CYCLES_ALLOWED = [
  {
    from: 'registry',
    to: 'serving',
    why: 'moving an alias starts the automatic rollouts of the deployments that follow it (serving/auto-rollout), on every path that moves one (GraphQL, MLflow REST, retraining); an alias-moved event below both domains would replace the edge',
  },
  {
    from: 'tenancy',
    to: 'governance',
    why: 'tenancy holds both the context every domain builds on (context.ts, permissions.ts) and use cases that record audit events; the context moves below governance once the tenant wrapper settles',
  },
  {
    from: 'tenancy',
    to: 'auth',
    why: 'removing a member forgets their cached API keys (auth/api-key-cache) while sign-up creates an organization (tenancy/create-organization); the key cache belongs below both',
  },
  {
    from: 'tracking',
    to: 'registry',
    why: 'the MLflow REST dispatcher in tracking/mlflow hands unknown paths to the registry dispatcher; combining both belongs above them, next to the error mapping',
  },
  {
    from: 'registry',
    to: 'artifacts',
    why: 'registering a model version reads its MLmodel file through the artifact store, while the artifact use cases authorize logged-model files through registry; the store belongs below both, the use cases above',
  },
];

const CORE_PATTERNS = [
  { group: ['**/app/**', '@/app/**', '**/graphql/**', '@/graphql/**', 'next', 'next/**', 'react'], message: 'core/ is transport-free: no app/, graphql/ or Next imports.' },
  { group: ['**/workers/**'], message: 'core/ does not depend on processes.' },
  // Types only: core starts workflows through references typed by the workflow code (core/orchestration/workflows.ts).
  { regex: '^((\\.\\./)+|@/)workflows(/.*)?$', allowTypeImports: true, message: 'core/ may only `import type` from workflows/.' },
  { group: ['@temporalio/worker', '@temporalio/worker/**'], allowTypeImports: true, message: 'core/ starts and queries workflows with @temporalio/client; running them is the business of workers/.' },
];

/** Use cases never build a tenant scope by hand: the context goes to withTenant(ctx, fn). */
const ONE_TENANT_WRAPPER = {
  group: ['**/db/with-tenant', '@/db/with-tenant'],
  message: 'core/ reads and writes tenant rows through withTenant(ctx, fn) from core/tenancy/with-tenant.ts (a TenantContext or a SystemContext), never the db primitive.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', '.gantry/**', 'test-results/**', 'playwright-report/**', 'app/gql/**', 'next-env.d.ts'] },
  ...tseslint.configs.recommended,
  {
    plugins: { gantry },
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
  ...layer({
    files: ['app/**/*.{ts,tsx}'],
    tests: ['app/**/*.test.ts'],
    patterns: [
      { group: ['**/db', '**/db/**', '@/db', '@/db/**', 'drizzle-orm', 'drizzle-orm/**', 'postgres'], message: 'app/ calls core or graphql, never the database.' },
      PROCESS_CODE('app/'),
    ],
    // Route tests set up a real database, as graphql/ and core/ tests do; the route code itself still may not.
    testPatterns: [
      { regex: '(^|/)db(/(?!test/database$).*)?$', message: 'app/ tests reach the database only through db/test/database.' },
      { group: ['drizzle-orm', 'drizzle-orm/**', 'postgres'], message: 'app/ tests reach the database only through db/test/database.' },
      PROCESS_CODE('app/'),
    ],
  }),
  // Client modules are bundled for the browser: of ours they import app/ and rules/, and nothing that reaches further.
  { files: ['app/**/*.{ts,tsx}'], ignores: TESTS, rules: { 'gantry/client-boundary': ['error', { folders: ['app', 'rules'] }] } },
  ...layer({
    files: ['graphql/**/*.ts'],
    tests: ['graphql/**/*.test.ts'],
    patterns: [
      { group: ['**/app/**', '@/app/**'], message: 'graphql/ must not import app/.' },
      { group: ['**/db', '**/db/**', '@/db', '@/db/**'], allowTypeImports: true, message: 'graphql/ may name db/ types; tables, clients and withTenant are reached through core.' },
      { group: ['drizzle-orm', 'drizzle-orm/**', 'postgres'], message: 'graphql/ resolvers call core; no queries here.' },
      { group: ['**/workers/**', '**/workflows/**'], message: 'graphql/ does not import worker or workflow code.' },
    ],
    testPatterns: [
      { group: ['**/app/**', '@/app/**'], message: 'graphql/ must not import app/.' },
      { regex: '(^|/)db(/(?!test/(database|statements)$).*)?$', allowTypeImports: true, message: 'graphql/ tests reach the database only through db/test/database (and count statements with db/test/statements).' },
      { group: ['drizzle-orm', 'drizzle-orm/**', 'postgres'], message: 'graphql/ tests reach the database only through db/test/database.' },
      { group: ['**/workers/**', '**/workflows/**'], message: 'graphql/ does not import worker or workflow code.' },
    ],
  }),
  ...layer({
    files: ['core/**/*.ts'],
    tests: ['core/**/*.test.ts'],
    patterns: [...CORE_PATTERNS, ONE_TENANT_WRAPPER],
    testPatterns: CORE_PATTERNS,
  }),
  // The wrapper itself turns a typed context into the scope RLS reads.
  { files: ['core/tenancy/with-tenant.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [...CORE_PATTERNS, NO_TEST_DOUBLES] }] } },
  { files: ['core/**/*.ts'], ignores: TESTS, rules: { 'gantry/core-domain-cycles': ['error', { allow: CORE_CYCLES_ALLOWED }] } },
  ...layer({
    files: ['db/**/*.ts'],
    tests: ['db/**/*.test.ts', 'db/test/**'],
    patterns: [
      { group: ['**/app/**', '**/graphql/**', '**/workers/**', '**/workflows/**'], message: 'db/ is the bottom layer.' },
      { group: ['**/core', '**/core/**', '@/core', '@/core/**'], message: 'db/ is below core/: it reads its settings from config/, nothing from core/.' },
    ],
  }),
  ...layer({
    files: ['workers/**/*.ts'],
    tests: ['workers/**/*.test.ts'],
    patterns: [{ group: ['**/app/**', '@/app/**', '**/graphql/**', '@/graphql/**'], message: 'workers/ use core and db, not transports.' }],
  }),
  {
    files: ['workflows/**/*.ts'],
    ignores: TESTS,
    rules: {
      'gantry/no-node-builtins': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/core/**', '**/db/**', '**/app/**', '**/graphql/**', 'drizzle-orm', 'postgres', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import @temporalio/workflow and activity types only.' },
            { group: ['**/workers/**'], allowTypeImports: true, message: 'Workflows may only `import type` from workers/activities.' },
            NO_TEST_DOUBLES,
          ],
        },
      ],
    },
  },
  // The CLI talks to Gantry over GraphQL; it shares pure rules through rules/ and nothing else of ours.
  {
    files: ['cli/**/*.{ts,mjs}'],
    ignores: TESTS,
    rules: { 'gantry/imports-within': ['error', { folders: ['cli', 'rules'], why: 'The CLI reaches Gantry over GraphQL only; shared pure rules live in rules/.' }] },
  },
  {
    files: ['rules/**/*.ts'],
    ignores: TESTS,
    rules: { 'gantry/imports-within': ['error', { folders: ['rules'], packages: ['zod'], why: 'rules/ is pure code every layer (and the browser) may import.' }] },
  },
  {
    files: ['config/**/*.ts'],
    ignores: TESTS,
    rules: { 'gantry/imports-within': ['error', { folders: ['config'], why: 'Every layer reads config/, so it reads none of them.' }] },
  },
);
