/**
 * The Open Inference Protocol v2 over HTTP/JSON (as KServe, Triton and MLServer speak it): infer
 * requests parsed into tensors and checked against a model version's signature, infer and metadata
 * responses, and MLflow signatures read as tensor metadata. Pure: the gateway does the I/O and turns
 * an `OipError` into `{"error": message}` with its status.
 */
import { z } from 'zod';
import {
  describeTensor,
  elementCount,
  formatShape,
  type InferInput,
  OIP_DATATYPES,
  type OipDatatype,
  type Tensor,
  type TensorMeta,
  type TensorValue,
  valueProblem,
} from './tensors';

/** A request the protocol refuses; `status` is the HTTP status the gateway answers with. */
export class OipError extends Error {
  override readonly name = 'OipError';
  constructor(
    readonly status: 400 | 404 | 413 | 422,
    message: string,
  ) {
    super(message);
  }
}

export interface OipLimits {
  /** Elements over all input tensors of one request. */
  maxElements: number;
  maxInputs: number;
  maxRank: number;
  /** Characters in one BYTES element. */
  maxBytesLength: number;
}

export const DEFAULT_OIP_LIMITS: OipLimits = { maxElements: 1_000_000, maxInputs: 64, maxRank: 8, maxBytesLength: 65_536 };

const NAME_MAX = 256;
const name = (what: string) =>
  z
    .string({ message: `${what} name must be a string` })
    .min(1, `${what} name must not be empty`)
    .max(NAME_MAX, `${what} name is longer than ${NAME_MAX} characters`);
const parameters = z.record(z.string(), z.unknown(), { message: 'parameters must be an object' });

// The envelope only; `data` is walked by hand below, as zod over a million numbers costs milliseconds.
const requestInputSchema = z.object({
  name: name('Input'),
  shape: z.array(z.number().int('shape dimensions are integers').min(0, 'shape dimensions are not negative'), { message: 'shape must be an array of integers' }),
  datatype: z.enum(OIP_DATATYPES, { message: `datatype must be one of ${OIP_DATATYPES.join(', ')}` }),
  parameters: parameters.optional(),
  data: z.unknown(),
});

export const inferRequestSchema = z.object({
  id: z.string({ message: 'id must be a string' }).max(NAME_MAX, `id is longer than ${NAME_MAX} characters`).optional(),
  parameters: parameters.optional(),
  inputs: z.array(requestInputSchema, { message: 'inputs must be an array of tensors' }).min(1, 'inputs must name at least one tensor'),
  outputs: z.array(z.object({ name: name('Output'), parameters: parameters.optional() }, { message: 'outputs must be an array of {name}' }), { message: 'outputs must be an array of {name}' }).optional(),
});

function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not an infer request';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const missing = issue.code === 'invalid_type' && issue.message.includes('received undefined');
  return missing ? `${issue.path.join('.')} is required` : `${where}${issue.message}`;
}

/**
 * A tensor's `data`, flat or nested in row-major order (the spec allows both), as a flat list.
 * Nested data must be rectangular: each level's arrays have the same length.
 */
export function flattenData(tensorName: string, data: unknown, maxRank = DEFAULT_OIP_LIMITS.maxRank): unknown[] {
  if (!Array.isArray(data)) throw new OipError(400, `input '${tensorName}': data must be an array`);
  let level: unknown[] = data;
  for (let depth = 1; ; depth++) {
    const arrays = level.filter(Array.isArray);
    if (arrays.length === 0) return level;
    if (arrays.length !== level.length) throw new OipError(400, `input '${tensorName}': data mixes arrays and values at depth ${depth}`);
    if (depth >= maxRank) throw new OipError(400, `input '${tensorName}': data is nested deeper than ${maxRank} levels`);
    const width = (arrays[0] as unknown[]).length;
    if (arrays.some((a) => (a as unknown[]).length !== width)) throw new OipError(400, `input '${tensorName}': nested data is ragged (rows of different lengths at depth ${depth + 1})`);
    level = (arrays as unknown[][]).flat();
  }
}

/** Checks each element against the datatype; the first bad element is named with its flat index. */
function checkValues(tensorName: string, datatype: OipDatatype, values: unknown[], limits: OipLimits): TensorValue[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const problem = valueProblem(datatype, v);
    if (problem !== null) throw new OipError(400, `input '${tensorName}': element ${i} is ${JSON.stringify(v) ?? String(v)}; ${problem}`);
    if (datatype === 'BYTES' && (v as string).length > limits.maxBytesLength) {
      throw new OipError(413, `input '${tensorName}': element ${i} is longer than ${limits.maxBytesLength} characters`);
    }
  }
  return values as TensorValue[];
}

/** An infer request body (already JSON-parsed) as an `InferInput`; an `OipError` when it is not one. */
export function parseInferRequest(body: unknown, limits: OipLimits = DEFAULT_OIP_LIMITS): InferInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new OipError(400, 'The request body must be a JSON object with inputs');
  const parsed = inferRequestSchema.safeParse(body);
  if (!parsed.success) throw new OipError(400, zodMessage(parsed.error));
  const req = parsed.data;
  if (req.inputs.length > limits.maxInputs) throw new OipError(413, `The request has ${req.inputs.length} inputs; at most ${limits.maxInputs} are accepted`);
  const seen = new Set<string>();
  let total = 0;
  const inputs: Tensor[] = req.inputs.map((input) => {
    if (seen.has(input.name)) throw new OipError(400, `input '${input.name}' appears twice`);
    seen.add(input.name);
    if (input.shape.length > limits.maxRank) throw new OipError(400, `input '${input.name}': shape ${formatShape(input.shape)} has more than ${limits.maxRank} dimensions`);
    const count = elementCount(input.shape);
    total += count;
    if (total > limits.maxElements) throw new OipError(413, `The request holds more than ${limits.maxElements} elements`);
    const flat = flattenData(input.name, input.data, limits.maxRank);
    if (flat.length !== count) {
      throw new OipError(400, `input '${input.name}': shape ${formatShape(input.shape)} holds ${count} elements but data has ${flat.length}`);
    }
    const tensor: Tensor = { name: input.name, datatype: input.datatype, shape: input.shape, data: checkValues(input.name, input.datatype, flat, limits) };
    if (input.parameters) tensor.parameters = input.parameters;
    return tensor;
  });
  const result: InferInput = { inputs };
  if (req.id !== undefined) result.id = req.id;
  if (req.parameters) result.parameters = req.parameters;
  if (req.outputs) result.outputs = req.outputs.map((o) => o.name);
  return result;
}

/** Whether a shape fits an expected one: same rank, and each fixed dimension equal (-1 takes any size). */
export function shapeFits(shape: readonly number[], expected: readonly number[]): boolean {
  return shape.length === expected.length && shape.every((d, i) => expected[i] === -1 || expected[i] === d);
}

/**
 * Checks a request against a model version's inputs and outputs (its signature). Nothing is checked
 * when the version recorded no signature (`expected` null or empty): the runtime still refuses what
 * its model cannot take.
 */
export function checkAgainstSignature(input: InferInput, expected: { inputs: readonly TensorMeta[] | null; outputs?: readonly TensorMeta[] | null }): void {
  const metas = expected.inputs ?? [];
  if (metas.length > 0) {
    const byName = new Map(metas.map((m) => [m.name, m]));
    const names = metas.map((m) => m.name).join(', ');
    for (const t of input.inputs) {
      const meta = byName.get(t.name);
      if (!meta) throw new OipError(400, `input '${t.name}' is not one of the model's inputs (${names})`);
      if (t.datatype !== meta.datatype) throw new OipError(400, `input '${t.name}' is ${t.datatype}; the model takes ${describeTensor(meta)}`);
      if (!shapeFits(t.shape, meta.shape)) throw new OipError(400, `input '${t.name}' has shape ${formatShape(t.shape)}; the model takes ${describeTensor(meta)}`);
    }
    const given = new Set(input.inputs.map((t) => t.name));
    const missing = metas.filter((m) => !given.has(m.name));
    if (missing.length > 0) throw new OipError(400, `missing input${missing.length > 1 ? 's' : ''}: the model takes ${missing.map(describeTensor).join(', ')}`);
  }
  const outs = expected.outputs ?? [];
  if (input.outputs && outs.length > 0) {
    const known = new Set(outs.map((o) => o.name));
    const unknown = input.outputs.find((o) => !known.has(o));
    if (unknown !== undefined) throw new OipError(400, `output '${unknown}' is not one of the model's outputs (${outs.map((o) => o.name).join(', ')})`);
  }
}

/** The outputs a request asked for, in the order it asked; all of them when it named none. */
export function selectOutputs(outputs: readonly Tensor[], requested: readonly string[] | undefined): Tensor[] {
  if (!requested || requested.length === 0) return [...outputs];
  return requested.map((n) => {
    const t = outputs.find((o) => o.name === n);
    if (!t) throw new OipError(400, `output '${n}' is not one of the model's outputs (${outputs.map((o) => o.name).join(', ')})`);
    return t;
  });
}

export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: { name: string; shape: number[]; datatype: OipDatatype; parameters?: Record<string, unknown>; data: TensorValue[] }[];
}

export function formatInferResponse(r: { modelName: string; modelVersion: string | number; id?: string; parameters?: Record<string, unknown>; outputs: readonly Tensor[] }): InferResponse {
  const res: InferResponse = {
    model_name: r.modelName,
    model_version: String(r.modelVersion),
    outputs: r.outputs.map((t) => ({ name: t.name, shape: t.shape, datatype: t.datatype, ...(t.parameters ? { parameters: t.parameters } : {}), data: t.data })),
  };
  if (r.id !== undefined) res.id = r.id;
  if (r.parameters) res.parameters = r.parameters;
  return res;
}

export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMeta[];
  outputs: TensorMeta[];
}

/** `GET /v2/models/{name}[/versions/{v}]`: inputs and outputs as recorded; `platform` names the runtime (`onnxruntime_onnx`, `mlflow`). */
export function formatModelMetadata(m: { name: string; versions: readonly (string | number)[]; platform: string; inputs: readonly TensorMeta[] | null; outputs: readonly TensorMeta[] | null }): ModelMetadataResponse {
  const copy = (ts: readonly TensorMeta[] | null) => (ts ?? []).map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] }));
  return { name: m.name, versions: m.versions.map(String), platform: m.platform, inputs: copy(m.inputs), outputs: copy(m.outputs) };
}

// MLflow signatures, as the MLmodel file stores them: `inputs` and `outputs` are JSON strings.

const MLFLOW_TENSOR_DTYPES: Record<string, OipDatatype> = {
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
  str: 'BYTES',
  object: 'BYTES',
  bytes: 'BYTES',
};

// Column types as MLServer's MLflow runtime maps them (datetimes travel as strings).
const MLFLOW_COLUMN_TYPES: Record<string, OipDatatype> = {
  boolean: 'BOOL',
  integer: 'INT32',
  long: 'INT64',
  float: 'FP32',
  double: 'FP64',
  string: 'BYTES',
  binary: 'BYTES',
  datetime: 'BYTES',
};

const tensorSpecSchema = z.object({
  type: z.literal('tensor'),
  name: z.string().optional(),
  'tensor-spec': z.object({ dtype: z.string(), shape: z.array(z.number().int()) }),
});
const colSpecSchema = z.object({ type: z.string(), name: z.string().optional(), required: z.boolean().optional() });
const specListSchema = z.array(z.union([tensorSpecSchema, colSpecSchema]));

/**
 * One side of an MLflow signature as tensor metadata. Tensor specs map one to one (numpy dtypes to
 * OIP datatypes, -1 kept). Column specs become one 1-D tensor `[-1]` per column, named after the
 * column, as MLServer's MLflow runtime describes them: a column is one feature over the batch, so an
 * OIP client sends each column as its own input and the MLflow scoring shapes map frame columns onto
 * them by name. Unnamed specs are `<prefix>-<i>` (MLServer's `input-0`, `output-0`).
 */
export function mlflowSchemaToTensors(json: unknown, prefix: 'input' | 'output'): TensorMeta[] {
  if (json === null || json === undefined || json === '') return [];
  if (typeof json !== 'string') throw new OipError(422, `The model's ${prefix} signature is not JSON`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new OipError(422, `The model's ${prefix} signature is not JSON`);
  }
  const specs = specListSchema.safeParse(raw);
  if (!specs.success) throw new OipError(422, `The model's ${prefix} signature is not a list of MLflow column or tensor specs`);
  return specs.data.map((spec, i) => {
    const specName = spec.name ?? `${prefix}-${i}`;
    if ('tensor-spec' in spec) {
      const datatype = MLFLOW_TENSOR_DTYPES[spec['tensor-spec'].dtype];
      if (!datatype) throw new OipError(422, `The model's ${prefix} '${specName}' has dtype ${spec['tensor-spec'].dtype}, which has no OIP datatype`);
      return { name: specName, datatype, shape: spec['tensor-spec'].shape };
    }
    const datatype = MLFLOW_COLUMN_TYPES[spec.type];
    if (!datatype) throw new OipError(422, `The model's ${prefix} column '${specName}' has type ${spec.type}, which has no OIP datatype`);
    return { name: specName, datatype, shape: [-1] };
  });
}

/** An MLflow signature (`{inputs, outputs}` JSON strings from the MLmodel file, as registration stores it) as tensor metadata. */
export function mlflowSignatureToTensors(signature: { inputs?: unknown; outputs?: unknown } | null | undefined): { inputs: TensorMeta[]; outputs: TensorMeta[] } {
  if (!signature) return { inputs: [], outputs: [] };
  return { inputs: mlflowSchemaToTensors(signature.inputs, 'input'), outputs: mlflowSchemaToTensors(signature.outputs, 'output') };
}
