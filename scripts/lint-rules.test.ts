import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { coreDomainGraph, pathBetween } from '../eslint-rules/core-domain-cycles.mjs';

/** The layer rules are only worth having if they fail: lint small snippets as if they lived in each folder. */
const eslint = new ESLint({ cwd: process.cwd() });

const BOUNDARY_RULES = ['no-restricted-imports', 'gantry/no-node-builtins', 'gantry/imports-within', 'gantry/client-boundary', 'gantry/core-domain-cycles'];

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const use = (name: string) => `\nexport const x = ${name};\n`;

describe('layer and workflow lint rules', () => {
  it.each([
    // Workflows: deterministic, so no Node built-in by any name or form of import.
    ['workflows/bad.ts', `import { readFileSync } from 'node:fs';${use('readFileSync')}`, 'gantry/no-node-builtins'],
    ['workflows/bad.ts', `import { readFile } from 'fs/promises';${use('readFile')}`, 'gantry/no-node-builtins'],
    ['workflows/bad.ts', `import { StringDecoder } from 'string_decoder';${use('StringDecoder')}`, 'gantry/no-node-builtins'],
    ['workflows/bad.ts', "export const load = () => import('node:crypto');\n", 'gantry/no-node-builtins'],
    ['workflows/bad.ts', "export const os = require('os');\n", 'gantry/no-node-builtins'],
    ['workflows/bad.ts', 'export const load = (name: string) => import(name);\n', 'gantry/no-node-builtins'],
    ['workflows/bad.ts', `import { appDb } from '../db/client';${use('appDb')}`, 'no-restricted-imports'],
    ['workflows/bad.ts', `import { greet } from '../workers/activities';${use('greet')}`, 'no-restricted-imports'],
    // The layers.
    ['app/bad.ts', `import { appDb } from '@/db/client';${use('appDb')}`, 'no-restricted-imports'],
    ['core/bad.ts', `import { schema } from '../graphql/schema';${use('schema')}`, 'no-restricted-imports'],
    ['core/orchestration/bad.ts', `import { Worker } from '@temporalio/worker';${use('Worker')}`, 'no-restricted-imports'],
    ['core/training/bad.ts', `import { inTenantScope } from '../../db/with-tenant';${use('inTenantScope')}`, 'no-restricted-imports'],
    ['graphql/bad.ts', `import { inTenantScope } from '../db/with-tenant';${use('inTenantScope')}`, 'no-restricted-imports'],
    ['graphql/types/bad.ts', `import { teamRole } from '../../db/schema';${use('teamRole')}`, 'no-restricted-imports'],
    ['db/bad.ts', `import { signUp } from '../core/auth/sign-up';${use('signUp')}`, 'no-restricted-imports'],
    ['db/bad.ts', `import { AppError } from '@/core/errors';${use('AppError')}`, 'no-restricted-imports'],
    // The CLI reaches Gantry over GraphQL: of ours it imports cli/ and rules/ only.
    ['cli/bad.ts', `import { AppError } from '../core/errors';${use('AppError')}`, 'gantry/imports-within'],
    ['cli/commands/bad.ts', `import { appDb } from '../../db/client';${use('appDb')}`, 'gantry/imports-within'],
    ['cli/bad.ts', `import { env } from '../config/env';${use('env')}`, 'gantry/imports-within'],
    ['cli/bad.ts', `import type { GraphQLContext } from '../graphql/context';\nexport type X = GraphQLContext;\n`, 'gantry/imports-within'],
    // Client modules: the browser bundle holds app/ and rules/ code only, also through what they import.
    ['app/bad-view.tsx', `'use client';\nimport { AppError } from '@/core/errors';${use('AppError')}`, 'gantry/client-boundary'],
    ['app/o/bad-view.tsx', `"use client";\nimport { appDb } from '../../db/client';${use('appDb')}`, 'gantry/client-boundary'],
    ['app/bad-view.tsx', `'use client';\nimport { errorResponse } from '@/app/lib/errors';${use('errorResponse')}`, 'gantry/client-boundary'],
    // rules/ is pure: other rules/ files and zod.
    ['rules/bad.ts', `import { AppError } from '../core/errors';${use('AppError')}`, 'gantry/imports-within'],
    ['rules/bad.ts', `import { parse } from 'yaml';${use('parse')}`, 'gantry/imports-within'],
    ['rules/bad.ts', `import { randomUUID } from 'node:crypto';${use('randomUUID')}`, 'gantry/imports-within'],
    // config/ is read by every layer and reads none.
    ['config/bad.ts', `import { AppError } from '../core/errors';${use('AppError')}`, 'gantry/imports-within'],
    // Test doubles never reach production code.
    ['core/compute/bad.ts', `import { startKubernetesFake } from '../../testing/kubernetes-fake';${use('startKubernetesFake')}`, 'no-restricted-imports'],
    ['graphql/bad.ts', `import { signUpUser } from '../testing/fixtures';${use('signUpUser')}`, 'no-restricted-imports'],
    ['workers/bad.ts', `import { signUpUser } from '../testing/fixtures';${use('signUpUser')}`, 'no-restricted-imports'],
    ['app/bad.ts', `import { testMeta } from '@/testing/fixtures';${use('testMeta')}`, 'no-restricted-imports'],
    ['workflows/bad.ts', `import { testMeta } from '../testing/fixtures';${use('testMeta')}`, 'no-restricted-imports'],
    // Domains in core/ import one way: tracking already records audit events, so governance may not read tracking.
    ['core/governance/bad.ts', `import { findRun } from '../tracking/access';${use('findRun')}`, 'gantry/core-domain-cycles'],
    ['core/governance/bad.ts', `import type { RunView } from '../tracking/access';\nexport type X = RunView;\n`, 'gantry/core-domain-cycles'],
    ['core/bad.ts', `import { assertCan } from './tenancy/context';${use('assertCan')}`, 'gantry/core-domain-cycles'],
    ['core/bad.ts', `import { trainingJobWorkflow } from '../workflows/training-job';${use('trainingJobWorkflow')}`, 'no-restricted-imports'],
  ])('rejects a wrong-way import in %s: %s', async (file, code, rule) => {
    expect(await ruleIds(code, file)).toContain(rule);
  });

  it.each([
    ['workflows/ok.ts', "import type { Activities } from '../workers/activities';\nimport { proxyActivities } from '@temporalio/workflow';\nexport const a = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });\n"],
    ['db/ok.ts', `import { env } from '../config/env';${use('env')}`],
    ['db/test/ok.ts', `import { env } from '../../config/env';${use('env')}`],
    ['app/ok.ts', `import { AppError } from '@/core/errors';${use('AppError')}`],
    ['graphql/types/ok.ts', "import type { Team } from '../../db/schema';\nexport type X = Team;\n"],
    ['graphql/ok.test.ts', `import { createTestDatabase } from '../db/test/database';\nimport { signUpUser } from '../testing/fixtures';${use('[createTestDatabase, signUpUser]')}`],
    ['core/orchestration/ok.ts', "import type { Worker } from '@temporalio/worker';\nexport type X = Worker;\n"],
    ['core/compute/ok.test.ts', `import { startKubernetesFake } from '../../testing/kubernetes-fake';${use('startKubernetesFake')}`],
    ['cli/commands/ok.ts', `import { notLoggedIn } from '../config';\nimport { formatMicros } from '../../rules/money';${use('[notLoggedIn, formatMicros]')}`],
    ['cli/ok.test.ts', `import { apolloServer } from '../graphql/server';${use('apolloServer')}`],
    ['app/ok-view.tsx', `'use client';\nimport type { TenantContext } from '@/core/tenancy/context';\nimport { formatDate } from '@/app/lib/format';\nimport { formatMicros } from '@/rules/money';\nexport type X = TenantContext;${use('[formatDate, formatMicros]')}`],
    ['rules/ok.ts', `import { z } from 'zod';\nimport { nameRule } from './names';${use('[z, nameRule]')}`],
    ['config/ok.ts', `import { z } from 'zod';${use('z')}`],
    ['scripts/ok.ts', `import { startKubernetesFake } from '../testing/kubernetes-fake';${use('startKubernetesFake')}`],
    ['core/registry/ok.ts', `import { findRun } from '../tracking/access';${use('findRun')}`],
    ['core/tenancy/with-tenant.ts', `import { inTenantScope } from '../../db/with-tenant';${use('inTenantScope')}`],
    ['core/tenancy/ok.test.ts', `import { inTenantScope } from '../../db/with-tenant';${use('inTenantScope')}`],
    ['core/ok.ts', "import type { trainingJobWorkflow } from '../workflows/training-job';\nexport type X = typeof trainingJobWorkflow;\n"],
  ])('allows the permitted direction in %s', async (file, code) => {
    const ids = await ruleIds(code, file);
    expect(ids.filter((id) => BOUNDARY_RULES.includes(id))).toEqual([]);
  });
});

describe('core domain cycles', () => {
  it('allows only cycles that still exist: an exception that no longer closes a cycle is removed from eslint.config.mjs', async () => {
    const config = (await eslint.calculateConfigForFile('core/any-domain/any-file.ts')) as { rules: Record<string, [unknown, { allow: { from: string; to: string }[] }]> };
    const allowed = config.rules['gantry/core-domain-cycles']![1].allow;
    expect(allowed.length).toBeGreaterThan(0);
    const graph = coreDomainGraph();
    const next = (d: string) => graph.get(d)?.keys() ?? [];
    const stale = allowed.filter(({ from, to }) => !graph.get(from)?.has(to) || !pathBetween(to, from, next)).map(({ from, to }) => `${from} → ${to}`);
    expect(stale).toEqual([]);
  });
});
