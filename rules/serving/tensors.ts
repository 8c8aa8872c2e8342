/**
 * The Open Inference Protocol's tensors, shared by the gateway's protocol code (pure, here) and the
 * model runtimes (core/serving): a name, a datatype, a shape and the values flattened in row-major order.
 */

export const OIP_DATATYPES = ['BOOL', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

export interface Tensor {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  /** Row-major values: numbers for numeric types, booleans for BOOL, strings for BYTES. */
  data: (number | boolean | string)[];
  parameters?: Record<string, unknown>;
}

/** A tensor a model takes or gives; -1 in `shape` is a dimension of any size. */
export interface TensorMeta {
  name: string;
  datatype: OipDatatype;
  shape: number[];
}

export interface InferInput {
  /** The caller's request ID, echoed back. */
  id?: string;
  inputs: Tensor[];
  /** Names of the outputs wanted; all when absent. */
  outputs?: string[];
  parameters?: Record<string, unknown>;
}

export type TensorValue = Tensor['data'][number];

/** Integer ranges per datatype; INT64/UINT64 stop at 2^53 - 1, the largest integer JSON numbers carry exactly. */
const INTEGER_RANGES: Partial<Record<OipDatatype, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/** Why `value` cannot be an element of a `datatype` tensor, or null when it can. */
export function valueProblem(datatype: OipDatatype, value: unknown): string | null {
  if (datatype === 'BOOL') return typeof value === 'boolean' ? null : 'BOOL values are true or false';
  if (datatype === 'BYTES') return typeof value === 'string' ? null : 'BYTES values are strings';
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${datatype} values are numbers`;
  const range = INTEGER_RANGES[datatype];
  if (range === undefined) return null;
  if (!Number.isInteger(value)) return `${datatype} values are integers`;
  if (value < range[0] || value > range[1]) return `${datatype} values lie in [${range[0]}, ${range[1]}]`;
  return null;
}

/** The number of elements a tensor of this shape holds. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
export const describeTensor = (t: TensorMeta) => `${t.name} (${t.datatype} ${formatShape(t.shape)})`;
