import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { isRunning, processGroupMembers, processRef, signalGroup } from '../compute/local-job-files';
import { waitFor } from '../../testing/wait-for';
import { modelServerRequirements, MLSERVER_PACKAGES } from './mlserver-environment';
import { MlserverRuntime, type MlserverLoadProgress, type MlserverModel } from './mlserver-runtime';
import { ModelInputError, ModelUnavailableError } from './model-runtime';

/**
 * The model-server runtime with the real parts: a scikit-learn model saved by the unmodified
 * mlflow client, MLServer 1.7 with its MLflow runtime from PyPI in a virtual environment built
 * from the model's requirements.txt, and predictions compared with what the model itself
 * predicted in Python. The environments live in a directory that outlasts the test run
 * (`~/.gantry-tools/model-server-envs`), so a machine builds one (minutes) only once.
 */

const run = promisify(execFile);
// The Python with mlflow and scikit-learn (.ci/run installs it there).
const venv = path.join(os.homedir(), '.gantry-tools', 'mlflow-venv', 'bin');
const PYTHON = existsSync(path.join(venv, 'python')) ? path.join(venv, 'python') : 'python3';
const ENVS_DIR = path.join(os.homedir(), '.gantry-tools', 'model-server-envs');

/** Saves a logistic regression with mlflow.sklearn and prints a few rows with the model's own predictions. */
const SAVE_MODEL = `import json, sys
import pandas as pd
import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
X, y = make_classification(n_samples=300, n_features=4, random_state=7)
rows = X[:6]
if sys.argv[2] == "columns":
    X = pd.DataFrame(X, columns=["tenure", "charges", "calls", "age"])
    rows = X.iloc[:6]
model = LogisticRegression().fit(X, y)
mlflow.sklearn.save_model(model, sys.argv[1], signature=infer_signature(X, model.predict(X)))
print(json.dumps({"rows": rows.values.tolist() if hasattr(rows, "values") else rows.tolist(), "predictions": model.predict(rows).tolist()}))
`;

interface Saved {
  dir: string;
  rows: number[][];
  predictions: number[];
}

let root: string;
let runtime: MlserverRuntime;
const loaded: MlserverModel[] = [];

async function saveModel(name: string, kind: 'tensor' | 'columns'): Promise<Saved> {
  const dir = path.join(root, name);
  const { stdout } = await run(PYTHON, ['-c', SAVE_MODEL, dir, kind], { env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<Saved, 'dir'>;
  return { dir, ...out };
}

/** Whether a process (by the reference taken while it ran) still runs: not exited, not a zombie, not a reused PID. */
const runs = (ref: ReturnType<typeof processRef>) => !!ref && isRunning(ref);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gantry-mlserver-test-'));
  runtime = new MlserverRuntime({ envsDir: ENVS_DIR, workDir: path.join(root, 'servers'), restartDelayMs: 200, killGraceMs: 3_000 });
});

afterAll(async () => {
  for (const m of loaded) await m.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('which model directories the runtime takes', () => {
  it('refuses a directory without an MLmodel, and an MLmodel without a python_function flavor, saying why', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    expect(await runtime.accepts({ versionId: 'v-empty', modelDir: empty, framework: null })).toEqual({
      ok: false,
      reason: 'The model version has no MLmodel file: it is not an MLflow model',
    });

    const onnxOnly = path.join(root, 'onnx-only');
    await mkdir(onnxOnly);
    await writeFile(path.join(onnxOnly, 'MLmodel'), 'flavors:\n  onnx:\n    data: model.onnx\n    onnx_version: 1.17.0\n');
    const refused = await runtime.accepts({ versionId: 'v-onnx', modelDir: onnxOnly, framework: 'onnx' });
    expect(refused).toEqual({ ok: false, reason: 'The model has no python_function flavor (it has onnx), so the MLflow model server cannot load it' });
    await expect(runtime.load({ versionId: 'v-onnx', modelDir: onnxOnly, framework: 'onnx' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: refused.ok ? '' : refused.reason });

    const withOptions = path.join(root, 'pip-options');
    await mkdir(withOptions);
    await writeFile(path.join(withOptions, 'MLmodel'), 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n');
    await writeFile(path.join(withOptions, 'requirements.txt'), 'mlflow==3.1.0\n--index-url https://example.invalid/simple\n');
    expect(await runtime.accepts({ versionId: 'v-opts', modelDir: withOptions, framework: 'sklearn' })).toEqual({
      ok: false,
      reason: "The model's Python requirements cannot be installed: requirements.txt has a pip option line (--index-url https://example.invalid/simple); the model server installs requirements only",
    });
  });

  it('installs the model’s own pins beside MLServer; an mlflow older than mlserver-mlflow takes gives way to its floor', async () => {
    const old = path.join(root, 'old-mlflow');
    await mkdir(old);
    await writeFile(path.join(old, 'requirements.txt'), '# written by mlflow\nmlflow==2.9.2\nscikit-learn==1.3.2  # the pickle\ncloudpickle==3.0.0\n');
    expect(await modelServerRequirements(old)).toEqual({
      ok: true,
      requirements: ['mlflow>=2.19.0', 'scikit-learn==1.3.2', 'cloudpickle==3.0.0', ...MLSERVER_PACKAGES],
      notes: ['the model pins mlflow 2.9.2; the model server runs mlflow 2.19.0 or later'],
    });
  });
});

describe('an sklearn model saved by the mlflow client, served by MLServer', () => {
  let saved: Saved;
  let model: MlserverModel;
  const progress: MlserverLoadProgress[] = [];

  beforeAll(async () => {
    saved = await saveModel('logreg', 'tensor');
    // The first load on a machine builds the environment: minutes.
    model = await runtime.load({ versionId: 'mv_logreg/1', modelDir: saved.dir, framework: 'sklearn' }, { onProgress: (p) => progress.push(p) });
    loaded.push(model);
  }, 30 * 60_000);

  it('accepts the directory, reports its progress while loading, and takes its tensors from the MLflow signature', async () => {
    expect(await runtime.accepts({ versionId: 'mv_logreg/1', modelDir: saved.dir, framework: 'sklearn' })).toEqual({ ok: true });
    const stages = progress.map((p) => p.stage).filter((s) => s !== 'environment-output');
    expect(stages[0]).toBe('environment');
    expect(stages.slice(-2)).toEqual(['starting', 'ready']);
    expect(progress.find((p) => p.stage === 'environment' && p.environment.state === 'ready')).toBeTruthy();
    expect(model.inputs).toEqual([{ name: 'input-0', datatype: 'FP64', shape: [-1, 4] }]);
    expect(model.outputs).toEqual([{ name: 'output-0', datatype: 'INT64', shape: [-1] }]);
    expect(await model.ready()).toBe(true);
  });

  it('answers an OIP request with what model.predict gave in Python', async () => {
    const outputs = await model.infer({ id: 'req-1', inputs: [{ name: 'input-0', datatype: 'FP64', shape: [saved.rows.length, 4], data: saved.rows.flat() }] });
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ name: 'output-0', datatype: 'INT64', shape: [saved.rows.length] });
    expect(outputs[0]!.data).toEqual(saved.predictions);
  });

  it('turns a request the model cannot take into a ModelInputError with the model’s own message', async () => {
    const threeFeatures = model.infer({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1, 3], data: [1, 2, 3] }] });
    await expect(threeFeatures).rejects.toBeInstanceOf(ModelInputError);
    await expect(threeFeatures).rejects.toThrow('Shape of input (1, 3) does not match expected shape (-1, 4)');
    const shortData = model.infer({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [2, 4], data: [1, 2, 3] }] });
    await expect(shortData).rejects.toBeInstanceOf(ModelInputError);
    await expect(shortData).rejects.toThrow('cannot reshape array of size 3 into shape (2,4)');
    await expect(model.infer({ inputs: [], outputs: ['output-0'] })).rejects.toBeInstanceOf(ModelInputError);
    const one = { name: 'input-0', datatype: 'FP64' as const, shape: [1, 4], data: saved.rows[0]! };
    await expect(model.infer({ inputs: [one], outputs: ['probabilities'] })).rejects.toThrow('The model has no output named probabilities (it has output-0)');
    expect(await model.infer({ inputs: [one], outputs: ['output-0'] })).toMatchObject([{ name: 'output-0', data: [saved.predictions[0]] }]);
  });

  it('starts the server again when it is killed, and answers as before', async () => {
    const first = model.pid!;
    const firstRef = processRef(first);
    expect(runs(firstRef)).toBe(true);
    process.kill(first, 'SIGKILL');
    await waitFor('the killed server to be noticed', async () => !runs(firstRef) && model.pid !== first);
    expect(await model.ready()).toBe(false);
    await expect(model.infer({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1, 4], data: saved.rows[0]! }] })).rejects.toBeInstanceOf(ModelUnavailableError);

    const second = await waitFor('the restarted server to be ready', async () => ((await model.ready()) ? model.pid : null), 120_000);
    expect(second).not.toBe(first);
    const outputs = await model.infer({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [saved.rows.length, 4], data: saved.rows.flat() }] });
    expect(outputs[0]!.data).toEqual(saved.predictions);
  }, 180_000);

  it('stops the whole server on close, leaves no process behind, and stays closed', async () => {
    const pid = model.pid!;
    const ref = processRef(pid);
    expect(runs(ref)).toBe(true);
    await model.close();
    expect(runs(ref)).toBe(false);
    expect(processGroupMembers(pid)).toEqual([]);
    await model.close();
    expect(await model.ready()).toBe(false);
    await expect(model.infer({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1, 4], data: saved.rows[0]! }] })).rejects.toBeInstanceOf(ModelUnavailableError);
  });
});

describe('a model whose signature names columns (a DataFrame)', () => {
  it('takes one tensor per column and predicts as the model does', async () => {
    const saved = await saveModel('columns', 'columns');
    const model = await runtime.load({ versionId: 'mv_columns/1', modelDir: saved.dir, framework: 'sklearn' });
    loaded.push(model);
    expect(model.inputs).toEqual(['tenure', 'charges', 'calls', 'age'].map((name) => ({ name, datatype: 'FP64', shape: [-1, 1] })));
    const inputs = model.inputs.map((t, i) => ({ name: t.name, datatype: t.datatype, shape: [saved.rows.length, 1], data: saved.rows.map((r) => r[i]!) }));
    const outputs = await model.infer({ inputs });
    expect(outputs[0]!.data).toEqual(saved.predictions);
    const pid = model.pid!;
    await model.close();
    expect(processGroupMembers(pid)).toEqual([]);
  }, 10 * 60_000);

  it('stops loading when the caller gives up', async () => {
    const saved = await saveModel('aborted', 'tensor');
    const abort = new AbortController();
    const seen: string[] = [];
    let ref: ReturnType<typeof processRef> = null;
    const loading = runtime.load(
      { versionId: 'mv_aborted/1', modelDir: saved.dir, framework: 'sklearn' },
      {
        signal: abort.signal,
        onProgress: (p) => {
          seen.push(p.stage);
          if (p.stage === 'starting') {
            ref = processRef(p.pid);
            abort.abort(new Error('deployment removed'));
          }
        },
      },
    );
    await expect(loading).rejects.toThrow('deployment removed');
    expect(seen).toContain('starting');
    expect(seen).not.toContain('ready');
    expect(ref).not.toBeNull();
    expect(runs(ref)).toBe(false);
  }, 10 * 60_000);
});

describe('when a server keeps dying, or its parent does', () => {
  let saved: Saved;
  beforeAll(async () => {
    saved = await saveModel('dies', 'tensor');
  });

  it('gives the model up as unavailable, saying why, once its restarts are used up', async () => {
    const strict = new MlserverRuntime({ envsDir: ENVS_DIR, workDir: path.join(root, 'servers'), maxRestarts: 0 });
    const model = await strict.load({ versionId: 'mv_dies/1', modelDir: saved.dir, framework: 'sklearn' });
    loaded.push(model);
    const pid = model.pid!;
    process.kill(pid, 'SIGKILL');
    const one = { name: 'input-0', datatype: 'FP64' as const, shape: [1, 4], data: saved.rows[0]! };
    const refused = await waitFor('the model to be given up', () => model.infer({ inputs: [one] }).then(() => null, (e: unknown) => (/not started again/.test(String(e)) ? e : null)));
    expect(refused).toBeInstanceOf(ModelUnavailableError);
    expect((refused as Error).message).toBe('The model server died (SIGKILL) and was not started again');
    expect(await model.ready()).toBe(false);
    expect(model.pid).toBeNull();
    await model.close();
  }, 120_000);

  it('goes when the process that started it is killed', async () => {
    const script = path.join(root, 'parent.mts');
    await writeFile(
      script,
      `import { MlserverRuntime } from ${JSON.stringify(fileURLToPath(new URL('./mlserver-runtime.ts', import.meta.url)))};
const runtime = new MlserverRuntime({ envsDir: ${JSON.stringify(ENVS_DIR)}, workDir: ${JSON.stringify(path.join(root, 'servers'))} });
const model = await runtime.load({ versionId: 'mv_orphan/1', modelDir: ${JSON.stringify(saved.dir)}, framework: 'sklearn' });
console.log('SERVER ' + model.pid);
setInterval(() => {}, 60_000);
`,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise((r) => parent.once('exit', r));
    let pid = 0;
    try {
      pid = Number(await waitFor('the server started by another process', async () => out.match(/^SERVER (\d+)$/m)?.[1], 120_000));
      const ref = processRef(pid);
      expect(runs(ref)).toBe(true);
      parent.kill('SIGKILL');
      await exited;
      await waitFor('the orphaned server to go', async () => !runs(ref) && processGroupMembers(pid).length === 0, 30_000);
    } finally {
      parent.kill('SIGKILL');
      // A server left behind by a failing run is not left for the next.
      if (pid) signalGroup(pid, 'SIGKILL');
    }
  }, 180_000);
});
