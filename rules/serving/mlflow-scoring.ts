/**
 * MLflow's scoring-server shapes (`POST /invocations`, what `mlflow models serve` answers), so
 * MLflow-style clients reach a deployment: a JSON body with exactly one of `dataframe_split`,
 * `dataframe_records`, `instances` or `inputs`, and optional `params`; the answer is
 * `{"predictions": ...}`. Requests become OIP tensors for the version's inputs, so the same signature
 * check and runtimes serve both protocols.
 */
import { DEFAULT_OIP_LIMITS, flattenData, OipError, type OipLimits } from './oip';
import { elementCount, type InferInput, type OipDatatype, type Tensor, type TensorMeta, type TensorValue, valueProblem } from './tensors';

export const MLFLOW_INPUT_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
export type MlflowInputKey = (typeof MLFLOW_INPUT_KEYS)[number];

/** The name an unnamed single input gets when the version recorded no signature (as MLServer names it). */
export const DEFAULT_INPUT_NAME = 'input-0';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A frame: named columns, rows of values. */
interface Frame {
  columns: string[];
  rows: unknown[][];
}

function frameOfSplit(split: unknown): Frame {
  if (!isRecord(split)) throw new OipError(400, 'dataframe_split must be an object with columns and data');
  const { columns, data } = split;
  if (!Array.isArray(data) || !data.every(Array.isArray)) throw new OipError(400, 'dataframe_split.data must be an array of rows (arrays)');
  const rows = data as unknown[][];
  const width = rows[0]?.length ?? 0;
  let names: string[];
  if (columns === undefined) names = Array.from({ length: width }, (_, i) => String(i));
  else if (Array.isArray(columns) && columns.every((c) => typeof c === 'string' || typeof c === 'number')) names = columns.map(String);
  else throw new OipError(400, 'dataframe_split.columns must be an array of column names');
  if (new Set(names).size !== names.length) throw new OipError(400, 'dataframe_split.columns names a column twice');
  rows.forEach((row, i) => {
    if (row.length !== names.length) throw new OipError(400, `dataframe_split.data row ${i} has ${row.length} values for ${names.length} columns`);
  });
  return { columns: names, rows };
}

function frameOfRecords(records: unknown): Frame {
  if (!Array.isArray(records) || !records.every(isRecord)) throw new OipError(400, 'dataframe_records must be an array of objects (one per row)');
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      seen.add(k);
      columns.push(k);
    }
  }
  const rows = records.map((r, i) =>
    columns.map((c) => {
      if (!(c in r)) throw new OipError(400, `dataframe_records[${i}] has no '${c}'`);
      return r[c];
    }),
  );
  return { columns, rows };
}

/** A nested array's shape and row-major values; it must be rectangular. */
function tensorOf(name: string, nested: unknown, limits: OipLimits): { shape: number[]; flat: unknown[] } {
  if (!Array.isArray(nested)) return { shape: [], flat: [nested] };
  const flat = flattenData(name, nested, limits.maxRank);
  const shape: number[] = [];
  let level: unknown = nested;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  // An empty level hides the ones below it: [[], []] is [2, 0], nothing deeper.
  return { shape, flat };
}

/** The datatype values of unknown type take: what they all are, FP64 for numbers that are not all integers. */
function inferDatatype(values: readonly unknown[]): OipDatatype {
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'BOOL';
  if (values.length > 0 && values.every((v) => typeof v === 'string')) return 'BYTES';
  if (values.length > 0 && values.every((v) => Number.isSafeInteger(v))) return 'INT64';
  return 'FP64';
}

function makeTensor(name: string, shape: number[], flat: unknown[], meta: TensorMeta | undefined, where: string, limits: OipLimits): Tensor {
  const datatype = meta?.datatype ?? inferDatatype(flat);
  for (let i = 0; i < flat.length; i++) {
    const problem = valueProblem(datatype, flat[i]);
    if (problem !== null) throw new OipError(400, `${where}: value ${i} is ${JSON.stringify(flat[i]) ?? String(flat[i])}; '${name}' takes ${datatype}: ${problem}`);
    if (datatype === 'BYTES' && (flat[i] as string).length > limits.maxBytesLength) throw new OipError(413, `${where}: value ${i} is longer than ${limits.maxBytesLength} characters`);
  }
  return { name, datatype, shape, data: flat as TensorValue[] };
}

function checkSize(tensors: readonly { shape: number[] }[], limits: OipLimits): void {
  const total = tensors.reduce((n, t) => n + elementCount(t.shape), 0);
  if (total > limits.maxElements) throw new OipError(413, `The request holds more than ${limits.maxElements} elements`);
}

/**
 * A frame as tensors. A model with one input of rank 2 or more (the churn model's `features [-1, 10]`)
 * takes the whole frame as that tensor, columns in the order sent. Otherwise each column is a 1-D
 * tensor named after it, the way column signatures read (see `mlflowSchemaToTensors`).
 */
function frameToTensors(frame: Frame, metas: readonly TensorMeta[], key: MlflowInputKey, limits: OipLimits): Tensor[] {
  const single = metas.length === 1 && (metas[0]?.shape.length ?? 0) >= 2 ? metas[0] : undefined;
  checkSize([{ shape: [frame.rows.length, frame.columns.length] }], limits);
  if (single) {
    const flat: unknown[] = [];
    for (const row of frame.rows) for (const v of row) flat.push(v);
    return [makeTensor(single.name, [frame.rows.length, frame.columns.length], flat, single, key, limits)];
  }
  const byName = new Map(metas.map((m) => [m.name, m]));
  return frame.columns.map((c, j) =>
    makeTensor(
      c,
      [frame.rows.length],
      frame.rows.map((r) => r[j]),
      byName.get(c),
      `${key} column '${c}'`,
      limits,
    ),
  );
}

function namedToTensors(named: Record<string, unknown>, metas: readonly TensorMeta[], key: MlflowInputKey, limits: OipLimits): Tensor[] {
  const byName = new Map(metas.map((m) => [m.name, m]));
  const parts = Object.entries(named).map(([name, value]) => ({ name, ...tensorOf(name, value, limits) }));
  checkSize(parts, limits);
  return parts.map((p) => makeTensor(p.name, p.shape, p.flat, byName.get(p.name), `${key}.${p.name}`, limits));
}

function singleToTensor(nested: unknown[], metas: readonly TensorMeta[], key: MlflowInputKey, limits: OipLimits): Tensor[] {
  if (metas.length > 1) {
    throw new OipError(400, `The model takes several inputs (${metas.map((m) => m.name).join(', ')}); send ${key} as an object of named arrays, or a dataframe`);
  }
  const meta = metas[0];
  const name = meta?.name ?? DEFAULT_INPUT_NAME;
  const t = tensorOf(name, nested, limits);
  checkSize([t], limits);
  // A column-signature model's single column takes a flat list; [[1], [2]] is the same column sent as rows.
  if (meta && meta.shape.length === 1 && t.shape.length === 2 && t.shape[1] === 1) t.shape = [t.shape[0] ?? 0];
  return [makeTensor(name, t.shape, t.flat, meta, key, limits)];
}

/** `instances` as a list of objects (TF Serving's row format): each key's values stacked along a new first axis. */
function instancesOfObjects(instances: Record<string, unknown>[]): Record<string, unknown[]> {
  const keys = Object.keys(instances[0] ?? {});
  instances.forEach((inst, i) => {
    const ks = Object.keys(inst);
    if (ks.length !== keys.length || !keys.every((k) => k in inst)) throw new OipError(400, `instances[${i}] has keys ${ks.join(', ')}; instances[0] has ${keys.join(', ')}`);
  });
  return Object.fromEntries(keys.map((k) => [k, instances.map((inst) => inst[k])]));
}

/**
 * An `/invocations` body (already JSON-parsed) as an `InferInput` for a version with these inputs
 * (its signature as tensors; empty when it recorded none). `params` become the request's parameters.
 * The result still goes through `checkAgainstSignature`, which names missing and unknown inputs.
 */
export function parseMlflowScoringRequest(body: unknown, inputs: readonly TensorMeta[] | null, limits: OipLimits = DEFAULT_OIP_LIMITS): InferInput {
  if (!isRecord(body)) throw new OipError(400, `The request body must be a JSON object with one of ${MLFLOW_INPUT_KEYS.join(', ')}`);
  const present = MLFLOW_INPUT_KEYS.filter((k) => k in body);
  if (present.length !== 1) {
    throw new OipError(400, present.length === 0 ? `The request body must have one of ${MLFLOW_INPUT_KEYS.join(', ')}` : `The request body has ${present.join(' and ')}; send only one`);
  }
  const extra = Object.keys(body).filter((k) => k !== present[0] && k !== 'params');
  if (extra.length > 0) throw new OipError(400, `The request body has unknown key${extra.length > 1 ? 's' : ''} ${extra.join(', ')}; it takes ${MLFLOW_INPUT_KEYS.join(', ')} and params`);
  if (body.params !== undefined && !isRecord(body.params)) throw new OipError(400, 'params must be an object');
  const key = present[0] as MlflowInputKey;
  const value = body[key];
  const metas = inputs ?? [];
  let tensors: Tensor[];
  if (key === 'dataframe_split') tensors = frameToTensors(frameOfSplit(value), metas, key, limits);
  else if (key === 'dataframe_records') tensors = frameToTensors(frameOfRecords(value), metas, key, limits);
  else if (key === 'instances') {
    if (!Array.isArray(value)) throw new OipError(400, 'instances must be an array');
    if (value.length > 0 && value.every(isRecord)) tensors = namedToTensors(instancesOfObjects(value), metas, key, limits);
    else if (value.some(isRecord)) throw new OipError(400, 'instances mixes objects and values');
    else tensors = singleToTensor(value, metas, key, limits);
  } else {
    if (isRecord(value)) tensors = namedToTensors(value, metas, key, limits);
    else if (Array.isArray(value)) tensors = singleToTensor(value, metas, key, limits);
    else throw new OipError(400, 'inputs must be an array or an object of named arrays');
  }
  if (tensors.length === 0) throw new OipError(400, `${key} holds no data`);
  if (tensors.length > limits.maxInputs) throw new OipError(413, `The request has ${tensors.length} inputs; at most ${limits.maxInputs} are accepted`);
  const result: InferInput = { inputs: tensors };
  if (isRecord(body.params)) result.parameters = body.params;
  return result;
}

/** Row-major values back into nested arrays of this shape (a scalar shape gives the one value). */
export function nest(data: readonly TensorValue[], shape: readonly number[]): unknown {
  if (shape.length === 0) return data[0];
  const build = (offset: number, dim: number): unknown[] => {
    const size = shape[dim] ?? 0;
    if (dim === shape.length - 1) return data.slice(offset, offset + size);
    const stride = elementCount(shape.slice(dim + 1));
    return Array.from({ length: size }, (_, i) => build(offset + i * stride, dim + 1));
  };
  return build(0, 0);
}

/**
 * MLflow's answer: `{"predictions": [...]}` for a model with one output, as nested lists;
 * `{"predictions": {name: [...]}}` for several, as MLflow answers a model that returns a dict of arrays.
 */
export function formatMlflowPredictions(outputs: readonly Tensor[]): { predictions: unknown } {
  const [only] = outputs;
  if (outputs.length === 1 && only) return { predictions: nest(only.data, only.shape) };
  return { predictions: Object.fromEntries(outputs.map((t) => [t.name, nest(t.data, t.shape)])) };
}
