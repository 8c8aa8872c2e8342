import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { appSql } from '../../db/client';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { signUpUser, testMeta, type SignedUp } from '../../testing/fixtures';
import { registerModelDir, writeChurnModel } from '../../testing/serving-models';
import { uploadArtifact } from '../artifacts/upload-artifact';
import { authenticateApiKey } from '../auth/authenticate-api-key';
import { createApiKey } from '../auth/create-api-key';
import { AppError } from '../errors';
import { listAuditEvents } from '../governance/audit-log';
import { createModelVersion } from '../registry/create-model-version';
import { setModelAlias } from '../registry/set-model-alias';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { createRun } from '../tracking/create-run';
import { getExperimentByName } from '../tracking/get-experiment';
import { createDeployment } from './create-deployment';
import { deleteDeployment } from './delete-deployment';
import { getDeployment } from './get-deployment';
import { DEPLOYMENTS_CHANNEL } from './gateway/routing-table';
import { listDeployments } from './list-deployments';
import { setDeploymentTraffic } from './set-deployment-traffic';
import { updateDeployment } from './update-deployment';
import { deploymentCosts } from './deployment-costs';
import { asc, eq } from 'drizzle-orm';
import { clusters, deploymentRevisions, predictions } from '../../db/schema';
import { jobCostMicros } from '../../rules/money';
import { loadPrices } from '../compute/access';
import { systemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';

/**
 * Deployments through the core use cases on a real PostgreSQL, with real ONNX model files in the
 * filesystem artifact store: what is refused and why, traffic policies, the audit trail, other
 * organizations, and the notification every change sends the gateways.
 */
let db: TestDatabase;
let home: string;
let A: SignedUp;
let B: SignedUp;
let v1: { versionId: string; version: number; runId: string };
let v2: { versionId: string; version: number; runId: string };

const getRunExperiment = () => getExperimentByName(A.ctx, 'serving-tests');

async function rejects(p: Promise<unknown>, code: AppError['code'], message?: RegExp) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(AppError);
  expect((e as AppError).code, (e as AppError).message).toBe(code);
  if (message) expect((e as AppError).message).toMatch(message);
}

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-deployments-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  resetEnvCache();
  A = await signUpUser('deploy-a');
  B = await signUpUser('deploy-b');
  v1 = await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(home, 'm1'), { seed: 1 }).dir });
  v2 = await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(home, 'm2'), { seed: 2 }).dir });
}, 120_000);
afterAll(async () => {
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  resetEnvCache();
});

describe('creating a deployment', () => {
  it('serves one version at 100% on the stable arm, in the model project, on the local cluster', async () => {
    const d = await createDeployment(A.ctx, { name: 'churn-prod', model: { name: 'churn' }, version: 1 });
    expect(d).toMatchObject({ name: 'churn-prod', modelName: 'churn', clusterName: 'local', clusterKind: 'local', followAlias: null, trafficGeneration: 1, sampleRate: 0.1 });
    expect(d.traffic).toEqual({ arms: [{ versionId: v1.versionId, version: 1, weight: 100, role: 'stable' }], sticky: null, shadows: [] });
    expect(await getDeployment(A.ctx, { name: 'churn-prod' })).toMatchObject({ id: d.id });
    expect((await listDeployments(A.ctx, {})).map((x) => x.name)).toEqual(['churn-prod']);
    const audit = await listAuditEvents(A.ctx, { first: 10 }, { targetType: 'deployment', targetId: d.id });
    expect(audit.map((e) => e.action)).toEqual(['deployment.create']);
  });

  it('follows an alias: the version it points at now', async () => {
    await setModelAlias(A.ctx, { model: { name: 'churn' }, alias: 'champion', version: 2 });
    const d = await createDeployment(A.ctx, { name: 'churn-champion', model: { name: 'churn' }, alias: 'champion', autoRollout: true });
    expect(d).toMatchObject({ followAlias: 'champion', autoRollout: true });
    expect(d.traffic.arms).toEqual([{ versionId: v2.versionId, version: 2, weight: 100, role: 'stable' }]);
  });

  it('refuses bad names, a taken name, both or neither of version and alias, and unknown models and versions', async () => {
    await rejects(createDeployment(A.ctx, { name: 'Churn Prod', model: { name: 'churn' }, version: 1 }), 'BAD_USER_INPUT', /lowercase letters, digits and dashes/);
    await rejects(createDeployment(A.ctx, { name: 'churn-prod', model: { name: 'churn' }, version: 1 }), 'CONFLICT', /already exists/);
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'churn' } }), 'BAD_USER_INPUT', /either a version or an alias/);
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'churn' }, version: 1, alias: 'champion' }), 'BAD_USER_INPUT', /either a version or an alias/);
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'churn' }, version: 1, autoRollout: true }), 'BAD_USER_INPUT', /follow an alias/);
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'nope' }, version: 1 }), 'NOT_FOUND');
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'churn' }, version: 9 }), 'NOT_FOUND');
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'churn' }, alias: 'nope' }), 'NOT_FOUND');
    // GPUs are for Kubernetes clusters: the local runtime has none, and a GPU type needs GPUs.
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'churn' }, version: 1, gpuCount: 1 }), 'BAD_USER_INPUT', /local runtime .* without GPUs/);
    await rejects(createDeployment(A.ctx, { name: 'x1', model: { name: 'churn' }, version: 1, gpuType: 'a100' }), 'BAD_USER_INPUT', /GPU type needs at least 1 GPU/);
    const dep = await getDeployment(A.ctx, { name: 'churn-prod' });
    await rejects(updateDeployment(A.ctx, { deployment: { deploymentId: dep.id }, gpuCount: 2 }), 'BAD_USER_INPUT', /local runtime .* without GPUs/);
    await rejects(updateDeployment(A.ctx, { deployment: { deploymentId: dep.id }, gpuType: 'a100' }), 'BAD_USER_INPUT', /GPU type needs at least 1 GPU/);
    expect(await getDeployment(A.ctx, { deploymentId: dep.id })).toMatchObject({ gpuCount: 0, gpuType: null, updatedAt: dep.updatedAt });
    // On local, more replicas is a setting and nothing to apply: no status message, the deployment ready.
    expect(await updateDeployment(A.ctx, { deployment: { deploymentId: dep.id }, replicas: 2 })).toMatchObject({ replicas: 2, status: 'ready', statusMessage: null });
    await updateDeployment(A.ctx, { deployment: { deploymentId: dep.id }, replicas: 1 });
  });

  it('refuses a version whose files are not a servable model, saying why', async () => {
    const run = await createRun(A.ctx, { experimentId: (await getRunExperiment()).id });
    await uploadArtifact(A.ctx, { runId: run.id, path: 'model/weights.bin', body: Readable.from([Buffer.from('not a model')]) });
    const notModel = await createModelVersion(A.ctx, { model: { name: 'churn' }, source: `runs:/${run.id}/model`, runId: run.id });
    await rejects(createDeployment(A.ctx, { name: 'x2', model: { name: 'churn' }, version: notModel.version }), 'BAD_USER_INPUT', /has no MLmodel file/);
    const run2 = await createRun(A.ctx, { experimentId: (await getRunExperiment()).id });
    await uploadArtifact(A.ctx, { runId: run2.id, path: 'model/MLmodel', body: Readable.from([Buffer.from('flavors:\n  onnx:\n    data: model.onnx\n')]) });
    const noOnnx = await createModelVersion(A.ctx, { model: { name: 'churn' }, source: `runs:/${run2.id}/model`, runId: run2.id });
    await rejects(createDeployment(A.ctx, { name: 'x2', model: { name: 'churn' }, version: noOnnx.version }), 'BAD_USER_INPUT', /names the ONNX file 'model.onnx', which is not among its files/);
    const external = await createModelVersion(A.ctx, { model: { name: 'churn' }, source: 's3://elsewhere/model' });
    await rejects(createDeployment(A.ctx, { name: 'x2', model: { name: 'churn' }, version: external.version }), 'BAD_USER_INPUT', /outside Gantry's artifact store/);
    // And a traffic change cannot bring one in either.
    await rejects(setDeploymentTraffic(A.ctx, { deployment: { name: 'churn-prod' }, arms: [{ version: 1, weight: 90, role: 'stable' }, { version: notModel.version, weight: 10, role: 'canary' }] }), 'BAD_USER_INPUT', /has no MLmodel file/);
  });

  it('is not for a key without deployment rights, and another organization sees nothing', async () => {
    const { secret } = await createApiKey(A.ctx, { name: 'svc', scopes: ['inference'] });
    const inference = await resolveTenantContext(await authenticateApiKey(secret, testMeta()), null, testMeta());
    await rejects(createDeployment(inference, { name: 'x3', model: { name: 'churn' }, version: 1 }), 'FORBIDDEN');
    await rejects(listDeployments(inference, {}), 'FORBIDDEN');
    await rejects(getDeployment(B.ctx, { name: 'churn-prod' }), 'NOT_FOUND');
    expect(await listDeployments(B.ctx, {})).toEqual([]);
    await rejects(setDeploymentTraffic(B.ctx, { deployment: { name: 'churn-prod' }, arms: [{ version: 1, weight: 100, role: 'stable' }] }), 'NOT_FOUND');
    await rejects(deleteDeployment(B.ctx, { deployment: { name: 'churn-prod' } }), 'NOT_FOUND');
    await rejects(createDeployment(B.ctx, { name: 'steal', model: { modelId: (await getDeployment(A.ctx, { name: 'churn-prod' })).modelId }, version: 1 }), 'NOT_FOUND');
  });
});

describe('traffic policies', () => {
  it('take versions by number: a 10% canary, a shadow and a sticky header; the generation grows', async () => {
    const d = await setDeploymentTraffic(A.ctx, {
      deployment: { name: 'churn-prod' },
      arms: [
        { version: 1, weight: 90, role: 'stable' },
        { version: 2, weight: 10, role: 'canary' },
      ],
      sticky: { source: 'header', name: 'x-customer' },
    });
    expect(d.trafficGeneration).toBe(2);
    expect(d.traffic.arms.map((a) => [a.version, a.weight, a.role])).toEqual([
      [1, 90, 'stable'],
      [2, 10, 'canary'],
    ]);
    const shadowed = await setDeploymentTraffic(A.ctx, { deployment: { name: 'churn-prod' }, arms: [{ version: 1, weight: 100, role: 'stable' }], shadows: [2] });
    expect(shadowed.traffic.shadows).toEqual([{ versionId: v2.versionId, version: 2 }]);
    expect(shadowed.trafficGeneration).toBe(3);
  });

  it('refuse weights that do not add up, a version twice, and versions of another model', async () => {
    const dep = { name: 'churn-prod' };
    await rejects(setDeploymentTraffic(A.ctx, { deployment: dep, arms: [{ version: 1, weight: 80, role: 'stable' }] }), 'BAD_USER_INPUT');
    await rejects(setDeploymentTraffic(A.ctx, { deployment: dep, arms: [{ version: 1, weight: 100, role: 'stable' }], shadows: [1] }), 'BAD_USER_INPUT');
    await rejects(setDeploymentTraffic(A.ctx, { deployment: dep, arms: [{ version: 1, weight: 50, role: 'stable' }, { version: 2, weight: 50, role: 'stable' }] }), 'BAD_USER_INPUT');
    await rejects(setDeploymentTraffic(A.ctx, { deployment: dep, arms: [{ version: 77, weight: 100, role: 'stable' }] }), 'NOT_FOUND', /no version 77/);
    expect((await getDeployment(A.ctx, dep)).trafficGeneration).toBe(3);
  });
});

describe('gateways hear of every change', () => {
  it('through one notification per write, sent on commit', async () => {
    const heard: string[] = [];
    const listener = await appSql().listen(DEPLOYMENTS_CHANNEL, (p) => heard.push(p));
    try {
      const d = await createDeployment(A.ctx, { name: 'churn-notify', model: { name: 'churn' }, version: 1 });
      await updateDeployment(A.ctx, { deployment: { deploymentId: d.id }, sampleRate: 0.5, rateLimitPerSecond: 50 });
      await rejects(setDeploymentTraffic(A.ctx, { deployment: { deploymentId: d.id }, arms: [{ version: 1, weight: 10, role: 'stable' }] }), 'BAD_USER_INPUT');
      await deleteDeployment(A.ctx, { deployment: { deploymentId: d.id } });
      const expected = `${A.orgId} ${d.id}`;
      await expect.poll(() => heard.filter((h) => h === expected).length).toBe(3);
      await rejects(getDeployment(A.ctx, { deploymentId: d.id }), 'NOT_FOUND');
      const audit = await listAuditEvents(A.ctx, { first: 10 }, { targetType: 'deployment', targetId: d.id });
      expect(audit.map((e) => e.action)).toEqual(['deployment.delete', 'deployment.update', 'deployment.create']);
    } finally {
      await listener.unlisten();
    }
  });
});

describe('costs', () => {
  it('price each version’s runtime from the revisions the trigger records, per 1,000 predictions', async () => {
    const d = await createDeployment(A.ctx, { name: 'churn-costed', model: { name: 'churn' }, version: 1, cpu: 2, memoryMib: 4096, replicas: 2 });
    await setDeploymentTraffic(A.ctx, { deployment: { deploymentId: d.id }, arms: [{ version: 1, weight: 90, role: 'stable' }, { version: 2, weight: 10, role: 'canary' }] });
    const revisions = await withTenant(A.ctx, (tx) => tx.select().from(deploymentRevisions).where(eq(deploymentRevisions.deploymentId, d.id)).orderBy(asc(deploymentRevisions.at)));
    expect(revisions.map((r) => [r.generation, r.replicas, (r.traffic as { arms: unknown[] }).arms.length])).toEqual([
      [1, 2, 1],
      [2, 2, 2],
    ]);
    const now = new Date();
    await withTenant(systemContext(A.orgId, 'gateway', 'test'), (tx) =>
      tx.insert(predictions).values(
        Array.from({ length: 500 }, (_, i) => ({
          orgId: A.orgId,
          deploymentId: d.id,
          modelVersionId: i < 450 ? v1.versionId : v2.versionId,
          version: i < 450 ? 1 : 2,
          arm: i < 450 ? 'stable' : 'canary',
          requestId: `r${i}`,
          protocol: 'oip' as const,
          at: now,
          latencyMs: 1,
          status: 200,
        })),
      ),
    );
    const began = revisions[0]!.at.getTime();
    const costs = await deploymentCosts(A.ctx, { deployment: { deploymentId: d.id }, windowSeconds: 3600 });
    const [c1, c2] = costs.versions;
    expect(c1).toMatchObject({ version: 1, requests: 450 });
    expect(c2).toMatchObject({ version: 2, requests: 50 });
    // Version 1 has had runtimes since creation, at 2 replicas.
    const elapsed = (costs.to.getTime() - began) / 1000;
    expect(c1!.replicaSeconds).toBeGreaterThan(0);
    expect(c1!.replicaSeconds).toBeLessThanOrEqual(elapsed * 2 + 0.01);
    expect(c2!.replicaSeconds).toBeLessThan(c1!.replicaSeconds);
    const prices = await withTenant(A.ctx, async (tx) => loadPrices(tx, (await tx.select().from(clusters).where(eq(clusters.id, d.clusterId)))[0]!));
    expect(c1!.costMicros).toBe(jobCostMicros(c1!.replicaSeconds, { cpu: 2, memoryMiB: 4096, gpuCount: 0, gpuType: null }, prices));
    expect(c1!.per1000Micros).toBe(c1!.requests ? Math.round((c1!.costMicros * 1000) / 450) : null);
    expect(costs.requests).toBe(500);
    expect(costs.totalMicros).toBe(c1!.costMicros + c2!.costMicros);
    await rejects(deploymentCosts(B.ctx, { deployment: { deploymentId: d.id } }), 'NOT_FOUND');
  });
});
