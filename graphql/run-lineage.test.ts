import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { resetEnvCache } from '../config/env';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { logBatch } from '../core/tracking/log-batch';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

/**
 * A model saved in a run's artifacts, registered over GraphQL: the version takes its
 * framework, signature and size from the files, and the run lists the version.
 */
let db: TestDatabase;
let home: string;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let B: SignedUp;
let projectId = '';
let runId = '';

const MLMODEL = `flavors:
  python_function:
    loader_module: mlflow.pytorch
  pytorch:
    code: null
    model_data: data
    pytorch_version: 2.4.0
mlflow_version: 3.1.0
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3, 224, 224]}}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 1000]}}]'
  params: null
`;
const WEIGHTS = Buffer.alloc(4096, 1);

async function gql(as: SignedUp, query: string, variables: Record<string, unknown> = {}) {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: as.actor, requestedOrgId: as.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  // Results are read along known paths; typing every document would add nothing the assertions do not check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return res.body.singleResult as { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string } }[] };
}

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-run-lineage-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  resetEnvCache();
  server = apolloServer();
  A = await signUpUser('gql-lineage-a');
  B = await signUpUser('gql-lineage-b');
  const team = await createTeam(A.ctx, { name: 'Vision' });
  projectId = (await createProject(A.ctx, { teamId: team.id, name: 'Classifier' })).id;
  const experimentId = (await createExperiment(A.ctx, { projectId, name: 'resnet' })).id;
  runId = (await createRun(A.ctx, { experimentId, runName: 'train' })).id;
  await logBatch(A.ctx, { runId, metrics: [{ key: 'top1', value: 0.76, timestamp: 1, step: 90 }] });
  await uploadArtifact(A.ctx, { runId, path: 'model/MLmodel', body: Readable.from([Buffer.from(MLMODEL)]), contentType: 'text/yaml' });
  await uploadArtifact(A.ctx, { runId, path: 'model/data/model.pth', body: Readable.from([WEIGHTS]) });
});
afterAll(async () => {
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  resetEnvCache();
});

describe('a run’s model over GraphQL', () => {
  it('registers with the framework, signature and size of its files, and shows up on the run', async () => {
    const model = await gql(A, 'mutation($p: ID!) { createRegisteredModel(input: { projectId: $p, name: "resnet50" }) { id } }', { p: projectId });
    const modelId = model.data!.createRegisteredModel.id as string;
    const v = await gql(
      A,
      'mutation($m: ID!, $r: ID!) { createModelVersion(input: { modelId: $m, runId: $r, artifactPath: "model" }) { id version framework signatureJson sizeBytes metricsSnapshot { key value } } }',
      { m: modelId, r: runId },
    );
    expect(v.errors).toBeUndefined();
    expect(v.data!.createModelVersion).toMatchObject({
      version: 1,
      framework: 'pytorch',
      sizeBytes: Buffer.byteLength(MLMODEL) + WEIGHTS.length,
      metricsSnapshot: [{ key: 'top1', value: 0.76 }],
    });
    expect(JSON.parse(v.data!.createModelVersion.signatureJson as string)).toEqual({
      inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3, 224, 224]}}]',
      outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 1000]}}]',
    });
    const external = await gql(A, 'mutation($m: ID!) { createModelVersion(input: { modelId: $m, source: "s3://weights/resnet" }) { framework sizeBytes } }', { m: modelId });
    expect(external.data!.createModelVersion).toEqual({ framework: null, sizeBytes: null });

    const run = await gql(A, 'query($id: ID!) { run(id: $id) { modelVersions { id version modelName framework } } }', { id: runId });
    expect(run.errors).toBeUndefined();
    expect(run.data!.run.modelVersions).toEqual([{ id: v.data!.createModelVersion.id, version: 1, modelName: 'resnet50', framework: 'pytorch' }]);
    // And back: the version's lineage names the run.
    const lineage = await gql(A, 'query($id: ID!) { lineage(modelVersionId: $id) { run { id modelVersions { version } } } }', { id: v.data!.createModelVersion.id });
    expect(lineage.data!.lineage.run).toEqual({ id: runId, modelVersions: [{ version: 1 }] });

    const other = await gql(B, 'query($id: ID!) { run(id: $id) { modelVersions { id } } }', { id: runId });
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
