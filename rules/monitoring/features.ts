/**
 * Which features a model sees, named the same way on both sides of a drift comparison: in sampled
 * requests (OIP tensors) and in the training data (a table's columns). Pure.
 *
 * A feature key is the input's name for a one-value-per-row input (`[n]` or `[n, 1]`), and
 * `name[i]` for column i of a 2-D input (`features[3]`), as the churn model's one FP32 `[n, 10]`
 * input is. A training table is matched to the model's inputs by column name when the names agree;
 * a 2-D input takes the table's numeric columns in order, the first `k` of them, leaving trailing
 * columns (the target, in the usual layout) and identifier columns out.
 */
import type { TensorMeta } from '../serving/tensors';
import type { FeatureValue } from './drift';

/** A tensor as the prediction log keeps it. */
export interface LoggedTensor {
  name: string;
  datatype?: string;
  shape: number[];
  data: unknown[];
}

export const columnKey = (input: string, i: number) => `${input}[${i}]`;

/** Values per feature key for the rows of one request's inputs. */
export function featureColumns(inputs: readonly LoggedTensor[]): Map<string, FeatureValue[]> {
  const out = new Map<string, FeatureValue[]>();
  for (const t of inputs) {
    if (!t || typeof t.name !== 'string' || !Array.isArray(t.shape) || !Array.isArray(t.data)) continue;
    const rows = t.shape[0] ?? t.data.length;
    const width = t.shape.length >= 2 ? t.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    if (rows * width !== t.data.length) continue;
    for (let c = 0; c < width; c++) {
      const key = width === 1 && t.shape.length <= 2 ? t.name : columnKey(t.name, c);
      const list = out.get(key) ?? [];
      for (let r = 0; r < rows; r++) list.push(t.data[r * width + c] as FeatureValue);
      out.set(key, list);
    }
  }
  return out;
}

/** Appends one request's columns to the running columns of a window. */
export function appendColumns(into: Map<string, FeatureValue[]>, from: Map<string, FeatureValue[]>): void {
  for (const [k, v] of from) {
    const list = into.get(k);
    if (list) for (const x of v) list.push(x);
    else into.set(k, [...v]);
  }
}

export type ColumnMapping = { ok: true; features: { key: string; column: string }[] } | { ok: false; reason: string };

/**
 * Maps the model's inputs (its signature as tensors) to columns of the training table.
 * `numericColumns` are the table's columns whose every value is a number, in table order.
 */
export function mapColumns(inputs: readonly TensorMeta[], columns: readonly string[], numericColumns: readonly string[]): ColumnMapping {
  if (inputs.length === 0) return { ok: false, reason: 'the model version has no input signature to match the training data to' };
  const byName = new Set(columns);
  const features: { key: string; column: string }[] = [];
  for (const input of inputs) {
    const width = input.shape.length >= 2 ? input.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    if (width === 1 && input.shape.length <= 2) {
      if (!byName.has(input.name)) return { ok: false, reason: `the training data has no column '${input.name}' for the model's input of that name` };
      features.push({ key: input.name, column: input.name });
      continue;
    }
    if (inputs.length !== 1) return { ok: false, reason: `the model takes several inputs, and '${input.name}' is not one column of the training data` };
    if (!(width > 0)) return { ok: false, reason: `the width of the input '${input.name}' is not fixed by the signature` };
    if (numericColumns.length < width) {
      return { ok: false, reason: `the input '${input.name}' has ${width} columns but the training data has ${numericColumns.length} numeric ones` };
    }
    numericColumns.slice(0, width).forEach((column, i) => features.push({ key: columnKey(input.name, i), column }));
  }
  return { ok: true, features };
}
