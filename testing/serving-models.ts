import { spawnSync } from 'node:child_process';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { createModelVersion } from '../core/registry/create-model-version';
import { createRegisteredModel } from '../core/registry/create-registered-model';
import type { TenantContext } from '../core/tenancy/context';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { isAppError } from '../core/errors';
import { getExperimentByName } from '../core/tracking/get-experiment';
import { SERVING_PYTHON } from './serving-python';

/**
 * Real models for serving tests: the churn example's ONNX graph (built by its own train.py code) saved by
 * `mlflow.onnx.save_model` with chosen coefficients, and the expected outputs numpy computes for given
 * rows. A version registered from such a directory is what a training job would have registered.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CHURN_SCRIPT = String.raw`
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from churn_common import FEATURES, sigmoid
from train import build_onnx
import mlflow.onnx
from mlflow.models import ModelSignature
from mlflow.types import Schema, TensorSpec

opts = json.loads(sys.argv[3])
rng = np.random.default_rng(opts["seed"])
d = len(FEATURES)
mean, std = rng.normal(50, 20, d), rng.uniform(5, 30, d)
w, b = rng.normal(0, 1, d), float(opts["bias"])
sig = ModelSignature(
    inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, d), "features")]),
    outputs=Schema([TensorSpec(np.dtype(np.float32), (-1,), "probability"), TensorSpec(np.dtype(np.int64), (-1,), "label")]),
)
mlflow.onnx.save_model(build_onnx(mean, std, w, b), sys.argv[2], signature=sig, save_as_external_data=False)
X = np.asarray(opts["rows"], dtype=np.float32)
p = sigmoid((((X - mean.astype(np.float32)) / std.astype(np.float32)) @ w.astype(np.float32).reshape(d, 1) + np.float32(b)).astype(np.float32)).reshape(-1)
print(json.dumps({"features": list(FEATURES), "probability": p.tolist(), "label": (p >= 0.5).astype(int).tolist()}))
`;

export interface ChurnModel {
  dir: string;
  features: string[];
  rows: number[][];
  probability: number[];
  label: number[];
}

/** Rows of churn features in the example's ranges, deterministic for a seed. */
export function churnRows(n: number, seed = 1): number[][] {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => Array.from({ length: 10 }, (_, j) => Math.round((j < 4 ? next() * 100 : next() * 5) * 100) / 100));
}

/**
 * Writes an MLflow ONNX model directory at `dir` (which must not exist) with coefficients from `seed`
 * and the given bias: two seeds give two different models, a large bias a model that says "churn" to everyone.
 */
export function writeChurnModel(dir: string, opts: { seed?: number; bias?: number; rows?: number[][] } = {}): ChurnModel {
  const rows = opts.rows ?? churnRows(4);
  const r = spawnSync(SERVING_PYTHON, ['-c', CHURN_SCRIPT, path.join(ROOT, 'examples', 'churn'), dir, JSON.stringify({ seed: opts.seed ?? 11, bias: opts.bias ?? 0.3, rows })], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', MLFLOW_TRACKING_URI: '' },
  });
  if (r.status !== 0) throw new Error(`writing the churn model failed: ${r.error?.message ?? r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<ChurnModel, 'dir' | 'rows'>;
  return { dir, rows, ...out };
}

/** Uploads every file under `dir` as the run's artifacts under `artifactPath`. */
export async function uploadModelDir(ctx: TenantContext, runId: string, dir: string, artifactPath = 'model'): Promise<void> {
  const walk = async (rel: string): Promise<void> => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, r);
      if (statSync(full).isDirectory()) await walk(r);
      else await uploadArtifact(ctx, { runId, path: `${artifactPath}/${r}`, body: createReadStream(full) });
    }
  };
  await walk('');
}

/** A run holding the model directory's files, registered as the next version of `model` (created when missing). */
export async function registerModelDir(ctx: TenantContext, o: { model: string; dir: string; experiment?: string }): Promise<{ versionId: string; version: number; runId: string }> {
  const experimentName = o.experiment ?? 'serving-tests';
  let experimentId: string;
  try {
    experimentId = (await getExperimentByName(ctx, experimentName)).id;
  } catch (e) {
    if (!isAppError(e) || e.code !== 'NOT_FOUND') throw e;
    experimentId = (await createExperiment(ctx, { name: experimentName })).id;
  }
  const run = await createRun(ctx, { experimentId });
  await uploadModelDir(ctx, run.id, o.dir);
  try {
    await createRegisteredModel(ctx, { name: o.model });
  } catch (e) {
    if (!isAppError(e) || e.code !== 'CONFLICT') throw e;
  }
  const v = await createModelVersion(ctx, { model: { name: o.model }, source: `runs:/${run.id}/model`, runId: run.id });
  return { versionId: v.id, version: v.version, runId: run.id };
}
