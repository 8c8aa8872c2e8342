import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { inTenantScope } from '../../db/with-tenant';
import { authenticateApiKey } from '../auth/authenticate-api-key';
import { createApiKey } from '../auth/create-api-key';
import { AppError } from '../errors';
import type { TenantContext } from '../tenancy/context';
import { permissionsFor } from '../tenancy/permissions';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { signUpUser, testMeta, type SignedUp } from '../../testing/fixtures';
import { createExperiment } from '../tracking/create-experiment';
import { createRun } from '../tracking/create-run';
import { logBatch } from '../tracking/log-batch';
import { logInputs } from '../tracking/log-inputs';
import { evaluations } from '../../db/schema';
import { newId } from '../ids';
import { createLoggedModel } from './create-logged-model';
import { createModelVersion } from './create-model-version';
import { createRegisteredModel } from './create-registered-model';
import { deleteModelAlias } from './delete-model-alias';
import { deleteModelVersion } from './delete-model-version';
import { deleteRegisteredModel } from './delete-registered-model';
import { getModelVersionLineage } from '../lineage/get-model-version-lineage';
import { getRegisteredModel } from './get-registered-model';
import { listModelAliases } from './list-model-aliases';
import { authorizeLoggedModelArtifacts, isLoggedModelArtifactOwner } from './logged-model-artifacts';
import { protectModelAlias } from './protect-model-alias';
import { parseModelUri, resolveModelUri } from './resolve-model-uri';
import { searchModelVersions } from './search-model-versions';
import { searchRegisteredModels } from './search-registered-models';
import { setModelAlias } from './set-model-alias';

let db: TestDatabase;
let A: SignedUp;
let B: SignedUp;
let runId = '';
let experimentId = '';

async function rejects(p: Promise<unknown>, code: AppError['code']): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(AppError);
  expect((e as AppError).code, (e as AppError).message).toBe(code);
  return e as AppError;
}

/** The same user acting with another org role: role checks are what is under test. */
const asRole = (s: SignedUp, role: TenantContext['role']): TenantContext => ({ ...s.ctx, role, permissions: permissionsFor(role) });

async function apiKeyCtx(s: SignedUp, scopes: ('read' | 'write' | 'admin')[]): Promise<TenantContext> {
  const { secret } = await createApiKey(s.ctx, { name: `k-${scopes.join('-')}`, scopes });
  const actor = await authenticateApiKey(secret, testMeta());
  return resolveTenantContext(actor, s.orgId, testMeta());
}

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('reg-a');
  B = await signUpUser('reg-b');
  experimentId = (await createExperiment(A.ctx, { name: 'reg-exp' })).id;
  runId = (await createRun(A.ctx, { experimentId, runName: 'train' })).id;
  await logBatch(A.ctx, {
    runId,
    params: [{ key: 'lr', value: '0.1' }],
    metrics: [
      { key: 'acc', value: 0.5, timestamp: 1, step: 0 },
      { key: 'acc', value: 0.9, timestamp: 2, step: 1 },
    ],
  });
  await logInputs(A.ctx, { runId, datasets: [{ dataset: { name: 'train', digest: 'd1', sourceType: 'local', source: 's3://b/train', schema: null, profile: null }, tags: [] }] });
});
afterAll(async () => {
  await db.drop();
});

describe('registered models', () => {
  it('are unique per organization by name, and another organization may use the same name', async () => {
    await createRegisteredModel(A.ctx, { name: 'dup', tags: [{ key: 't', value: '1' }] });
    await rejects(createRegisteredModel(A.ctx, { name: 'dup' }), 'CONFLICT');
    const b = await createRegisteredModel(B.ctx, { name: 'dup' });
    expect(b.orgId).toBe(B.orgId);
    await rejects(createRegisteredModel(A.ctx, { name: 'a/b' }), 'BAD_USER_INPUT');
    const page = await searchRegisteredModels(A.ctx, { filter: "name LIKE 'du%' AND tags.t = '1'" });
    expect(page.models.map((m) => m.name)).toEqual(['dup']);
    await rejects(searchRegisteredModels(A.ctx, { filter: 'metrics.acc > 1' }), 'BAD_USER_INPUT');
  });

  it('writes audit events for every mutation', async () => {
    await createRegisteredModel(A.ctx, { name: 'audited' });
    const v = await createModelVersion(A.ctx, { model: { name: 'audited' }, source: `runs:/${runId}/model`, runId });
    await setModelAlias(A.ctx, { model: { name: 'audited' }, alias: 'prod', version: v.version });
    await deleteModelAlias(A.ctx, { model: { name: 'audited' }, alias: 'prod' });
    await deleteModelVersion(A.ctx, { model: { name: 'audited' }, version: 1 });
    await deleteRegisteredModel(A.ctx, { name: 'audited' });
    const rows = await db.ownerSql<{ action: string }[]>`select action from audit_events where org_id = ${A.orgId} and action like any (array['registered_model.%', 'model_version.%', 'model_alias.%']) order by seq`;
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['registered_model.create', 'model_version.create', 'model_alias.set', 'model_alias.delete', 'model_version.delete', 'registered_model.delete']),
    );
  });
});

describe('registry times', () => {
  it('are timestamptz in the database and exact epoch milliseconds in the code, both ways', async () => {
    const made = await createRegisteredModel(A.ctx, { name: 'timed' });
    const [row] = await db.ownerSql<{ type: string; ms: string }[]>`
      select pg_typeof(created_at)::text as type, (extract(epoch from created_at) * 1000)::bigint::text as ms
      from registered_models where id = ${made.id}`;
    expect(row!.type).toBe('timestamp with time zone');
    expect(Number(row!.ms)).toBe(made.createdAt);
    // A time with odd milliseconds written behind the code reads back to the millisecond.
    await db.ownerSql`update registered_models set updated_at = '2026-03-04T05:06:07.089Z' where id = ${made.id}`;
    expect((await getRegisteredModel(A.ctx, { modelId: made.id })).updatedAt).toBe(Date.UTC(2026, 2, 4, 5, 6, 7, 89));
  });
});

describe('model versions', () => {
  it('are numbered 1..n without gaps or duplicates under concurrent creation', async () => {
    await createRegisteredModel(A.ctx, { name: 'concurrent' });
    const n = 16;
    const created = await Promise.all(
      Array.from({ length: n }, () => createModelVersion(A.ctx, { model: { name: 'concurrent' }, source: `runs:/${runId}/model`, runId })),
    );
    expect(created.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // A deleted number is never reused.
    await deleteModelVersion(A.ctx, { model: { name: 'concurrent' }, version: n });
    const next = await createModelVersion(A.ctx, { model: { name: 'concurrent' }, source: 's3://bucket/external', runId: null });
    expect(next.version).toBe(n + 1);
    expect(next.runId).toBeNull();
    expect(next.metricsSnapshot).toEqual([]);
  });

  it('snapshot the run metrics at registration and resolve the source to a storage location', async () => {
    await createRegisteredModel(A.ctx, { name: 'snap' });
    const v = await createModelVersion(A.ctx, { model: { name: 'snap' }, source: `runs:/${runId}/model`, runId, framework: 'sklearn', sizeBytes: 1234, signature: { inputs: '[]' } });
    expect(v.metricsSnapshot).toEqual([{ key: 'acc', value: 0.9, step: 1, timestamp: 2 }]);
    expect(v.storageLocation).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`);
    expect(v).toMatchObject({ framework: 'sklearn', sizeBytes: 1234, status: 'READY', signature: { inputs: '[]' } });
    // Later logging does not change the snapshot.
    await logBatch(A.ctx, { runId, metrics: [{ key: 'acc', value: 0.95, timestamp: 3, step: 2 }] });
    const again = await searchModelVersions(A.ctx, { filter: `name = 'snap' AND run_id = '${runId}'` });
    expect(again.versions.map((x) => x.metricsSnapshot)).toEqual([[{ key: 'acc', value: 0.9, step: 1, timestamp: 2 }]]);
  });

  it('refuse sources in other tenants and mismatched run IDs', async () => {
    await createRegisteredModel(B.ctx, { name: 'thief' });
    await rejects(createModelVersion(B.ctx, { model: { name: 'thief' }, source: `runs:/${runId}/model` }), 'NOT_FOUND');
    await rejects(createModelVersion(B.ctx, { model: { name: 'thief' }, source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model` }), 'NOT_FOUND');
    await rejects(createModelVersion(B.ctx, { model: { name: 'thief' }, source: 's3://x', runId }), 'NOT_FOUND');
    const other = (await createRun(A.ctx, { experimentId })).id;
    await rejects(createModelVersion(A.ctx, { model: { name: 'snap' }, source: `runs:/${runId}/model`, runId: other }), 'BAD_USER_INPUT');
    await rejects(createModelVersion(A.ctx, { model: { name: 'snap' }, source: 'not a uri' }), 'BAD_USER_INPUT');
  });
});

describe('aliases', () => {
  it('point at one version each, move with history, and go away with their version', async () => {
    await createRegisteredModel(A.ctx, { name: 'aliased' });
    for (let i = 0; i < 3; i++) await createModelVersion(A.ctx, { model: { name: 'aliased' }, source: `runs:/${runId}/model`, runId });
    await setModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'champion', version: 1 });
    await setModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'champion', version: 2 });
    // Setting the same version again is not a move.
    await setModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'champion', version: 2 });
    await setModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'challenger', version: 3 });
    const model = await getRegisteredModel(A.ctx, { name: 'aliased' });
    expect(model.aliases).toEqual([
      { alias: 'challenger', version: 3 },
      { alias: 'champion', version: 2 },
    ]);
    await rejects(setModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'champion', version: 9 }), 'NOT_FOUND');
    await rejects(setModelAlias(A.ctx, { model: { name: 'aliased' }, alias: '3', version: 1 }), 'BAD_USER_INPUT');
    await rejects(setModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'latest', version: 1 }), 'BAD_USER_INPUT');

    await deleteModelVersion(A.ctx, { model: { name: 'aliased' }, version: 3 });
    await deleteModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'champion' });
    await rejects(deleteModelAlias(A.ctx, { model: { name: 'aliased' }, alias: 'champion' }), 'NOT_FOUND');
    const aliases = await listModelAliases(A.ctx, { name: 'aliased' });
    const champion = aliases.find((a) => a.alias === 'champion')!;
    expect(champion.version).toBeNull();
    expect(champion.history.map((h) => [h.action, h.fromVersion, h.toVersion, h.actorEmail])).toEqual([
      ['delete', 2, null, A.actor.email],
      ['move', 1, 2, A.actor.email],
      ['set', null, 1, A.actor.email],
    ]);
    const challenger = aliases.find((a) => a.alias === 'challenger')!;
    expect(challenger.history.map((h) => [h.action, h.fromVersion, h.toVersion])).toEqual([
      ['delete', 3, null],
      ['set', null, 3],
    ]);
  });

  it('history is append-only for the application role', async () => {
    const pgCode = (q: ReturnType<typeof sql>) =>
      inTenantScope({ orgId: A.orgId }, (tx) => tx.execute(q)).then(
        () => 'ok',
        (e: { cause?: { code?: string } }) => e.cause?.code,
      );
    // 42501: insufficient_privilege.
    expect(await pgCode(sql`update model_alias_history set to_version = 99`)).toBe('42501');
    expect(await pgCode(sql`delete from model_alias_history`)).toBe('42501');
  });

  it('protected aliases refuse lower roles and API keys without the admin scope', async () => {
    await createRegisteredModel(A.ctx, { name: 'guarded' });
    await createModelVersion(A.ctx, { model: { name: 'guarded' }, source: `runs:/${runId}/model`, runId });
    await createModelVersion(A.ctx, { model: { name: 'guarded' }, source: `runs:/${runId}/model`, runId });
    const member = asRole(A, 'member');
    await rejects(protectModelAlias(member, { model: { name: 'guarded' }, alias: 'champion', minRole: 'admin' }), 'FORBIDDEN');
    const p = await protectModelAlias(A.ctx, { model: { name: 'guarded' }, alias: 'champion', minRole: 'admin', requiresPassingEvaluation: false });
    expect(p).toMatchObject({ minRole: 'admin', requiresPassingEvaluation: false });

    await rejects(setModelAlias(member, { model: { name: 'guarded' }, alias: 'champion', version: 1 }), 'FORBIDDEN');
    const writeKey = await apiKeyCtx(A, ['read', 'write']);
    await rejects(setModelAlias(writeKey, { model: { name: 'guarded' }, alias: 'champion', version: 1 }), 'FORBIDDEN');
    // The write key may still move unprotected aliases.
    await setModelAlias(writeKey, { model: { name: 'guarded' }, alias: 'challenger', version: 1 });
    const readKey = await apiKeyCtx(A, ['read']);
    await rejects(setModelAlias(readKey, { model: { name: 'guarded' }, alias: 'challenger', version: 2 }), 'FORBIDDEN');

    const adminKey = await apiKeyCtx(A, ['admin']);
    await setModelAlias(adminKey, { model: { name: 'guarded' }, alias: 'champion', version: 1 });
    await setModelAlias(A.ctx, { model: { name: 'guarded' }, alias: 'champion', version: 2 });
    // Deleting the version or the model would remove the protected alias: refused for a member too.
    await rejects(deleteModelVersion(member, { model: { name: 'guarded' }, version: 2 }), 'FORBIDDEN');
    await rejects(deleteRegisteredModel(member, { name: 'guarded' }), 'FORBIDDEN');

    const aliases = await listModelAliases(A.ctx, { name: 'guarded' });
    const champion = aliases.find((a) => a.alias === 'champion')!;
    expect(champion.protection).toEqual({ minRole: 'admin', requiresPassingEvaluation: false });
    expect(champion.history[0]).toMatchObject({ action: 'move', fromVersion: 1, toVersion: 2, actorApiKeyId: null });
    expect(champion.history[1]).toMatchObject({ action: 'set', toVersion: 1, actorApiKeyId: adminKey.actor.kind === 'api_key' ? adminKey.actor.apiKeyId : 'x' });

    // Unprotecting opens the alias to members again.
    await protectModelAlias(A.ctx, { model: { name: 'guarded' }, alias: 'champion', minRole: null });
    await setModelAlias(member, { model: { name: 'guarded' }, alias: 'champion', version: 1 });
  });

  it('lets an alias that requires a passing evaluation move only to a version whose latest evaluation passed', async () => {
    await createRegisteredModel(A.ctx, { name: 'gated' });
    const v1 = await createModelVersion(A.ctx, { model: { name: 'gated' }, source: `runs:/${runId}/model`, runId });
    const v2 = await createModelVersion(A.ctx, { model: { name: 'gated' }, source: `runs:/${runId}/model`, runId });
    await protectModelAlias(A.ctx, { model: { name: 'gated' }, alias: 'champion', minRole: 'member', requiresPassingEvaluation: true });
    const record = (versionId: string, status: 'passed' | 'failed' | 'running', message: string | null) =>
      inTenantScope({ orgId: A.orgId }, (tx) =>
        tx.insert(evaluations).values({ id: newId('evaluation'), orgId: A.orgId, modelVersionId: versionId, status, checks: ['accuracy >= 0.8'], message }),
      );
    // Not evaluated yet: refused, and the message says what to do.
    expect((await rejects(setModelAlias(A.ctx, { model: { name: 'gated' }, alias: 'champion', version: 1 }), 'FORBIDDEN')).message).toContain('evaluate version 1');
    await record(v1.id, 'passed', null);
    await setModelAlias(A.ctx, { model: { name: 'gated' }, alias: 'champion', version: 1 });
    await record(v2.id, 'failed', 'accuracy 0.4 < 0.8');
    expect((await rejects(setModelAlias(A.ctx, { model: { name: 'gated' }, alias: 'champion', version: 2 }), 'FORBIDDEN')).message).toContain('accuracy 0.4 < 0.8');
    // A running evaluation does not count; the latest finished one does.
    await record(v2.id, 'running', null);
    await rejects(setModelAlias(A.ctx, { model: { name: 'gated' }, alias: 'champion', version: 2 }), 'FORBIDDEN');
    await new Promise((r) => setTimeout(r, 5));
    await record(v2.id, 'passed', null);
    await setModelAlias(A.ctx, { model: { name: 'gated' }, alias: 'champion', version: 2 });
    // Other aliases of the model are not gated.
    await setModelAlias(A.ctx, { model: { name: 'gated' }, alias: 'challenger', version: 1 });
  });
});

describe('model URIs', () => {
  it('parse versions, aliases and latest, and refuse anything else', () => {
    expect(parseModelUri('models:/m/3')).toEqual({ name: 'm', version: 3 });
    expect(parseModelUri('models:/m@champion')).toEqual({ name: 'm', alias: 'champion' });
    expect(parseModelUri('models:/m/LATEST')).toEqual({ name: 'm', latest: true });
    for (const bad of ['models:/m', 'models:/m/0', 'models:/m/x', 'models:/@a', 'runs:/r/m', 'models:/m@', 'models:/m/1/2']) {
      expect(() => parseModelUri(bad), bad).toThrow(AppError);
    }
  });

  it('resolve to a version and its artifact location; unknown names, versions and aliases are NOT_FOUND', async () => {
    await createRegisteredModel(A.ctx, { name: 'uri' });
    await createModelVersion(A.ctx, { model: { name: 'uri' }, source: `runs:/${runId}/v1`, runId });
    await createModelVersion(A.ctx, { model: { name: 'uri' }, source: 's3://bucket/v2' });
    await setModelAlias(A.ctx, { model: { name: 'uri' }, alias: 'champion', version: 1 });
    expect((await resolveModelUri(A.ctx, 'models:/uri/2')).artifactLocation).toBe('s3://bucket/v2');
    expect((await resolveModelUri(A.ctx, 'models:/uri/latest')).version.version).toBe(2);
    const champ = await resolveModelUri(A.ctx, 'models:/uri@champion');
    expect(champ.version.version).toBe(1);
    expect(champ.artifactLocation).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts/v1`);
    await rejects(resolveModelUri(A.ctx, 'models:/uri/7'), 'NOT_FOUND');
    await rejects(resolveModelUri(A.ctx, 'models:/uri@nobody'), 'NOT_FOUND');
    await rejects(resolveModelUri(A.ctx, 'models:/nope/1'), 'NOT_FOUND');
    await rejects(resolveModelUri(A.ctx, 'models:/uri'), 'BAD_USER_INPUT');
    // Another organization sees none of it.
    await rejects(resolveModelUri(B.ctx, 'models:/uri@champion'), 'NOT_FOUND');
  });
});

describe('lineage', () => {
  it('ties a version to its run, params, metrics, datasets and logged model', async () => {
    await createRegisteredModel(A.ctx, { name: 'lineage' });
    const lm = await createLoggedModel(A.ctx, { experimentId, sourceRunId: runId, name: 'm', modelType: 'sklearn' });
    expect(lm.artifactLocation).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts/models/${lm.id}`);
    const v = await createModelVersion(A.ctx, { model: { name: 'lineage' }, source: `models:/${lm.id}` });
    expect(v.runId).toBe(runId);
    expect(v.storageLocation).toBe(lm.artifactLocation);
    const l = await getModelVersionLineage(A.ctx, v.id);
    expect(l.model.name).toBe('lineage');
    expect(l.run?.id).toBe(runId);
    expect(l.run?.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(l.run?.latestMetrics.map((m) => m.key)).toEqual(['acc']);
    expect(l.run?.inputs.map((i) => i.dataset.name)).toEqual(['train']);
    expect(l.experiment?.id).toBe(experimentId);
    expect(l.loggedModel?.id).toBe(lm.id);
    expect(l).toMatchObject({ job: null, cluster: null, deployments: [] });
    await rejects(getModelVersionLineage(B.ctx, v.id), 'NOT_FOUND');

    const external = await createModelVersion(A.ctx, { model: { name: 'lineage' }, source: 'gs://b/m' });
    expect(await getModelVersionLineage(A.ctx, external.id)).toMatchObject({ run: null, experiment: null, loggedModel: null });
  });

  it('a logged model outside any run gets its own artifact root', async () => {
    const lm = await createLoggedModel(A.ctx, { experimentId });
    expect(lm.artifactLocation).toBe(`mlflow-artifacts:/${experimentId}/${lm.id}/artifacts`);
    await rejects(createLoggedModel(B.ctx, { experimentId }), 'NOT_FOUND');
    await rejects(createLoggedModel(B.ctx, { experimentId: '0', sourceRunId: runId }), 'NOT_FOUND');

    // The artifact API's hook for that root: same organization and experiment only; writes need model:write.
    expect(isLoggedModelArtifactOwner(lm.id)).toBe(true);
    expect(isLoggedModelArtifactOwner(runId)).toBe(false);
    expect((await authorizeLoggedModelArtifacts(A.ctx, { modelId: lm.id, experimentId }, { write: true })).id).toBe(lm.id);
    await rejects(authorizeLoggedModelArtifacts(A.ctx, { modelId: lm.id, experimentId: 'exp_other' }, { write: false }), 'NOT_FOUND');
    await rejects(authorizeLoggedModelArtifacts(B.ctx, { modelId: lm.id, experimentId }, { write: false }), 'NOT_FOUND');
    const readKey = await apiKeyCtx(A, ['read']);
    expect((await authorizeLoggedModelArtifacts(readKey, { modelId: lm.id }, { write: false })).id).toBe(lm.id);
    await rejects(authorizeLoggedModelArtifacts(readKey, { modelId: lm.id }, { write: true }), 'FORBIDDEN');
  });
});
