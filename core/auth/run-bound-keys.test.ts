import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadArtifact } from '../artifacts/upload-artifact';
import { FilesystemArtifactStore } from '../artifacts/filesystem-artifact-store';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { signUpUser, testMeta, type SignedUp } from '../../testing/fixtures';
import { createExperiment } from '../tracking/create-experiment';
import { createRun } from '../tracking/create-run';
import { getRun } from '../tracking/get-run';
import { logBatch } from '../tracking/log-batch';
import { updateRun } from '../tracking/update-run';
import { createRegisteredModel } from '../registry/create-registered-model';
import { authenticateApiKey } from './authenticate-api-key';
import { createApiKey } from './create-api-key';
import { revokeRunApiKey } from './revoke-run-api-key';
import { systemContext } from '../tenancy/context';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';

/** The key a job's code logs with is bound to the job's run: it writes there and nowhere else. */
let db: TestDatabase;
let A: SignedUp;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('run-key');
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-run-key-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('run-bound API keys', () => {
  it('log to their run, read the organization, and write nothing else', async () => {
    const exp = await createExperiment(A.ctx, { name: 'bound' });
    const own = await createRun(A.ctx, { experimentId: exp.id });
    const other = await createRun(A.ctx, { experimentId: exp.id });
    const { secret } = await createApiKey(A.ctx, { name: 'job key', scopes: ['write'] }, { runId: own.id });
    const actor = await authenticateApiKey(secret, testMeta());
    expect(actor).toMatchObject({ kind: 'api_key', runId: own.id });
    const key = await resolveTenantContext(actor, null, testMeta());
    const store = new FilesystemArtifactStore(path.join(dir, 'a'));

    await logBatch(key, { runId: own.id, metrics: [{ key: 'loss', value: 0.5, step: 0, timestamp: 1 }], params: [{ key: 'lr', value: '0.1' }] });
    await uploadArtifact(key, { runId: own.id, path: 'model/MLmodel', body: Readable.from([Buffer.from('x')]) }, { store });
    await updateRun(key, { runId: own.id, status: 'FINISHED' });
    expect((await getRun(key, other.id)).id).toBe(other.id);

    await expect(logBatch(key, { runId: other.id, params: [{ key: 'lr', value: '1' }] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Metrics alone take the one-statement path; it refuses the same.
    await expect(logBatch(key, { runId: other.id, metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 1 }] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await logBatch(key, { runId: own.id, metrics: [{ key: 'loss', value: 0.4, step: 1, timestamp: 2 }] });
    await expect(updateRun(key, { runId: other.id, status: 'KILLED' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(uploadArtifact(key, { runId: other.id, path: 'x.txt', body: Readable.from([Buffer.from('x')]) }, { store })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(createRun(key, { experimentId: exp.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(createExperiment(key, { name: 'sneaky' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(key.permissions.has('job:submit')).toBe(false);
    expect(key.permissions.has('apikey:create')).toBe(false);
    // The model registry stays open to it (mlflow's log_model registers models), within its role.
    await createRegisteredModel(key, { name: 'from-a-job' });
    expect((await getRun(A.ctx, other.id)).params).toEqual([]);
    expect((await getRun(A.ctx, other.id)).latestMetrics).toEqual([]);
    expect((await getRun(A.ctx, own.id)).latestMetrics).toMatchObject([{ key: 'loss', step: 1, value: 0.4 }]);
  });

  it('are revoked by the job’s system process, once, audited as the system; other keys are not its to revoke', async () => {
    const exp = await createExperiment(A.ctx, { name: 'revoked' });
    const run = await createRun(A.ctx, { experimentId: exp.id });
    const { apiKey, secret } = await createApiKey(A.ctx, { name: 'job key', scopes: ['write'] }, { runId: run.id });
    const job = systemContext(A.orgId, 'training-job', 'job_probe');
    await revokeRunApiKey(job, apiKey.id);
    await revokeRunApiKey(job, apiKey.id);
    await expect(authenticateApiKey(secret, testMeta())).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const events = await db.ownerSql<{ actor_label: string }[]>`select actor_label from audit_events where org_id = ${A.orgId} and action = 'api_key.revoke' and target_id = ${apiKey.id}`;
    expect(events).toEqual([{ actor_label: 'system (training-job)' }]);

    const personal = await createApiKey(A.ctx, { name: 'personal', scopes: ['read'] });
    await expect(revokeRunApiKey(job, personal.apiKey.id)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await authenticateApiKey(personal.secret, testMeta())).toMatchObject({ apiKeyId: personal.apiKey.id });
  });
});
