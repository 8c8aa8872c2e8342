import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parse } from 'yaml';
import { shapeFits } from '../../rules/serving/oip';
import { elementCount, formatShape } from '../../rules/serving/tensors';
import {
  type InferInput,
  type LoadedModel,
  type LoadSpec,
  ModelInputError,
  type ModelRuntime,
  type OipDatatype,
  type Tensor,
  type TensorMeta,
} from './model-runtime';

/**
 * ONNX models in the gateway's own process: one onnxruntime-node session per version, kept warm
 * until the version leaves. The model file is the one the MLmodel's `onnx` flavor names.
 */

const ORT_TO_OIP: Partial<Record<ort.Tensor.Type, OipDatatype>> = {
  bool: 'BOOL',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

/** The MLmodel's `onnx` flavor's model file, or why there is none. */
async function onnxFileOf(modelDir: string): Promise<{ ok: true; file: string } | { ok: false; reason: string }> {
  let text: string;
  try {
    text = await readFile(path.join(modelDir, 'MLmodel'), 'utf8');
  } catch {
    return { ok: false, reason: 'the model has no MLmodel file' };
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return { ok: false, reason: 'the MLmodel file is not YAML' };
  }
  const flavors = (doc as { flavors?: Record<string, unknown> } | null)?.flavors;
  const onnx = flavors && typeof flavors === 'object' ? (flavors as Record<string, unknown>).onnx : undefined;
  if (!onnx || typeof onnx !== 'object') return { ok: false, reason: 'the MLmodel file has no onnx flavor' };
  const data = (onnx as { data?: unknown }).data;
  if (typeof data !== 'string' || data === '') return { ok: false, reason: "the MLmodel's onnx flavor names no model file" };
  const file = path.resolve(modelDir, data);
  // The MLmodel comes from the tenant: its file name must not lead outside the model's directory.
  if (path.relative(path.resolve(modelDir), file).startsWith('..')) return { ok: false, reason: `the onnx model file ${data} lies outside the model's directory` };
  try {
    await access(file);
  } catch {
    return { ok: false, reason: `the onnx model file ${data} is missing` };
  }
  return { ok: true, file };
}

function metaOf(values: readonly ort.InferenceSession.ValueMetadata[], side: 'input' | 'output'): TensorMeta[] {
  return values.map((v) => {
    if (!v.isTensor) throw new Error(`the model's ${side} '${v.name}' is not a tensor (sequences and maps are not served)`);
    const datatype = ORT_TO_OIP[v.type];
    if (!datatype) throw new Error(`the model's ${side} '${v.name}' has type ${v.type}, which the Open Inference Protocol cannot carry`);
    // Symbolic dimensions ('batch') and unknown ones are any size.
    return { name: v.name, datatype, shape: v.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
  });
}

function toOrtTensor(t: Tensor, meta: TensorMeta): ort.Tensor {
  const where = `input '${t.name}'`;
  if (t.datatype !== meta.datatype) throw new ModelInputError(`${where} is ${t.datatype}; the model takes ${meta.datatype}`);
  if (!shapeFits(t.shape, meta.shape)) throw new ModelInputError(`${where} has shape ${formatShape(t.shape)}; the model takes ${formatShape(meta.shape)}`);
  const count = elementCount(t.shape);
  if (t.data.length !== count) throw new ModelInputError(`${where}: shape ${formatShape(t.shape)} holds ${count} elements but data has ${t.data.length}`);
  const dims = t.shape;
  const numbers = () => {
    if (!t.data.every((v) => typeof v === 'number')) throw new ModelInputError(`${where}: ${t.datatype} values are numbers`);
    return t.data as number[];
  };
  const integers = () => {
    const xs = numbers();
    if (!xs.every(Number.isSafeInteger)) throw new ModelInputError(`${where}: ${t.datatype} values are integers`);
    return xs;
  };
  switch (t.datatype) {
    case 'FP32':
      return new ort.Tensor('float32', Float32Array.from(numbers()), dims);
    case 'FP64':
      return new ort.Tensor('float64', Float64Array.from(numbers()), dims);
    case 'INT8':
      return new ort.Tensor('int8', Int8Array.from(integers()), dims);
    case 'INT16':
      return new ort.Tensor('int16', Int16Array.from(integers()), dims);
    case 'INT32':
      return new ort.Tensor('int32', Int32Array.from(integers()), dims);
    case 'INT64':
      return new ort.Tensor('int64', BigInt64Array.from(integers(), (v) => BigInt(v)), dims);
    case 'UINT8':
      return new ort.Tensor('uint8', Uint8Array.from(integers()), dims);
    case 'UINT16':
      return new ort.Tensor('uint16', Uint16Array.from(integers()), dims);
    case 'UINT32':
      return new ort.Tensor('uint32', Uint32Array.from(integers()), dims);
    case 'UINT64':
      return new ort.Tensor('uint64', BigUint64Array.from(integers(), (v) => BigInt(v)), dims);
    case 'BOOL':
      if (!t.data.every((v) => typeof v === 'boolean')) throw new ModelInputError(`${where}: BOOL values are true or false`);
      return new ort.Tensor('bool', Uint8Array.from(t.data as boolean[], (v) => (v ? 1 : 0)), dims);
    case 'BYTES':
      if (!t.data.every((v) => typeof v === 'string')) throw new ModelInputError(`${where}: BYTES values are strings`);
      return new ort.Tensor('string', t.data as string[], dims);
    case 'FP16':
      throw new ModelInputError(`${where} is FP16, which JSON requests cannot carry to this model`);
  }
}

function fromOrtTensor(name: string, value: ort.OnnxValue): Tensor {
  const t = value as ort.Tensor;
  const datatype = ORT_TO_OIP[t.type];
  if (!datatype || datatype === 'FP16') throw new Error(`the model's output '${name}' has type ${t.type}, which the Open Inference Protocol cannot carry as JSON`);
  const shape = [...t.dims];
  let data: Tensor['data'];
  if (t.type === 'bool') data = Array.from(t.data as Uint8Array, (v) => v !== 0);
  else if (t.type === 'string') data = [...(t.data as string[])];
  else if (t.type === 'int64' || t.type === 'uint64') {
    data = Array.from(t.data as BigInt64Array | BigUint64Array, (v, i) => {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        // The value depends on the request; JSON numbers carry integers exactly only up to 2^53.
        throw new ModelInputError(`output '${name}' element ${i} is ${v}, beyond the integers JSON numbers carry exactly (±2^53)`);
      }
      return Number(v);
    });
  } else data = Array.from(t.data as Float32Array);
  return { name, datatype, shape, data };
}

class OnnxModel implements LoadedModel {
  readonly inputs: TensorMeta[];
  readonly outputs: TensorMeta[];
  private session: ort.InferenceSession | null;

  constructor(session: ort.InferenceSession) {
    this.session = session;
    this.inputs = metaOf(session.inputMetadata, 'input');
    this.outputs = metaOf(session.outputMetadata, 'output');
  }

  async infer(input: InferInput, opts: { signal?: AbortSignal } = {}): Promise<Tensor[]> {
    const session = this.session;
    if (!session) throw new Error('the model was closed');
    const byName = new Map(input.inputs.map((t) => [t.name, t]));
    const known = new Set(this.inputs.map((m) => m.name));
    const unknown = input.inputs.find((t) => !known.has(t.name));
    if (unknown) throw new ModelInputError(`input '${unknown.name}' is not one of the model's inputs (${[...known].join(', ')})`);
    const feeds: Record<string, ort.Tensor> = {};
    for (const meta of this.inputs) {
      const t = byName.get(meta.name);
      if (!t) throw new ModelInputError(`input '${meta.name}' is missing; the model takes ${meta.datatype} ${formatShape(meta.shape)}`);
      feeds[meta.name] = toOrtTensor(t, meta);
    }
    const wanted = input.outputs && input.outputs.length > 0 ? input.outputs : this.outputs.map((o) => o.name);
    const outputNames = new Set(this.outputs.map((o) => o.name));
    const missing = wanted.find((n) => !outputNames.has(n));
    if (missing !== undefined) throw new ModelInputError(`output '${missing}' is not one of the model's outputs (${[...outputNames].join(', ')})`);
    opts.signal?.throwIfAborted();
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run(feeds, wanted);
    } catch (e) {
      // Shapes the graph cannot combine (a wrong fixed dimension deep inside) are the request's fault.
      throw new ModelInputError(`the model could not run on this input: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const t of Object.values(feeds)) t.dispose();
    }
    return wanted.map((n) => {
      const value = results[n];
      if (!value) throw new Error(`the model gave no output '${n}'`);
      return fromOrtTensor(n, value);
    });
  }

  async ready(): Promise<boolean> {
    return this.session !== null;
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.release();
  }
}

export const onnxRuntime: ModelRuntime = {
  kind: 'onnx',
  async accepts(spec: LoadSpec) {
    const found = await onnxFileOf(spec.modelDir);
    return found.ok ? { ok: true } : found;
  },
  async load(spec: LoadSpec): Promise<LoadedModel> {
    const found = await onnxFileOf(spec.modelDir);
    if (!found.ok) throw new Error(`Model version ${spec.versionId} cannot be served with ONNX Runtime: ${found.reason}`);
    const session = await ort.InferenceSession.create(found.file);
    try {
      return new OnnxModel(session);
    } catch (e) {
      await session.release();
      throw e;
    }
  },
};
