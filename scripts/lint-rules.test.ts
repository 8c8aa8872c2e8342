import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The layer rules are only worth having if they fail: lint small snippets as if they lived in each folder. */
const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layer and workflow lint rules', () => {
  it.each([
    ['workflows/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['workflows/bad.ts', "import { appDb } from '../db/client';\nexport const x = appDb;\n"],
    ['workflows/bad.ts', "import { greet } from '../workers/activities';\nexport const x = greet;\n"],
    ['app/bad.ts', "import { appDb } from '@/db/client';\nexport const x = appDb;\n"],
    ['core/bad.ts', "import { schema } from '../graphql/schema';\nexport const x = schema;\n"],
    ['graphql/bad.ts', "import { inTenantScope } from '../db/with-tenant';\nexport const x = withTenant;\n"],
    ['db/bad.ts', "import { signUp } from '../core/auth/sign-up';\nexport const x = signUp;\n"],
    ['core/bad.ts', "import { trainingJobWorkflow } from '../workflows/training-job';\nexport const x = trainingJobWorkflow;\n"],
  ])('rejects a wrong-way import in %s', async (file, code) => {
    expect(await ruleIds(code, file)).toContain('no-restricted-imports');
  });

  it.each([
    ['workflows/ok.ts', "import type { Activities } from '../workers/activities';\nimport { proxyActivities } from '@temporalio/workflow';\nexport const a = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });\n"],
    ['db/ok.ts', "import { env } from '../core/config/env';\nexport const x = env;\n"],
    ['app/ok.ts', "import { AppError } from '@/core/errors';\nexport const x = AppError;\n"],
    ['core/ok.ts', "import type { trainingJobWorkflow } from '../workflows/training-job';\nexport type X = typeof trainingJobWorkflow;\n"],
  ])('allows the permitted direction in %s', async (file, code) => {
    expect(await ruleIds(code, file)).not.toContain('no-restricted-imports');
  });
});
