import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../../config/env';
import { createTestDatabase, type TestDatabase } from '../../../db/test/database';
import { signUpUser, type SignedUp } from '../../../testing/fixtures';
import { serveApi, type ServedApi } from '../../../testing/serve-api';
import { SERVING_PYTHON } from '../../../testing/serving-python';
import { artifactStore } from '../../artifacts/store-from-config';
import { createApiKey } from '../../auth/create-api-key';
import { createDeployment } from '../create-deployment';
import { MlserverRuntime } from '../mlserver-runtime';
import { onnxRuntime } from '../onnx-runtime';
import { createGateway, type Gateway } from './server';

/**
 * The story of a scikit-learn user: the unmodified mlflow client logs and registers a model against
 * Gantry's MLflow API (`mlflow.sklearn.log_model(..., registered_model_name=...)`), the version is
 * deployed, and the gateway answers OIP and MLflow-shaped requests through an MLServer process on
 * this host, with what `model.predict` gave in Python.
 */
const ENVS_DIR = path.join(os.homedir(), '.gantry-tools', 'model-server-envs');
let db: TestDatabase;
let home: string;
let api: ServedApi;
let A: SignedUp;
let gateway: Gateway;
let url = '';
let key = '';
let expected: { columns: string[]; rows: number[][]; predictions: number[] };

const LOG_MODEL = String.raw`
import json, os
import mlflow, mlflow.sklearn
import pandas as pd
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from mlflow.models import infer_signature

X, y = load_iris(return_X_y=True, as_frame=True)
X.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in X.columns]
model = LogisticRegression(max_iter=500).fit(X, y)
mlflow.set_experiment("iris")
with mlflow.start_run():
    mlflow.sklearn.log_model(model, name="model", signature=infer_signature(X, model.predict(X)), registered_model_name="iris-classifier")
rows = X.iloc[[0, 60, 120, 7]]
print(json.dumps({"columns": list(rows.columns), "rows": rows.values.tolist(), "predictions": model.predict(rows).tolist()}))
`;

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-sklearn-serving-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  resetEnvCache();
  A = await signUpUser('sklearn');
  api = await serveApi({ routes: ['mlflow', 'mlflow-artifacts'] });
  const { secret } = await createApiKey(A.ctx, { name: 'notebook', scopes: ['read', 'write'] });
  // Asynchronously: the API the client talks to is served by this process.
  const { stdout } = await promisify(execFile)(SERVING_PYTHON, ['-c', LOG_MODEL], {
    cwd: home,
    env: { ...process.env, MLFLOW_TRACKING_URI: api.url, MLFLOW_TRACKING_TOKEN: secret, PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  expected = JSON.parse(stdout.trim().split('\n').pop()!) as typeof expected;
  key = (await createApiKey(A.ctx, { name: 'svc', scopes: ['inference'] })).secret;
  gateway = createGateway({
    store: artifactStore(),
    runtimes: { onnx: onnxRuntime, mlserver: new MlserverRuntime({ envsDir: ENVS_DIR, workDir: path.join(home, 'servers') }) },
    cacheDir: path.join(home, 'models'),
    maxPayloadBytes: 1024 * 1024,
    defaultRateLimitPerSecond: 1000,
  });
  await gateway.routing.start();
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
}, 600_000);

afterAll(async () => {
  await gateway?.close();
  await api?.close();
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  resetEnvCache();
});

async function post(p: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; version: string | null }> {
  const res = await fetch(`${url}${p}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, version: res.headers.get('x-gantry-model-version') };
}

describe('a model logged by the mlflow client with mlflow.sklearn.log_model', () => {
  it('is registered with its flavor and deploys', async () => {
    const d = await createDeployment(A.ctx, { name: 'iris', model: { name: 'iris-classifier' }, version: 1 });
    expect(d.traffic.arms).toMatchObject([{ version: 1, weight: 100, role: 'stable' }]);
  });

  it('answers readiness once its model server is up, and describes its inputs', async () => {
    // The first load builds the model server's environment (minutes on a fresh machine; cached after).
    await expect
      .poll(async () => (await fetch(`${url}/v2/models/iris/ready`, { headers: { authorization: `Bearer ${key}` } })).status, { timeout: 600_000, interval: 2_000 })
      .toBe(200);
    const meta = (await (await fetch(`${url}/v2/models/iris`, { headers: { authorization: `Bearer ${key}` } })).json()) as { platform: string; inputs: { name: string }[] };
    expect(meta.platform).toBe('mlserver_mlflow');
    expect(meta.inputs.map((i) => i.name)).toEqual(expected.columns);
  }, 660_000);

  it('answers MLflow-shaped requests (dataframe_split and dataframe_records) with what model.predict gave', async () => {
    const split = await post('/deployments/iris/invocations', { dataframe_split: { columns: expected.columns, data: expected.rows } });
    expect(split.status, JSON.stringify(split.body)).toBe(200);
    expect(split.version).toBe('1');
    expect((split.body.predictions as number[]).map(Number)).toEqual(expected.predictions);
    const records = await post('/deployments/iris/invocations', { dataframe_records: expected.rows.map((r) => Object.fromEntries(expected.columns.map((c, i) => [c, r[i]]))) });
    expect(records.status, JSON.stringify(records.body)).toBe(200);
    expect((records.body.predictions as number[]).map(Number)).toEqual(expected.predictions);
  });

  it('answers OIP requests, one tensor per column, and refuses a missing column with a 400', async () => {
    const meta = (await (await fetch(`${url}/v2/models/iris`, { headers: { authorization: `Bearer ${key}` } })).json()) as { inputs: { name: string; datatype: string; shape: number[] }[] };
    const inputs = meta.inputs.map((m, i) => ({ name: m.name, datatype: m.datatype, shape: m.shape.length === 2 ? [expected.rows.length, 1] : [expected.rows.length], data: expected.rows.map((r) => r[i]) }));
    const a = await post('/v2/models/iris/infer', { inputs });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const out = (a.body.outputs as { data: number[] }[])[0]!;
    expect(out.data.map(Number)).toEqual(expected.predictions);
    const missing = await post('/v2/models/iris/infer', { inputs: inputs.slice(1) });
    expect(missing.status).toBe(400);
    expect(String(missing.body.error)).toMatch(new RegExp(expected.columns[0]!));
  });
});
