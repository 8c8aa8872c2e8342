import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LocalBackend } from '../../core/compute/local-backend';

/**
 * The churn example end to end with the real tools: train.py (python3 with the
 * example's requirements) logs to an mlflow file store, onnxruntime-node (what
 * Gantry's gateway serves ONNX with) runs the logged model, and evaluate.py scores
 * a registered version of it.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = 'python3';
const MODULES = ['mlflow', 'numpy', 'pandas', 'onnx', 'onnxruntime', 'yaml'];
const FEATURES = [
  'tenure_months',
  'contract_months',
  'monthly_charges',
  'total_charges',
  'support_calls',
  'late_payments',
  'auto_pay',
  'has_fiber',
  'senior',
  'num_products',
];

function missingPythonModules(): string | null {
  const probe = `import importlib.util; print(" ".join(m for m in ${JSON.stringify(MODULES)} if importlib.util.find_spec(m) is None))`;
  const r = spawnSync(PYTHON, ['-c', probe], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `${PYTHON} is not runnable (${r.error?.message ?? r.stderr.trim()})`;
  const missing = r.stdout.trim();
  return missing ? `${PYTHON} lacks ${missing.split(' ').join(', ')}` : null;
}
const missing = missingPythonModules();
const MISSING = `${missing}: run python3 -m pip install -r examples/churn/requirements.txt (.ci/run installs it into its virtualenv)`;

let tmp: string;
let store: string;

/** Runs a Python script against the file store; resolves with its stdout, rejects with its output on failure. */
function python(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  // Nothing inherited may redirect the scripts: no run, experiment, model or hyperparameter from outside.
  // No __pycache__ next to the example's sources.
  // TMPDIR inside the test's directory: mlflow leaves temporary model files behind.
  const env: Record<string, string> = { MLFLOW_TRACKING_URI: `file://${store}`, MLFLOW_ALLOW_FILE_STORE: 'true', PYTHONDONTWRITEBYTECODE: '1', TMPDIR: path.join(tmp, 'tmp'), ...extraEnv };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MLFLOW_') && !k.startsWith('GANTRY_')) env[k] ??= v;
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-W', 'ignore', ...args], { cwd: tmp, env: env as NodeJS.ProcessEnv });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}\n${err}`))));
  });
}

const runIdOf = (stdout: string) => /^run_id: ([0-9a-f]{32})$/m.exec(stdout)?.[1] ?? '';

/** The file store keeps a run at `<store>/<experiment id>/<run id>/`. */
function runDir(runId: string): string {
  for (const exp of readdirSync(store)) {
    const dir = path.join(store, exp, runId);
    if (existsSync(dir)) return dir;
  }
  throw new Error(`run ${runId} not found in ${store}`);
}

/** Metric history as the file store writes it: one `timestamp value step` line per point. */
function metricHistory(runId: string, key: string): { value: number; step: number }[] {
  return readFileSync(path.join(runDir(runId), 'metrics', key), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [, value, step] = line.split(' ');
      return { value: Number(value), step: Number(step) };
    });
}

function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
}

async function predict(modelFile: string, rows: Record<string, string>[]): Promise<{ probability: Float32Array; label: BigInt64Array }> {
  const session = await ort.InferenceSession.create(modelFile);
  const data = Float32Array.from(rows.flatMap((r) => FEATURES.map((f) => Number(r[f]))));
  const out = await session.run({ features: new ort.Tensor('float32', data, [rows.length, FEATURES.length]) });
  return { probability: out.probability!.data as Float32Array, label: out.label!.data as BigInt64Array };
}

describe('examples/churn', () => {
  let trainRun = '';

  beforeAll(async () => {
    // The example is part of the product: without its Python requirements these tests fail, they are not skipped.
    if (missing) throw new Error(MISSING);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-churn-'));
    store = path.join(tmp, 'mlruns');
    mkdirSync(path.join(tmp, 'tmp'));
    const out = await python([path.join(HERE, 'train.py')], { GANTRY_PARAM_EPOCHS: '15', GANTRY_PARAM_LEARNING_RATE: '0.2' });
    trainRun = runIdOf(out);
  }, 180_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('logs params, per-epoch metrics and an ONNX model whose MLmodel declares the onnx flavor and signature', () => {
    expect(trainRun).toMatch(/^[0-9a-f]{32}$/);
    const dir = runDir(trainRun);
    // Hyperparameters from GANTRY_PARAM_* as given, defaults for the rest.
    expect(readFileSync(path.join(dir, 'params', 'epochs'), 'utf8')).toBe('15');
    expect(readFileSync(path.join(dir, 'params', 'learning_rate'), 'utf8')).toBe('0.2');
    expect(readFileSync(path.join(dir, 'params', 'batch_size'), 'utf8')).toBe('128');
    for (const key of ['train_loss', 'log_loss', 'auc', 'accuracy']) {
      expect(metricHistory(trainRun, key).map((p) => p.step)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }
    const auc = metricHistory(trainRun, 'auc');
    expect(auc.at(-1)!.value).toBeGreaterThan(0.78);
    const loss = metricHistory(trainRun, 'train_loss');
    expect(loss.at(-1)!.value).toBeLessThan(loss[0]!.value);

    const mlmodel = parse(readFileSync(path.join(dir, 'artifacts', 'model', 'MLmodel'), 'utf8')) as {
      flavors: Record<string, { data?: string }>;
      signature: { inputs: string; outputs: string };
      metadata: { feature_names: string[] };
    };
    expect(mlmodel.flavors.onnx?.data).toBe('model.onnx');
    expect(JSON.parse(mlmodel.signature.inputs)).toEqual([{ name: 'features', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, FEATURES.length] } }]);
    expect(JSON.parse(mlmodel.signature.outputs).map((o: { name: string }) => o.name)).toEqual(['probability', 'label']);
    expect(mlmodel.metadata.feature_names).toEqual(FEATURES);
  });

  it('serves the logged ONNX model in onnxruntime-node with the same predictions as the training script', async () => {
    const dir = runDir(trainRun);
    const scriptPredictions = readCsv(path.join(dir, 'artifacts', 'predictions', 'validation.csv'));
    expect(scriptPredictions).toHaveLength(800);
    const byId = new Map(readCsv(path.join(HERE, 'data', 'churn.csv')).map((r) => [r.customer_id!, r]));
    const rows = scriptPredictions.map((p) => byId.get(p.customer_id!)!);

    const { probability, label } = await predict(path.join(dir, 'artifacts', 'model', 'model.onnx'), rows);
    expect(probability).toHaveLength(rows.length);
    let maxDiff = 0;
    scriptPredictions.forEach((p, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(probability[i]! - Number(p.probability)));
      expect(label[i]).toBe(probability[i]! >= 0.5 ? 1n : 0n);
    });
    // float32 in ONNX against float64 in numpy.
    expect(maxDiff).toBeLessThan(1e-5);
    expect(new Set(Array.from(label, Number))).toEqual(new Set([0, 1]));
  });

  it('evaluates a registered version on the holdout set and logs the metrics evaluation checks read', async () => {
    await python(['-c', `import mlflow; mlflow.register_model("runs:/${trainRun}/model", "churn")`]);
    const out = await python([path.join(HERE, 'evaluate.py')], { GANTRY_MODEL_URI: 'models:/churn/1' });
    const evalRun = runIdOf(out);
    expect(evalRun).toMatch(/^[0-9a-f]{32}$/);
    expect(evalRun).not.toBe(trainRun);
    const metric = (key: string) => metricHistory(evalRun, key).at(-1)!.value;
    expect(metric('auc')).toBeGreaterThan(0.78);
    expect(metric('holdout_rows')).toBe(1000);
    expect(metric('log_loss')).toBeGreaterThan(0);
    expect(readFileSync(path.join(runDir(evalRun), 'tags', 'gantry.evaluated_model_uri'), 'utf8')).toBe('models:/churn/1');

    // The same model in onnxruntime-node gives the accuracy evaluate.py logged.
    const holdout = readCsv(path.join(HERE, 'data', 'churn_holdout.csv'));
    const { label } = await predict(path.join(runDir(trainRun), 'artifacts', 'model', 'model.onnx'), holdout);
    const correct = holdout.filter((r, i) => Number(label[i]) === Number(r.churned)).length;
    expect(metric('accuracy')).toBeCloseTo(correct / holdout.length, 10);
  });

  it('trains as a job on the local cluster, within its memory and CPU limits', async () => {
    const backend = new LocalBackend({ jobsDir: path.join(tmp, 'jobs'), sampleIntervalMs: 250 });
    const name = `churn-example-${process.pid}-a1`;
    await backend.submit({
      name,
      jobId: 'job_churn_example',
      attempt: 1,
      orgId: 'org_example',
      teamId: 'team_example',
      projectId: 'prj_example',
      runId: 'run_example',
      image: 'python:3.11-slim',
      command: [PYTHON, '-W', 'ignore', path.join(HERE, 'train.py')],
      args: [],
      env: {
        MLFLOW_TRACKING_URI: `file://${store}`,
        MLFLOW_ALLOW_FILE_STORE: 'true',
        MLFLOW_EXPERIMENT_NAME: 'churn-local-job',
        GANTRY_PARAM_EPOCHS: '3',
        OMP_NUM_THREADS: '1',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      secretEnv: {},
      resources: { cpu: 1, memoryMiB: 1024, gpuCount: 0, gpuType: null },
      maxRuntimeSeconds: 300,
    });
    let status = await backend.status(name);
    for (let i = 0; i < 1200 && status && !['succeeded', 'failed', 'cancelled'].includes(status.phase); i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = await backend.status(name);
    }
    const log = (await backend.logs(name, 0)).text;
    expect(status, log).toMatchObject({ phase: 'succeeded', exitCode: 0 });
    expect(log).toMatch(/^epoch {3}3 {2}train_loss/m);
    expect(status!.usage!.peakMemoryMiB).toBeGreaterThan(50);
    expect(status!.usage!.peakMemoryMiB).toBeLessThan(1024);
    const run = runIdOf(log);
    expect(readFileSync(path.join(runDir(run), 'params', 'epochs'), 'utf8')).toBe('3');
    expect(existsSync(path.join(runDir(run), 'artifacts', 'model', 'model.onnx'))).toBe(true);
  }, 300_000);
});
