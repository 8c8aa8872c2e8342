import type { ApolloServer } from '@apollo/server';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../config/env';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { registerModelDir, writeChurnModel } from '../testing/serving-models';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

/**
 * Deployments over GraphQL with real ONNX model versions: created from a version or an alias, field
 * errors a form can place, the endpoint with the model's own input names, traffic changes, and the
 * dashboard's numbers from prediction rows the way the gateway writes them.
 */
let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let home: string;
let A: SignedUp;
let modelId = '';
let v1 = '';

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: A.actor, requestedOrgId: A.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  // Results are read along known paths; typing every document would add nothing the assertions do not check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return res.body.singleResult as { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string; fields?: { path: string; message: string }[] } }[] };
}

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-gql-deployments-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  process.env.GANTRY_GATEWAY_URL = 'https://gateway.example.com';
  resetEnvCache();
  server = apolloServer();
  A = await signUpUser('gql-deploy');
  v1 = (await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(home, 'm1'), { seed: 1 }).dir })).versionId;
  await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(home, 'm2'), { seed: 2 }).dir });
  modelId = (await gql('{ registeredModel(name: "churn") { id } }')).data!.registeredModel.id;
}, 180_000);
afterAll(async () => {
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  delete process.env.GANTRY_GATEWAY_URL;
  resetEnvCache();
});

const DEPLOYMENT = `id name modelName sampleRate rateLimitPerSecond trafficGeneration replicas gpuCount gpuType status statusMessage project { id } cluster { name }
  traffic { arms { versionNumber weight role version { id version } } sticky { source name } shadows { versionNumber version { id } } }
  endpoint { oipUrl mlflowUrl oipCurl mlflowCurl oipBody inputNames }`;

describe('deployments over GraphQL', () => {
  it('deploy a version with the endpoint callers use, its curl lines naming the model’s input', async () => {
    const r = await gql(`mutation($in: CreateDeploymentInput!) { createDeployment(input: $in) { ${DEPLOYMENT} } }`, { in: { name: 'churn-prod', modelName: 'churn', version: 1, sampleRate: 0.5, rateLimitPerSecond: 200 } });
    expect(r.errors).toBeUndefined();
    const d = r.data!.createDeployment;
    expect(d).toMatchObject({ name: 'churn-prod', modelName: 'churn', sampleRate: 0.5, rateLimitPerSecond: 200, trafficGeneration: 1, replicas: 1, gpuCount: 0, gpuType: null, status: 'ready', statusMessage: null, cluster: { name: 'local' } });
    expect(d.traffic).toEqual({ arms: [{ versionNumber: 1, weight: 100, role: 'stable', version: { id: v1, version: 1 } }], sticky: null, shadows: [] });
    expect(d.endpoint).toMatchObject({ oipUrl: 'https://gateway.example.com/v2/models/churn-prod/infer', mlflowUrl: 'https://gateway.example.com/deployments/churn-prod/invocations', inputNames: ['features'] });
    expect(JSON.parse(d.endpoint.oipBody).inputs[0]).toMatchObject({ name: 'features', datatype: 'FP32', shape: [1, 10] });
    expect(d.endpoint.oipCurl).toContain('$GANTRY_API_KEY');
    expect(d.endpoint.mlflowCurl).toContain('{"inputs":{"features":[[0,0,0,0,0,0,0,0,0,0]]}}');

    const byName = await gql('{ deployment(name: "churn-prod") { id } deployments(modelId: "' + modelId + '") { name } }');
    expect(byName.data).toEqual({ deployment: { id: d.id }, deployments: [{ name: 'churn-prod' }] });
  });

  it('answer bad input with field errors a form can place', async () => {
    const taken = await gql('mutation($in: CreateDeploymentInput!) { createDeployment(input: $in) { id } }', { in: { name: 'churn-prod', modelName: 'churn', version: 1 } });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', fields: [{ path: 'name', message: 'Already taken' }] });
    const badName = await gql('mutation($in: CreateDeploymentInput!) { createDeployment(input: $in) { id } }', { in: { name: 'Churn Prod', modelName: 'churn', version: 1 } });
    expect(badName.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: 'name' }] });
    const rate = await gql('mutation($in: CreateDeploymentInput!) { createDeployment(input: $in) { id } }', { in: { name: 'x', modelName: 'churn', version: 1, sampleRate: 2 } });
    expect(rate.errors?.[0]?.extensions?.fields).toEqual([{ path: 'sampleRate', message: 'The sample rate is between 0 and 1' }]);
    const gpus = await gql('mutation($in: CreateDeploymentInput!) { createDeployment(input: $in) { id } }', { in: { name: 'x', modelName: 'churn', version: 1, gpuCount: 1, gpuType: 'a100' } });
    expect(gpus.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: 'gpuCount', message: 'No GPUs on local' }] });
    const noModel = await gql('mutation($in: CreateDeploymentInput!) { createDeployment(input: $in) { id } }', { in: { name: 'x', version: 1 } });
    expect(noModel.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknownAlias = await gql('mutation($in: CreateDeploymentInput!) { createDeployment(input: $in) { id } }', { in: { name: 'x', modelId, alias: 'champion' } });
    expect(unknownAlias.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('set traffic: a canary, a shadow and a sticky header; then settings; the generation grows', async () => {
    const id = (await gql('{ deployment(name: "churn-prod") { id } }')).data!.deployment.id;
    const r = await gql(`mutation($in: SetDeploymentTrafficInput!) { setDeploymentTraffic(input: $in) { ${DEPLOYMENT} } }`, {
      in: { deploymentId: id, arms: [{ version: 1, weight: 90, role: 'stable' }, { version: 2, weight: 10, role: 'canary' }], sticky: { source: 'header', name: 'x-customer' } },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.setDeploymentTraffic.traffic.arms.map((a: { versionNumber: number; weight: number; role: string }) => [a.versionNumber, a.weight, a.role])).toEqual([
      [1, 90, 'stable'],
      [2, 10, 'canary'],
    ]);
    expect(r.data!.setDeploymentTraffic.traffic.sticky).toEqual({ source: 'header', name: 'x-customer' });
    const shadowed = await gql('mutation($id: ID!) { setDeploymentTraffic(input: { deploymentId: $id, arms: [{ version: 1, weight: 100, role: stable }], shadows: [2] }) { trafficGeneration traffic { shadows { versionNumber } sticky { name } } } }', { id });
    expect(shadowed.data!.setDeploymentTraffic).toEqual({ trafficGeneration: 3, traffic: { shadows: [{ versionNumber: 2 }], sticky: null } });
    const bad = await gql('mutation($id: ID!) { setDeploymentTraffic(input: { deploymentId: $id, arms: [{ version: 1, weight: 70, role: stable }] }) { id } }', { id });
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(bad.errors?.[0]?.message).toMatch(/add up to 70/);
    const updated = await gql('mutation($id: ID!) { updateDeployment(input: { deploymentId: $id, sampleRate: 1, rateLimitPerSecond: null }) { sampleRate rateLimitPerSecond } }', { id });
    expect(updated.data!.updateDeployment).toEqual({ sampleRate: 1, rateLimitPerSecond: null });
  });

  it('show the dashboard’s numbers from the prediction log, and the list page’s in one request', async () => {
    const id = (await gql('{ deployment(name: "churn-prod") { id } }')).data!.deployment.id;
    const other = (await gql('mutation { createDeployment(input: { name: "churn-quiet", modelName: "churn", version: 2 }) { id } }')).data!.createDeployment.id;
    const now = Date.now();
    // Rows as the gateway writes them.
    for (const [i, latencyMs] of [10, 20, 30, 40].entries()) {
      await db.ownerSql`insert into predictions (org_id, deployment_id, model_version_id, version, arm, request_id, protocol, at, latency_ms, status, outputs)
        values (${A.orgId}, ${id}, ${v1}, 1, ${i === 3 ? 'shadow' : 'stable'}, ${`r${i}`}, 'oip', ${new Date(now - 30_000).toISOString()}, ${latencyMs}, ${i === 1 ? 500 : 200},
                ${db.ownerSql.json([{ name: 'probability', datatype: 'FP32', shape: [1], data: [0.12 + i * 0.2] }])})`;
    }
    const r = await gql(`query($id: ID) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) {
      bucketSeconds requests errorRate
      arms { version arm requests serverErrors p50LatencyMs p99LatencyMs }
      shadows { version requests }
      series { version shadow points { requests } }
      predictions { output min max versions { version shadow count counts } } } } }`, { id });
    expect(r.errors).toBeUndefined();
    const m = r.data!.deployment.metrics;
    expect(m).toMatchObject({ bucketSeconds: 15, requests: 3, arms: [{ version: 1, arm: 'stable', requests: 3, serverErrors: 1, p50LatencyMs: 20 }], shadows: [{ version: 1, requests: 1 }] });
    expect(m.errorRate).toBeCloseTo(1 / 3, 12);
    expect(m.arms[0].p99LatencyMs).toBeCloseTo(29.8, 4);
    expect(m.series.map((s: { version: number; shadow: boolean; points: { requests: number }[] }) => [s.version, s.shadow, s.points.reduce((n, p) => n + p.requests, 0)])).toEqual([
      [1, false, 3],
      [1, true, 1],
    ]);
    expect(m.predictions).toMatchObject({ output: 'probability', min: 0, max: 1 });
    expect(m.predictions.versions[0].counts.slice(0, 12)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]);

    const list = await gql('{ deployments { name metrics { requests errorRate } } }');
    expect(list.data!.deployments).toEqual([
      { name: 'churn-prod', metrics: { requests: 3, errorRate: 1 / 3 } },
      { name: 'churn-quiet', metrics: { requests: 0, errorRate: 0 } },
    ]);
    expect((await gql('mutation($id: ID!) { deleteDeployment(id: $id) }', { id: other })).data).toEqual({ deleteDeployment: other });
    expect((await gql('query($id: ID) { deployment(id: $id) { id } }', { id: other })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
