import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMlflowPredictions, nest, parseMlflowScoringRequest } from './mlflow-scoring';
import { checkAgainstSignature, mlflowSignatureToTensors, OipError } from './oip';
import type { TensorMeta } from './tensors';

function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof OipError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected an OipError');
}

// The churn example's signature: one float32 tensor [-1, 3] here (10 features in the example).
const tensorModel: TensorMeta[] = [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }];
// What mlflow.sklearn.log_model writes for a DataFrame input: one column spec per feature.
const columnModel = mlflowSignatureToTensors({ inputs: '[{"type": "double", "name": "tenure"}, {"type": "long", "name": "calls"}, {"type": "string", "name": "plan"}]' }).inputs;

describe('parseMlflowScoringRequest', () => {
  it('reads dataframe_split into the one 2-D input of a tensor model, with params', () => {
    const req = parseMlflowScoringRequest({ dataframe_split: { columns: ['a', 'b', 'c'], index: [0, 1], data: [[1, 2, 3], [4, 5, 6.5]] }, params: { threshold: 0.4 } }, tensorModel);
    expect(req).toEqual({ inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6.5] }], parameters: { threshold: 0.4 } });
    expect(() => checkAgainstSignature(req, { inputs: tensorModel })).not.toThrow();
  });

  it('reads dataframe_split and dataframe_records into one tensor per column of a column model', () => {
    const expected = {
      inputs: [
        { name: 'tenure', datatype: 'FP64', shape: [2], data: [1.5, 20] },
        { name: 'calls', datatype: 'INT64', shape: [2], data: [3, 0] },
        { name: 'plan', datatype: 'BYTES', shape: [2], data: ['basic', 'fiber'] },
      ],
    };
    const split = parseMlflowScoringRequest({ dataframe_split: { columns: ['tenure', 'calls', 'plan'], data: [[1.5, 3, 'basic'], [20, 0, 'fiber']] } }, columnModel);
    expect(split).toEqual(expected);
    const records = parseMlflowScoringRequest(
      {
        dataframe_records: [
          { tenure: 1.5, calls: 3, plan: 'basic' },
          { tenure: 20, calls: 0, plan: 'fiber' },
        ],
      },
      columnModel,
    );
    expect(records).toEqual(expected);
    expect(() => checkAgainstSignature(records, { inputs: columnModel })).not.toThrow();
  });

  it('reads inputs and instances as a single array or as named arrays', () => {
    const single = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] };
    expect(parseMlflowScoringRequest({ inputs: [[1, 2, 3]] }, tensorModel)).toEqual(single);
    expect(parseMlflowScoringRequest({ instances: [[1, 2, 3]] }, tensorModel)).toEqual(single);
    expect(parseMlflowScoringRequest({ inputs: { features: [[1, 2, 3]] } }, tensorModel)).toEqual(single);
    expect(parseMlflowScoringRequest({ instances: [{ features: [1, 2, 3] }] }, tensorModel)).toEqual(single);
    const named = parseMlflowScoringRequest({ inputs: { tenure: [1, 2], calls: [3, 4], plan: ['a', 'b'] } }, columnModel);
    expect(named.inputs.map((t) => [t.name, t.datatype, t.shape])).toEqual([
      ['tenure', 'FP64', [2]],
      ['calls', 'INT64', [2]],
      ['plan', 'BYTES', [2]],
    ]);
  });

  it('infers datatypes when the version recorded no signature', () => {
    const req = parseMlflowScoringRequest({ dataframe_split: { columns: ['x', 'n', 'b', 's'], data: [[0.5, 1, true, 'a']] } }, null);
    expect(req.inputs.map((t) => [t.name, t.datatype])).toEqual([
      ['x', 'FP64'],
      ['n', 'INT64'],
      ['b', 'BOOL'],
      ['s', 'BYTES'],
    ]);
    expect(parseMlflowScoringRequest({ inputs: [[1, 2], [3, 4]] }, [])).toEqual({ inputs: [{ name: 'input-0', datatype: 'INT64', shape: [2, 2], data: [1, 2, 3, 4] }] });
    expect(parseMlflowScoringRequest({ dataframe_split: { data: [[1, 2]] } }, null).inputs.map((t) => t.name)).toEqual(['0', '1']);
  });

  it('leaves missing and unknown columns to the signature check, which names them', () => {
    const req = parseMlflowScoringRequest({ dataframe_records: [{ tenure: 1, calls: 2, zip: '10115' }] }, columnModel);
    expect(refusal(() => checkAgainstSignature(req, { inputs: columnModel })).message).toBe("input 'zip' is not one of the model's inputs (tenure, calls, plan)");
    const fewer = parseMlflowScoringRequest({ dataframe_records: [{ tenure: 1, calls: 2 }] }, columnModel);
    expect(refusal(() => checkAgainstSignature(fewer, { inputs: columnModel })).message).toBe('missing input: the model takes plan (BYTES [-1])');
    const narrow = parseMlflowScoringRequest({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } }, tensorModel);
    expect(refusal(() => checkAgainstSignature(narrow, { inputs: tensorModel })).message).toBe("input 'features' has shape [1, 2]; the model takes features (FP32 [-1, 3])");
  });

  it.each([
    [{}, 'The request body must have one of dataframe_split, dataframe_records, instances, inputs'],
    [{ inputs: [[1, 2, 3]], instances: [[1, 2, 3]] }, 'The request body has instances and inputs; send only one'],
    [{ inputs: [[1, 2, 3]], extra: 1 }, 'The request body has unknown key extra; it takes dataframe_split, dataframe_records, instances, inputs and params'],
    [{ inputs: [[1, 2, 3]], params: [1] }, 'params must be an object'],
    [[1, 2], 'The request body must be a JSON object with one of dataframe_split, dataframe_records, instances, inputs'],
    [{ dataframe_split: [[1]] }, 'dataframe_split must be an object with columns and data'],
    [{ dataframe_split: { columns: ['a'], data: [1, 2] } }, 'dataframe_split.data must be an array of rows (arrays)'],
    [{ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3], [1, 2]] } }, 'dataframe_split.data row 1 has 2 values for 3 columns'],
    [{ dataframe_split: { columns: ['a', 'a', 'c'], data: [[1, 2, 3]] } }, 'dataframe_split.columns names a column twice'],
    [{ dataframe_split: { columns: 'abc', data: [[1, 2, 3]] } }, 'dataframe_split.columns must be an array of column names'],
    [{ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 'x', 3]] } }, 'dataframe_split: value 1 is "x"; \'features\' takes FP32: FP32 values are numbers'],
    [{ dataframe_records: { a: 1 } }, 'dataframe_records must be an array of objects (one per row)'],
    [{ dataframe_records: [{ a: 1, b: 2, c: 3 }, { a: 1, b: 2 }] }, "dataframe_records[1] has no 'c'"],
    [{ instances: 'x' }, 'instances must be an array'],
    [{ instances: [{ features: [1, 2, 3] }, [1, 2, 3]] }, 'instances mixes objects and values'],
    [{ instances: [{ features: [1, 2, 3] }, { other: [1, 2, 3] }] }, 'instances[1] has keys other; instances[0] has features'],
    [{ inputs: 5 }, 'inputs must be an array or an object of named arrays'],
    [{ inputs: [[1, 2, 3], [4, 5]] }, "input 'features': nested data is ragged (rows of different lengths at depth 2)"],
    [{ inputs: {} }, 'inputs holds no data'],
  ])('refuses %j: %s', (body, message) => {
    expect(refusal(() => parseMlflowScoringRequest(body, tensorModel))).toEqual({ status: 400, message });
  });

  it('refuses a bad value in a column, naming the column and what it takes', () => {
    expect(refusal(() => parseMlflowScoringRequest({ dataframe_records: [{ tenure: 1, calls: 2.5, plan: 'a' }] }, columnModel)).message).toBe(
      "dataframe_records column 'calls': value 0 is 2.5; 'calls' takes INT64: INT64 values are integers",
    );
    expect(refusal(() => parseMlflowScoringRequest({ dataframe_records: [{ tenure: null, calls: 2, plan: 'a' }] }, columnModel)).message).toBe(
      "dataframe_records column 'tenure': value 0 is null; 'tenure' takes FP64: FP64 values are numbers",
    );
  });

  it('asks for named arrays when a model takes several inputs', () => {
    expect(refusal(() => parseMlflowScoringRequest({ inputs: [1, 2] }, columnModel)).message).toBe('The model takes several inputs (tenure, calls, plan); send inputs as an object of named arrays, or a dataframe');
  });

  it('answers 413 past the element limit', () => {
    const limits = { maxElements: 5, maxInputs: 64, maxRank: 8, maxBytesLength: 100 };
    expect(refusal(() => parseMlflowScoringRequest({ inputs: [[1, 2, 3], [4, 5, 6]] }, tensorModel, limits)).status).toBe(413);
    expect(refusal(() => parseMlflowScoringRequest({ dataframe_split: { columns: ['a', 'b', 'c'], data: [[1, 2, 3], [4, 5, 6]] } }, tensorModel, limits)).status).toBe(413);
  });

  it('answers any JSON value with an InferInput or an OipError, never another exception', () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ dataframe_split: fc.record({ columns: fc.jsonValue(), data: fc.jsonValue() }, { requiredKeys: [] }) }),
      fc.record({ dataframe_records: fc.array(fc.dictionary(fc.constantFrom('tenure', 'calls', 'plan', 'x'), fc.jsonValue())) }),
      fc.record({ instances: fc.jsonValue() }),
      fc.record({ inputs: fc.jsonValue(), params: fc.jsonValue() }, { requiredKeys: ['inputs'] }),
    );
    for (const model of [tensorModel, columnModel, []]) {
      fc.assert(
        fc.property(body, (b) => {
          try {
            const req = parseMlflowScoringRequest(b, model);
            for (const t of req.inputs) expect(t.data.length).toBe(t.shape.reduce((n, d) => n * d, 1));
          } catch (e) {
            expect(e).toBeInstanceOf(OipError);
          }
        }),
        { numRuns: 400 },
      );
    }
  });
});

describe('formatMlflowPredictions', () => {
  it('answers one output as nested lists, several as an object of them', () => {
    const probability = { name: 'probability', datatype: 'FP32' as const, shape: [2], data: [0.25, 0.75] };
    const scores = { name: 'scores', datatype: 'FP64' as const, shape: [2, 2], data: [1, 2, 3, 4] };
    expect(formatMlflowPredictions([probability])).toEqual({ predictions: [0.25, 0.75] });
    expect(formatMlflowPredictions([scores])).toEqual({ predictions: [[1, 2], [3, 4]] });
    expect(formatMlflowPredictions([probability, scores])).toEqual({ predictions: { probability: [0.25, 0.75], scores: [[1, 2], [3, 4]] } });
  });

  it('nests row-major data by shape', () => {
    expect(nest([1, 2, 3, 4, 5, 6], [2, 1, 3])).toEqual([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(nest([7], [])).toBe(7);
    expect(nest([], [0, 3])).toEqual([]);
    expect(nest([], [2, 0])).toEqual([[], []]);
  });
});
