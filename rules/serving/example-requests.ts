/**
 * The first request a person sends a deployment, in both shapes the gateway speaks: an OIP v2 infer
 * body and an MLflow scoring body with one row, built from the version's signature so the input names
 * (a tensor's name, or one column per feature) are the model's own; and the curl lines sending them
 * with the API key left as `$GANTRY_API_KEY`. Pure: the control plane and the pages both show it.
 */
import { mlflowSignatureToTensors } from './oip';
import type { OipDatatype, TensorMeta } from './tensors';

export interface EndpointExamples {
  oipUrl: string;
  mlflowUrl: string;
  oipBody: string;
  mlflowBody: string;
  oipCurl: string;
  mlflowCurl: string;
  /** The inputs the bodies were built for; empty when the version recorded no signature. */
  inputs: TensorMeta[];
}

const placeholder = (datatype: OipDatatype): number | boolean | string => (datatype === 'BOOL' ? false : datatype === 'BYTES' ? '' : 0);

/** One row of a tensor: dynamic dimensions (-1) become 1. */
const oneRowShape = (shape: readonly number[]) => (shape.length ? shape.map((d) => (d < 0 ? 1 : d)) : [1]);

function nested(value: unknown, shape: readonly number[]): unknown {
  if (!shape.length) return value;
  return Array.from({ length: shape[0]! }, () => nested(value, shape.slice(1)));
}

/** A shell single-quoted string. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function curl(url: string, body: string): string {
  return [`curl -sS -X POST ${url} \\`, `  -H "Authorization: Bearer $GANTRY_API_KEY" \\`, `  -H 'Content-Type: application/json' \\`, `  -d ${shellQuote(body)}`].join('\n');
}

/** The signature as tensors, or none when it is missing or cannot be read (the examples then use a placeholder input). */
function inputsOf(signature: unknown): TensorMeta[] {
  if (!signature || typeof signature !== 'object') return [];
  try {
    return mlflowSignatureToTensors(signature as { inputs?: unknown }).inputs;
  } catch {
    return [];
  }
}

export function endpointExamples(o: { gatewayUrl: string; deployment: string; signature: unknown }): EndpointExamples {
  const base = o.gatewayUrl.replace(/\/+$/, '');
  const oipUrl = `${base}/v2/models/${o.deployment}/infer`;
  const mlflowUrl = `${base}/deployments/${o.deployment}/invocations`;
  const inputs = inputsOf(o.signature);
  const columns = inputs.length > 0 && inputs.every((t) => t.shape.length === 1);

  let oip: unknown;
  let mlflow: unknown;
  if (!inputs.length) {
    oip = { inputs: [{ name: 'input-0', datatype: 'FP32', shape: [1, 1], data: [0] }] };
    mlflow = { inputs: [[0]] };
  } else if (columns) {
    // Column signatures (a pandas frame's features): one 1-D input per column, one frame row.
    oip = { inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [1], data: [placeholder(t.datatype)] })) };
    mlflow = { dataframe_split: { columns: inputs.map((t) => t.name), data: [inputs.map((t) => placeholder(t.datatype))] } };
  } else {
    oip = {
      inputs: inputs.map((t) => {
        const shape = oneRowShape(t.shape);
        return { name: t.name, datatype: t.datatype, shape, data: new Array(shape.reduce((a, b) => a * b, 1)).fill(placeholder(t.datatype)) };
      }),
    };
    mlflow = { inputs: Object.fromEntries(inputs.map((t) => [t.name, nested(placeholder(t.datatype), oneRowShape(t.shape))])) };
  }
  const oipBody = JSON.stringify(oip);
  const mlflowBody = JSON.stringify(mlflow);
  return { oipUrl, mlflowUrl, oipBody, mlflowBody, oipCurl: curl(oipUrl, oipBody), mlflowCurl: curl(mlflowUrl, mlflowBody), inputs };
}
