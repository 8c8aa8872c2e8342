import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelInputError, type LoadedModel } from './model-runtime';
import { onnxRuntime } from './onnx-runtime';

/**
 * onnxruntime-node on real ONNX files: the churn example's graph (built by its own train.py code with
 * random coefficients, saved by mlflow.onnx as the example logs it) and a small graph with INT64 and
 * BOOL inputs and outputs. Expected outputs are computed in the same Python script with numpy.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const VENV_PYTHON = path.join(os.homedir(), '.gantry-tools', 'mlflow-venv', 'bin', 'python');
const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';

const SCRIPT = String.raw`
import json, sys
from pathlib import Path
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
sys.path.insert(0, sys.argv[1])
from churn_common import FEATURES, sigmoid
from train import build_onnx, ONNX_OPSET
import mlflow.onnx

out = Path(sys.argv[2])
rng = np.random.default_rng(11)
d = len(FEATURES)
mean, std = rng.normal(50, 20, d), rng.uniform(0.5, 30, d)
w, b = rng.normal(0, 1, d), 0.3
mlflow.onnx.save_model(build_onnx(mean, std, w, b), str(out / "churn"), save_as_external_data=False)
X = rng.normal(50, 30, (4, d)).astype(np.float32)
# What the graph computes, in float32 as it does.
p = sigmoid((((X - mean.astype(np.float32)) / std.astype(np.float32)) @ w.astype(np.float32).reshape(d, 1) + np.float32(b)).astype(np.float32)).reshape(-1)

# INT64 and BOOL in and out: total = sum of each row's counts; alert = flag or total > 10; scaled = counts * 2^40.
nodes = [
    helper.make_node("ReduceSum", ["counts", "axis"], ["total"], keepdims=0),
    helper.make_node("Greater", ["total", "ten"], ["big"]),
    helper.make_node("Or", ["flags", "big"], ["alert"]),
    helper.make_node("Mul", ["counts", "scale"], ["scaled"]),
]
graph = helper.make_graph(
    nodes,
    "counts",
    [helper.make_tensor_value_info("counts", TensorProto.INT64, ["batch", 2]), helper.make_tensor_value_info("flags", TensorProto.BOOL, ["batch"])],
    [
        helper.make_tensor_value_info("total", TensorProto.INT64, ["batch"]),
        helper.make_tensor_value_info("alert", TensorProto.BOOL, ["batch"]),
        helper.make_tensor_value_info("scaled", TensorProto.INT64, ["batch", 2]),
    ],
    [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"),
        numpy_helper.from_array(np.array(10, dtype=np.int64), "ten"),
        numpy_helper.from_array(np.array(2**40, dtype=np.int64), "scale"),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
(out / "counts").mkdir()
onnx.save(model, str(out / "counts" / "model.onnx"))
(out / "counts" / "MLmodel").write_text("flavors:\n  onnx:\n    data: model.onnx\n    onnx_version: 1.17.0\n")
counts = np.array([[1, 2], [7, 8], [-3, 0]], dtype=np.int64)
flags = np.array([True, False, False])
total = counts.sum(axis=1)
print(json.dumps({
    "churn": {"X": X.tolist(), "probability": p.tolist(), "label": (p >= 0.5).astype(int).tolist()},
    "counts": {"counts": counts.tolist(), "flags": flags.tolist(), "total": total.tolist(), "alert": (flags | (total > 10)).tolist(), "scaled": (counts * 2**40).reshape(-1).tolist()},
}))
`;

interface Expected {
  churn: { X: number[][]; probability: number[]; label: number[] };
  counts: { counts: number[][]; flags: boolean[]; total: number[]; alert: boolean[]; scaled: number[] };
}

let tmp: string;
let expected: Expected;
let churn: LoadedModel;
let counts: LoadedModel;
const spec = (dir: string) => ({ versionId: `mv_${dir}`, modelDir: path.join(tmp, dir), framework: 'onnx' });

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-onnx-runtime-'));
  const r = spawnSync(PYTHON, ['-W', 'ignore', '-c', SCRIPT, path.resolve(HERE, '../../examples/churn'), tmp], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.status !== 0) throw new Error(`${PYTHON} could not build the test models (it needs numpy, onnx and mlflow):\n${r.stderr || r.error?.message}`);
  expected = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Expected;
  churn = await onnxRuntime.load(spec('churn'));
  counts = await onnxRuntime.load(spec('counts'));
}, 120_000);

afterAll(async () => {
  await churn?.close();
  await counts?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ModelInputError);
    return (e as Error).message;
  }
  throw new Error('expected a ModelInputError');
}

describe('onnxRuntime.accepts', () => {
  it('takes a model directory whose MLmodel has an onnx flavor and whose file is there', async () => {
    expect(await onnxRuntime.accepts(spec('churn'))).toEqual({ ok: true });
  });

  it('says why it refuses anything else', async () => {
    const dir = (name: string, mlmodel?: string) => {
      const d = path.join(tmp, name);
      mkdirSync(d, { recursive: true });
      if (mlmodel !== undefined) writeFileSync(path.join(d, 'MLmodel'), mlmodel);
      return { versionId: 'mv_x', modelDir: d, framework: null };
    };
    expect(await onnxRuntime.accepts(dir('empty'))).toEqual({ ok: false, reason: 'the model has no MLmodel file' });
    expect(await onnxRuntime.accepts(dir('sklearn', 'flavors:\n  sklearn:\n    pickled_model: model.pkl\n'))).toEqual({ ok: false, reason: 'the MLmodel file has no onnx flavor' });
    expect(await onnxRuntime.accepts(dir('nofile', 'flavors:\n  onnx:\n    data: model.onnx\n'))).toEqual({ ok: false, reason: 'the onnx model file model.onnx is missing' });
    expect(await onnxRuntime.accepts(dir('escape', 'flavors:\n  onnx:\n    data: ../churn/model.onnx\n'))).toEqual({ ok: false, reason: "the onnx model file ../churn/model.onnx lies outside the model's directory" });
    expect(await onnxRuntime.accepts(dir('junk', ': : :\n\t- ['))).toEqual({ ok: false, reason: 'the MLmodel file is not YAML' });
    await expect(onnxRuntime.load(dir('sklearn'))).rejects.toThrow('Model version mv_x cannot be served with ONNX Runtime: the MLmodel file has no onnx flavor');
  });
});

describe('the churn model', () => {
  it('describes its inputs and outputs from the session, dynamic batch as -1', () => {
    expect(churn.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, 10] }]);
    expect(churn.outputs).toEqual([
      { name: 'probability', datatype: 'FP32', shape: [-1] },
      { name: 'label', datatype: 'INT64', shape: [-1] },
    ]);
  });

  it('predicts what numpy computes', async () => {
    const X = expected.churn.X;
    const out = await churn.infer({ inputs: [{ name: 'features', datatype: 'FP32', shape: [X.length, 10], data: X.flat() }] });
    expect(out.map((t) => [t.name, t.datatype, t.shape])).toEqual([
      ['probability', 'FP32', [4]],
      ['label', 'INT64', [4]],
    ]);
    out[0]?.data.forEach((p, i) => expect(p).toBeCloseTo(expected.churn.probability[i] ?? NaN, 5));
    expect(out[1]?.data).toEqual(expected.churn.label);
  });

  it('gives only the outputs asked for', async () => {
    const X = expected.churn.X.slice(0, 1);
    const out = await churn.infer({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: X.flat() }], outputs: ['label'] });
    expect(out.map((t) => t.name)).toEqual(['label']);
  });

  it.each([
    [{ inputs: [] }, "input 'features' is missing; the model takes FP32 [-1, 10]"],
    [{ inputs: [{ name: 'feature', datatype: 'FP32', shape: [1, 10], data: new Array(10).fill(0) }] }, "input 'feature' is not one of the model's inputs (features)"],
    [{ inputs: [{ name: 'features', datatype: 'FP64', shape: [1, 10], data: new Array(10).fill(0) }] }, "input 'features' is FP64; the model takes FP32"],
    [{ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 9], data: new Array(9).fill(0) }] }, "input 'features' has shape [1, 9]; the model takes [-1, 10]"],
    [{ inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 10], data: new Array(10).fill(0) }] }, "input 'features': shape [2, 10] holds 20 elements but data has 10"],
    [{ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: new Array(10).fill('a') }] }, "input 'features': FP32 values are numbers"],
    [{ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: new Array(10).fill(0) }], outputs: ['score'] }, "output 'score' is not one of the model's outputs (probability, label)"],
  ] as const)('refuses %j: %s', async (input, message) => {
    expect(await refusal(churn.infer(input as never))).toBe(message);
  });
});

describe('a model with INT64 and BOOL inputs and outputs', () => {
  it('maps them both ways', async () => {
    expect(counts.inputs).toEqual([
      { name: 'counts', datatype: 'INT64', shape: [-1, 2] },
      { name: 'flags', datatype: 'BOOL', shape: [-1] },
    ]);
    const e = expected.counts;
    const out = await counts.infer({
      inputs: [
        { name: 'counts', datatype: 'INT64', shape: [3, 2], data: e.counts.flat() },
        { name: 'flags', datatype: 'BOOL', shape: [3], data: e.flags },
      ],
    });
    expect(out).toEqual([
      { name: 'total', datatype: 'INT64', shape: [3], data: e.total },
      { name: 'alert', datatype: 'BOOL', shape: [3], data: e.alert },
      { name: 'scaled', datatype: 'INT64', shape: [3, 2], data: e.scaled },
    ]);
  });

  it('refuses non-integers and an INT64 output JSON cannot carry exactly', async () => {
    const flags = { name: 'flags', datatype: 'BOOL' as const, shape: [1], data: [true] };
    expect(await refusal(counts.infer({ inputs: [{ name: 'counts', datatype: 'INT64', shape: [1, 2], data: [1.5, 2] }, flags] }))).toBe("input 'counts': INT64 values are integers");
    expect(await refusal(counts.infer({ inputs: [{ name: 'counts', datatype: 'INT64', shape: [1, 2], data: [1, 2] }, { ...flags, data: [1] }] }))).toBe("input 'flags': BOOL values are true or false");
    expect(await refusal(counts.infer({ inputs: [{ name: 'counts', datatype: 'INT64', shape: [1, 2], data: [2 ** 20, 1] }, flags] }))).toBe(
      "output 'scaled' element 0 is 1152921504606846976, beyond the integers JSON numbers carry exactly (±2^53)",
    );
  });

  it('is not ready once closed, and closing twice is harmless', async () => {
    const again = await onnxRuntime.load(spec('counts'));
    expect(await again.ready()).toBe(true);
    await again.close();
    await again.close();
    expect(await again.ready()).toBe(false);
  });
});
