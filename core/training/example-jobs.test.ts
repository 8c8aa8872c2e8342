import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { jobSpecSchema } from '../../rules/job-spec';
import { permissionsFor } from '../tenancy/permissions';
import type { TenantContext } from '../tenancy/context';
import { testMeta } from '../../testing/fixtures';
import { listExampleJobs } from './example-jobs';

const ctx: TenantContext = {
  actor: { kind: 'user', userId: 'usr_x', email: 'x@example.com' },
  orgId: 'org_x',
  role: 'viewer',
  permissions: permissionsFor('viewer'),
  meta: testMeta(),
};

describe('bundled example jobs', () => {
  it('are valid job specs whose local scripts and inputs point at real files', () => {
    const examples = listExampleJobs(ctx);
    expect(examples.map((e) => [e.id, e.kind])).toEqual([
      ['churn/evaluate.job.yaml', 'evaluation'],
      ['churn/job.yaml', 'training'],
    ]);
    for (const e of examples) {
      expect(() => jobSpecSchema.parse({ ...e.spec, project: 'p' }), e.id).not.toThrow();
      const script = e.spec.args![0]!;
      expect(path.isAbsolute(script), script).toBe(true);
      expect(existsSync(script)).toBe(true);
      for (const input of e.spec.inputs ?? []) expect(existsSync(input.source), input.source).toBe(true);
      // The requirements file is read into the list the server takes: a job from the example brings its own Python.
      const pinned = readFileSync(path.join(path.dirname(script), 'requirements.txt'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'));
      expect(e.spec.python, e.id).toEqual({ requirements: pinned });
      expect(pinned.some((r) => r.startsWith('mlflow'))).toBe(true);
    }
  });

  it('are not offered when local jobs are turned off', () => {
    process.env.LOCAL_JOBS_ENABLED = 'false';
    resetEnvCache();
    try {
      expect(listExampleJobs(ctx)).toEqual([]);
    } finally {
      delete process.env.LOCAL_JOBS_ENABLED;
      resetEnvCache();
    }
  });
});
