import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { FilesystemArtifactStore } from '../artifacts/filesystem-artifact-store';
import { uploadArtifact } from '../artifacts/upload-artifact';
import { resetEnvCache } from '../../config/env';
import { AppError } from '../errors';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { createExperiment } from '../tracking/create-experiment';
import { createRun } from '../tracking/create-run';
import { logBatch } from '../tracking/log-batch';
import { endpointNotFound, matchMlflowRoute, mlflowError, runMlflowRoute, type MlflowParams, type MlflowResponse } from '../tracking/mlflow/dispatch';
import { createLoggedModel } from './create-logged-model';
import { createModelVersion } from './create-model-version';
import { createRegisteredModel } from './create-registered-model';
import { deleteLoggedModel } from './delete-logged-model';
import { getModelVersion } from './get-model-version';
import { listRunModelVersions } from './list-run-model-versions';
import { artifactKeyOf, parseMlModel } from './model-metadata';

/**
 * What registration reads from a model's files: MLmodel files written through the
 * artifact use cases into the filesystem store the configuration selects, then
 * registered through the core and through the MLflow REST dispatcher.
 */
let db: TestDatabase;
let home: string;
let A: SignedUp;
let B: SignedUp;
let experimentId = '';
let runId = '';

/** As mlflow 3.1 writes it for `mlflow.sklearn.log_model(..., input_example=X)`: keys sorted, pyfunc first. */
const SKLEARN_MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.9
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
mlflow_version: 3.1.0
model_size_bytes: 811
model_uuid: 5d4f4f5c0a2b4b1e9f0c6f1f8d1c2b3a
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 1]}}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'
  params: null
utc_time_created: '2025-06-01 12:00:00.000000'
`;
const SKLEARN_SIGNATURE = {
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 1]}}]',
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]',
};
const ONNX_MLMODEL = `flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.17.0
    providers: [CPUExecutionProvider]
  python_function:
    loader_module: mlflow.onnx
mlflow_version: 3.1.0
`;

const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);
const MODEL_PKL = Buffer.alloc(811, 7);
const CONDA = 'name: mlflow-env\ndependencies: [python=3.11]\n';

/** Writes a model directory the way the mlflow client uploads one: MLmodel, the weights and the environment files. */
async function putModel(owner: { runId: string; experimentId?: string }, dir: string, mlmodel: string, as: SignedUp = A) {
  const p = (f: string) => (dir ? `${dir}/${f}` : f);
  await uploadArtifact(as.ctx, { ...owner, path: p('MLmodel'), body: body(mlmodel), contentType: 'text/yaml' });
  await uploadArtifact(as.ctx, { ...owner, path: p('model.pkl'), body: body(MODEL_PKL) });
  await uploadArtifact(as.ctx, { ...owner, path: p('env/conda.yaml'), body: body(CONDA) });
  return Buffer.byteLength(mlmodel) + MODEL_PKL.length + Buffer.byteLength(CONDA);
}

async function rejects(p: Promise<unknown>, code: AppError['code']) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
}

async function call(as: SignedUp, method: string, route: string, params: MlflowParams): Promise<MlflowResponse> {
  const r = matchMlflowRoute(method, route);
  if (r.kind !== 'ok') return endpointNotFound(method, route);
  try {
    return await runMlflowRoute(r.handler, as.ctx, params);
  } catch (e) {
    return mlflowError(e);
  }
}
const ok = (r: MlflowResponse) => {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as Record<string, unknown>;
};

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-model-files-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  resetEnvCache();
  A = await signUpUser('files-a');
  B = await signUpUser('files-b');
  experimentId = (await createExperiment(A.ctx, { name: 'files' })).id;
  runId = (await createRun(A.ctx, { experimentId, runName: 'train' })).id;
  await logBatch(A.ctx, { runId, metrics: [{ key: 'rmse', value: 0.25, timestamp: 10, step: 3 }] });
});
afterAll(async () => {
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  resetEnvCache();
});

describe('MLmodel files', () => {
  it('name the framework by the first flavor that is not python_function, and keep the signature as MLflow writes it', () => {
    expect(parseMlModel(SKLEARN_MLMODEL)).toEqual({ framework: 'sklearn', signature: SKLEARN_SIGNATURE });
    expect(parseMlModel(ONNX_MLMODEL)).toEqual({ framework: 'onnx', signature: null });
    // A custom pyfunc model has only the loader flavor.
    expect(parseMlModel('flavors:\n  python_function:\n    loader_module: my_model\n').framework).toBe('python_function');
    for (const junk of ['', 'just text', '[1, 2]', 'flavors: [a, b]\nsignature: x', 'key: [unclosed']) {
      expect(parseMlModel(junk), junk).toEqual({ framework: null, signature: null });
    }
  });

  it('map Gantry storage locations to store keys and leave external ones alone', () => {
    expect(artifactKeyOf('org_1', `mlflow-artifacts:/exp_1/run_1/artifacts/model`)).toBe('org_1/run_1/model');
    expect(artifactKeyOf('org_1', `mlflow-artifacts:/exp_1/run_1/artifacts`)).toBe('org_1/run_1');
    expect(artifactKeyOf('org_1', `mlflow-artifacts:/exp_1/lm_1/artifacts`)).toBe('org_1/lm_1');
    expect(artifactKeyOf('org_1', 's3://bucket/model')).toBeNull();
    expect(artifactKeyOf('org_1', 'mlflow-artifacts:/exp_1/run_1/other')).toBeNull();
  });
});

describe('registering a version reads its files', () => {
  it('from runs:/: framework, signature and the bytes under the model directory, with the metrics snapshot', async () => {
    const size = await putModel({ runId }, 'model', SKLEARN_MLMODEL);
    // A file beside the model directory is not part of it.
    await uploadArtifact(A.ctx, { runId, path: 'model-notes.txt', body: body('not the model') });
    await createRegisteredModel(A.ctx, { name: 'from-run' });
    const v = await createModelVersion(A.ctx, { model: { name: 'from-run' }, source: `runs:/${runId}/model`, runId });
    expect(v).toMatchObject({ framework: 'sklearn', signature: SKLEARN_SIGNATURE, sizeBytes: size });
    expect(v.metricsSnapshot).toEqual([{ key: 'rmse', value: 0.25, step: 3, timestamp: 10 }]);
    // What the caller says wins over the files.
    const told = await createModelVersion(A.ctx, { model: { name: 'from-run' }, source: `runs:/${runId}/model`, framework: 'custom', sizeBytes: 5, signature: { inputs: '[]' } });
    expect(told).toMatchObject({ framework: 'custom', sizeBytes: 5, signature: { inputs: '[]' } });
  });

  it('from a logged model, inside a run and outside any run', async () => {
    await createRegisteredModel(A.ctx, { name: 'logged' });
    const inRun = await createLoggedModel(A.ctx, { experimentId, sourceRunId: runId, name: 'm' });
    const size = await putModel({ runId }, `models/${inRun.id}`, ONNX_MLMODEL);
    const v1 = await createModelVersion(A.ctx, { model: { name: 'logged' }, source: `models:/${inRun.id}` });
    expect(v1).toMatchObject({ loggedModelId: inRun.id, runId, framework: 'onnx', signature: null, sizeBytes: size });

    const alone = await createLoggedModel(A.ctx, { experimentId, modelType: 'agent' });
    const aloneSize = await putModel({ runId: alone.id, experimentId }, '', SKLEARN_MLMODEL);
    const v2 = await createModelVersion(A.ctx, { model: { name: 'logged' }, source: `models:/${alone.id}` });
    expect(v2).toMatchObject({ runId: null, framework: 'sklearn', signature: SKLEARN_SIGNATURE, sizeBytes: aloneSize });
  });

  it('from mlflow-artifacts:/ URIs, and records nothing for external or empty locations', async () => {
    const other = (await createRun(A.ctx, { experimentId })).id;
    const size = await putModel({ runId: other }, 'nested/dir/model', ONNX_MLMODEL);
    await createRegisteredModel(A.ctx, { name: 'uris' });
    const v = await createModelVersion(A.ctx, { model: { name: 'uris' }, source: `mlflow-artifacts:/${experimentId}/${other}/artifacts/nested/dir/model` });
    expect(v).toMatchObject({ runId: other, framework: 'onnx', sizeBytes: size });
    // The whole run's artifacts as the model: the size counts every file, the MLmodel is not at the root.
    const root = await createModelVersion(A.ctx, { model: { name: 'uris' }, source: `runs:/${other}` });
    expect(root).toMatchObject({ framework: null, signature: null, sizeBytes: size });
    const external = await createModelVersion(A.ctx, { model: { name: 'uris' }, source: 's3://bucket/models/x' });
    expect(external).toMatchObject({ framework: null, signature: null, sizeBytes: null });
    const empty = await createModelVersion(A.ctx, { model: { name: 'uris' }, source: `runs:/${other}/nothing-here` });
    expect(empty).toMatchObject({ framework: null, signature: null, sizeBytes: null });
  });

  it('still registers, without metadata, when the store cannot be read', async () => {
    const broken: ArtifactStore = {
      kind: 'filesystem',
      put: () => Promise.reject(new Error('disk on fire')),
      get: () => Promise.reject(new Error('disk on fire')),
      head: () => Promise.reject(new Error('disk on fire')),
      list: () => Promise.reject(new Error('disk on fire')),
      deletePrefix: () => Promise.reject(new Error('disk on fire')),
    };
    await createRegisteredModel(A.ctx, { name: 'broken-store' });
    const v = await createModelVersion(A.ctx, { model: { name: 'broken-store' }, source: `runs:/${runId}/model` }, { store: broken });
    expect(v).toMatchObject({ version: 1, framework: null, signature: null, sizeBytes: null, status: 'READY' });
    // The configured store still has the files; a store passed in is the one read.
    const fine = await createModelVersion(A.ctx, { model: { name: 'broken-store' }, source: `runs:/${runId}/model` }, { store: new FilesystemArtifactStore(path.join(home, 'artifacts')) });
    expect(fine.framework).toBe('sklearn');
  });

  it('never reads another organization’s files', async () => {
    await createRegisteredModel(B.ctx, { name: 'thief' });
    await rejects(createModelVersion(B.ctx, { model: { name: 'thief' }, source: `runs:/${runId}/model` }), 'NOT_FOUND');
    // B's own run with the same relative path has no files: B's keys are under B's organization.
    const bExp = (await createExperiment(B.ctx, { name: 'b' })).id;
    const bRun = (await createRun(B.ctx, { experimentId: bExp })).id;
    const v = await createModelVersion(B.ctx, { model: { name: 'thief' }, source: `runs:/${bRun}/model` });
    expect(v).toMatchObject({ framework: null, sizeBytes: null });
  });
});

describe('through the MLflow REST API', () => {
  it('model-versions/create records the files of runs:/, models:/ and mlflow-artifacts:/ sources', async () => {
    const run = (ok(await call(A, 'POST', 'runs/create', { experiment_id: experimentId })).run as { info: { run_id: string } }).info.run_id;
    const size = await putModel({ runId: run }, 'model', SKLEARN_MLMODEL);
    const lm = (ok(await call(A, 'POST', 'logged-models', { experiment_id: experimentId, source_run_id: run, name: 'm' })).model as { info: { model_id: string } }).info.model_id;
    const lmSize = await putModel({ runId: run }, `models/${lm}`, ONNX_MLMODEL);
    ok(await call(A, 'POST', 'registered-models/create', { name: 'rest' }));
    const sources = [
      { source: `runs:/${run}/model`, framework: 'sklearn', sizeBytes: size },
      { source: `models:/${lm}`, framework: 'onnx', sizeBytes: lmSize },
      { source: `mlflow-artifacts:/${experimentId}/${run}/artifacts/model`, framework: 'sklearn', sizeBytes: size },
    ];
    for (const [i, s] of sources.entries()) {
      const created = ok(await call(A, 'POST', 'model-versions/create', { name: 'rest', source: s.source, run_id: run })).model_version as { version: string };
      expect(created.version).toBe(String(i + 1));
      const v = await getModelVersion(A.ctx, { model: { name: 'rest' }, version: i + 1 });
      expect(v, s.source).toMatchObject({ framework: s.framework, sizeBytes: s.sizeBytes, runId: run });
    }
    expect((await getModelVersion(A.ctx, { model: { name: 'rest' }, version: 1 })).signature).toEqual(SKLEARN_SIGNATURE);
  });

  it('runs/get lists the logged models the run produced as outputs.model_outputs', async () => {
    const run = (ok(await call(A, 'POST', 'runs/create', { experiment_id: experimentId })).run as { info: { run_id: string } }).info.run_id;
    const fresh = ok(await call(A, 'GET', 'runs/get', { run_id: run })).run as Record<string, unknown>;
    expect(fresh.outputs).toEqual({ model_outputs: [] });
    const m1 = (ok(await call(A, 'POST', 'logged-models', { experiment_id: experimentId, source_run_id: run, name: 'a' })).model as { info: { model_id: string } }).info.model_id;
    const m2 = (ok(await call(A, 'POST', 'logged-models', { experiment_id: experimentId, name: 'b' })).model as { info: { model_id: string } }).info.model_id;
    ok(await call(A, 'POST', 'runs/outputs', { run_id: run, models: [{ model_id: m2, step: '7' }, { model_id: m1, step: 2 }] }));
    const got = ok(await call(A, 'GET', 'runs/get', { run_id: run })).run as { outputs: unknown };
    expect(got.outputs).toEqual({ model_outputs: [{ model_id: m1, step: 2 }, { model_id: m2, step: 7 }] });
    // Search answers the same shape.
    const searched = ok(await call(A, 'POST', 'runs/search', { experiment_ids: [experimentId], filter: `attributes.run_id = '${run}'` })).runs as { outputs: unknown }[];
    expect(searched.map((r) => r.outputs)).toEqual([got.outputs]);
    // A deleted logged model is no longer an output.
    await deleteLoggedModel(A.ctx, m2);
    expect((ok(await call(A, 'GET', 'runs/get', { run_id: run })).run as { outputs: unknown }).outputs).toEqual({ model_outputs: [{ model_id: m1, step: 2 }] });
  });
});

describe('model versions of a run', () => {
  it('lists what was registered from the run, newest first, and another organization’s run is NOT_FOUND', async () => {
    const run = (await createRun(A.ctx, { experimentId })).id;
    expect(await listRunModelVersions(A.ctx, run)).toEqual([]);
    await createRegisteredModel(A.ctx, { name: 'lineage-a' });
    await createRegisteredModel(A.ctx, { name: 'lineage-b' });
    const first = await createModelVersion(A.ctx, { model: { name: 'lineage-a' }, source: `runs:/${run}/model` });
    await createModelVersion(A.ctx, { model: { name: 'lineage-a' }, source: 's3://elsewhere' });
    const second = await createModelVersion(A.ctx, { model: { name: 'lineage-b' }, source: `mlflow-artifacts:/${experimentId}/${run}/artifacts/m` });
    const listed = await listRunModelVersions(A.ctx, run);
    expect(listed.map((v) => [v.id, v.modelName, v.version])).toEqual([
      [second.id, 'lineage-b', 1],
      [first.id, 'lineage-a', 1],
    ]);
    await rejects(listRunModelVersions(B.ctx, run), 'NOT_FOUND');
  });
});
