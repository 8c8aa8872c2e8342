import { describe, expect, it } from 'vitest';
import { endpointExamples } from './example-requests';
import { parseMlflowScoringRequest } from './mlflow-scoring';
import { checkAgainstSignature, mlflowSignatureToTensors, parseInferRequest } from './oip';

/** Every example body must be a request the gateway's own parsers accept for the same signature. */
function accepted(signature: { inputs: string; outputs?: string }) {
  const ex = endpointExamples({ gatewayUrl: 'http://localhost:3001/', deployment: 'churn-prod', signature });
  const { inputs } = mlflowSignatureToTensors(signature);
  checkAgainstSignature(parseInferRequest(JSON.parse(ex.oipBody)), { inputs });
  checkAgainstSignature(parseMlflowScoringRequest(JSON.parse(ex.mlflowBody), inputs), { inputs });
  return ex;
}

describe('endpoint examples', () => {
  it('name a tensor signature’s input and give it one row', () => {
    const ex = accepted({ inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "features"}]' });
    expect(ex.oipUrl).toBe('http://localhost:3001/v2/models/churn-prod/infer');
    expect(ex.mlflowUrl).toBe('http://localhost:3001/deployments/churn-prod/invocations');
    expect(JSON.parse(ex.oipBody)).toEqual({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [0, 0, 0] }] });
    expect(JSON.parse(ex.mlflowBody)).toEqual({ inputs: { features: [[0, 0, 0]] } });
    expect(ex.oipCurl).toContain('-H "Authorization: Bearer $GANTRY_API_KEY"');
    expect(ex.oipCurl.split('\n')[0]).toBe('curl -sS -X POST http://localhost:3001/v2/models/churn-prod/infer \\');
  });

  it('send a column signature’s features by name', () => {
    const ex = accepted({ inputs: '[{"type": "double", "name": "tenure"}, {"type": "boolean", "name": "it\'s on"}, {"type": "string", "name": "plan"}]' });
    expect(JSON.parse(ex.mlflowBody)).toEqual({ dataframe_split: { columns: ['tenure', "it's on", 'plan'], data: [[0, false, '']] } });
    expect(JSON.parse(ex.oipBody).inputs.map((t: { name: string }) => t.name)).toEqual(['tenure', "it's on", 'plan']);
    // A quote in a feature name survives the shell.
    expect(ex.mlflowCurl).toContain(`"it'\\''s on"`);
  });

  it('fall back to one placeholder input without a signature', () => {
    const ex = endpointExamples({ gatewayUrl: 'https://gw.example.com', deployment: 'd', signature: null });
    expect(ex.inputs).toEqual([]);
    expect(JSON.parse(ex.oipBody).inputs[0].name).toBe('input-0');
    expect(JSON.parse(ex.mlflowBody)).toEqual({ inputs: [[0]] });
  });
});
