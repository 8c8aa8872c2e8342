import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAgainstSignature,
  DEFAULT_OIP_LIMITS,
  flattenData,
  formatInferResponse,
  formatModelMetadata,
  mlflowSignatureToTensors,
  OipError,
  parseInferRequest,
  selectOutputs,
} from './oip';
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

const churn: TensorMeta[] = [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }];
const churnOut: TensorMeta[] = [
  { name: 'probability', datatype: 'FP32', shape: [-1] },
  { name: 'label', datatype: 'INT64', shape: [-1] },
];

describe('parseInferRequest', () => {
  it('reads a request with flat data, its id, parameters and outputs', () => {
    const req = parseInferRequest({
      id: 'r1',
      parameters: { trace: true },
      inputs: [{ name: 'features', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6.5], parameters: { content_type: 'np' } }],
      outputs: [{ name: 'probability' }],
    });
    expect(req).toEqual({
      id: 'r1',
      parameters: { trace: true },
      inputs: [{ name: 'features', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6.5], parameters: { content_type: 'np' } }],
      outputs: ['probability'],
    });
  });

  it('flattens nested data in row-major order', () => {
    const req = parseInferRequest({ inputs: [{ name: 'x', shape: [2, 2, 2], datatype: 'INT32', data: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] }] });
    expect(req.inputs[0]?.data).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(req).not.toHaveProperty('id');
    expect(req).not.toHaveProperty('outputs');
  });

  it('takes BOOL, BYTES, INT64 and a scalar shape', () => {
    const req = parseInferRequest({
      inputs: [
        { name: 'b', shape: [2], datatype: 'BOOL', data: [true, false] },
        { name: 's', shape: [1], datatype: 'BYTES', data: ['hello'] },
        { name: 'i', shape: [1], datatype: 'INT64', data: [Number.MAX_SAFE_INTEGER] },
        { name: 'z', shape: [], datatype: 'FP64', data: [0.5] },
      ],
    });
    expect(req.inputs.map((t) => t.data)).toEqual([[true, false], ['hello'], [Number.MAX_SAFE_INTEGER], [0.5]]);
  });

  it.each([
    [{ inputs: [{ name: 'x', shape: [3], datatype: 'FP32', data: [1, 2] }] }, "input 'x': shape [3] holds 3 elements but data has 2"],
    [{ inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [[1, 2], [3]] }] }, "input 'x': nested data is ragged (rows of different lengths at depth 2)"],
    [{ inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: [1, [2]] }] }, "input 'x': data mixes arrays and values at depth 1"],
    [{ inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: [1, 'a'] }] }, 'input \'x\': element 1 is "a"; FP32 values are numbers'],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1.5] }] }, "input 'x': element 0 is 1.5; INT32 values are integers"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [2 ** 31] }] }, "input 'x': element 0 is 2147483648; INT32 values lie in [-2147483648, 2147483647]"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'INT64', data: [2 ** 60] }] }, "input 'x': element 0 is 1152921504606847000; INT64 values lie in [-9007199254740991, 9007199254740991]"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'UINT8', data: [-1] }] }, "input 'x': element 0 is -1; UINT8 values lie in [0, 255]"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'BOOL', data: [1] }] }, "input 'x': element 0 is 1; BOOL values are true or false"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'BYTES', data: [1] }] }, "input 'x': element 0 is 1; BYTES values are strings"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [null] }] }, "input 'x': element 0 is null; FP32 values are numbers"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: 1 }] }, "input 'x': data must be an array"],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'FP32' }] }, 'inputs.0.data is required'],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'FLOAT', data: [1] }] }, 'inputs.0.datatype: datatype must be one of BOOL, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, FP16, FP32, FP64, BYTES'],
    [{ inputs: [{ name: 'x', shape: [-1], datatype: 'FP32', data: [1] }] }, 'inputs.0.shape.0: shape dimensions are not negative'],
    [{ inputs: [{ name: 'x', shape: '1', datatype: 'FP32', data: [1] }] }, 'inputs.0.shape: shape must be an array of integers'],
    [{ inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] }, 'inputs.0.name: Input name must be a string'],
    [{ inputs: [] }, 'inputs: inputs must name at least one tensor'],
    [{}, 'inputs: inputs must be an array of tensors'],
    [[], 'The request body must be a JSON object with inputs'],
    [null, 'The request body must be a JSON object with inputs'],
    ['inputs', 'The request body must be a JSON object with inputs'],
    [{ id: 7, inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] }, 'id: id must be a string'],
    [{ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }], outputs: ['y'] }, 'outputs.0: outputs must be an array of {name}'],
    [
      {
        inputs: [
          { name: 'x', shape: [1], datatype: 'FP32', data: [1] },
          { name: 'x', shape: [1], datatype: 'FP32', data: [1] },
        ],
      },
      "input 'x' appears twice",
    ],
  ])('refuses %j with 400: %s', (body, message) => {
    expect(refusal(() => parseInferRequest(body))).toEqual({ status: 400, message });
  });

  it('answers 413 past the element, input and string limits, before walking the data', () => {
    const limits = { ...DEFAULT_OIP_LIMITS, maxElements: 10, maxInputs: 2, maxBytesLength: 3 };
    expect(refusal(() => parseInferRequest({ inputs: [{ name: 'x', shape: [1_000_000, 1_000_000], datatype: 'FP32', data: [] }] }, limits))).toEqual({ status: 413, message: 'The request holds more than 10 elements' });
    const three = ['a', 'b', 'c'].map((n) => ({ name: n, shape: [1], datatype: 'FP32', data: [1] }));
    expect(refusal(() => parseInferRequest({ inputs: three }, limits)).status).toBe(413);
    expect(refusal(() => parseInferRequest({ inputs: [{ name: 's', shape: [1], datatype: 'BYTES', data: ['abcd'] }] }, limits))).toEqual({ status: 413, message: "input 's': element 0 is longer than 3 characters" });
  });

  it('refuses data nested deeper than the rank limit', () => {
    let deep: unknown = [1];
    for (let i = 0; i < 20; i++) deep = [deep];
    expect(refusal(() => parseInferRequest({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: deep }] })).message).toBe("input 'x': data is nested deeper than 8 levels");
  });

  it('answers any JSON value with an InferInput or an OipError, never another exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          parseInferRequest(body);
        } catch (e) {
          expect(e).toBeInstanceOf(OipError);
        }
      }),
      { numRuns: 500 },
    );
    const tensorish = fc.record({
      name: fc.oneof(fc.string(), fc.constant('x')),
      shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.double()), { maxLength: 4 }),
      datatype: fc.constantFrom('FP32', 'INT64', 'BOOL', 'BYTES', 'nope'),
      data: fc.jsonValue(),
    });
    fc.assert(
      fc.property(fc.array(tensorish, { maxLength: 3 }), (inputs) => {
        try {
          const req = parseInferRequest({ inputs });
          for (const t of req.inputs) expect(t.data.length).toBe(t.shape.reduce((n, d) => n * d, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(OipError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('flattenData', () => {
  it('keeps flat data as it is and empty data empty', () => {
    expect(flattenData('x', [1, 2, 3])).toEqual([1, 2, 3]);
    expect(flattenData('x', [])).toEqual([]);
    expect(flattenData('x', [[], []])).toEqual([]);
  });
});

describe('checkAgainstSignature', () => {
  const ok = { inputs: [{ name: 'features', datatype: 'FP32' as const, shape: [4, 3], data: new Array(12).fill(0) }] };

  it('takes a request that fits, any batch size where the signature says -1', () => {
    expect(() => checkAgainstSignature(ok, { inputs: churn, outputs: churnOut })).not.toThrow();
    expect(() => checkAgainstSignature({ ...ok, outputs: ['label'] }, { inputs: churn, outputs: churnOut })).not.toThrow();
  });

  it('checks nothing when the version recorded no signature', () => {
    expect(() => checkAgainstSignature({ inputs: [{ name: 'anything', datatype: 'BYTES', shape: [1], data: ['a'] }] }, { inputs: null })).not.toThrow();
    expect(() => checkAgainstSignature(ok, { inputs: [], outputs: [] })).not.toThrow();
  });

  it.each([
    [{ inputs: [{ name: 'other', datatype: 'FP32', shape: [1, 3], data: [0, 0, 0] }] }, "input 'other' is not one of the model's inputs (features)"],
    [{ inputs: [{ name: 'features', datatype: 'FP64', shape: [1, 3], data: [0, 0, 0] }] }, "input 'features' is FP64; the model takes features (FP32 [-1, 3])"],
    [{ inputs: [{ name: 'features', datatype: 'FP32', shape: [3], data: [0, 0, 0] }] }, "input 'features' has shape [3]; the model takes features (FP32 [-1, 3])"],
    [{ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [0, 0, 0, 0] }] }, "input 'features' has shape [1, 4]; the model takes features (FP32 [-1, 3])"],
    [{ ...ok, outputs: ['score'] }, "output 'score' is not one of the model's outputs (probability, label)"],
  ] as const)('refuses %j: %s', (input, message) => {
    expect(refusal(() => checkAgainstSignature(input as never, { inputs: churn, outputs: churnOut }))).toEqual({ status: 400, message });
  });

  it('names every missing input', () => {
    const two: TensorMeta[] = [
      { name: 'a', datatype: 'FP64', shape: [-1] },
      { name: 'b', datatype: 'BYTES', shape: [-1] },
      { name: 'c', datatype: 'INT64', shape: [-1] },
    ];
    expect(refusal(() => checkAgainstSignature({ inputs: [{ name: 'a', datatype: 'FP64', shape: [1], data: [1] }] }, { inputs: two })).message).toBe('missing inputs: the model takes b (BYTES [-1]), c (INT64 [-1])');
  });
});

describe('responses', () => {
  const outputs = [
    { name: 'probability', datatype: 'FP32' as const, shape: [2], data: [0.25, 0.75] },
    { name: 'label', datatype: 'INT64' as const, shape: [2], data: [0, 1] },
  ];

  it('formats an infer response, echoing the id and naming the version', () => {
    expect(formatInferResponse({ modelName: 'churn', modelVersion: 3, id: 'r1', outputs })).toEqual({
      model_name: 'churn',
      model_version: '3',
      id: 'r1',
      outputs: [
        { name: 'probability', shape: [2], datatype: 'FP32', data: [0.25, 0.75] },
        { name: 'label', shape: [2], datatype: 'INT64', data: [0, 1] },
      ],
    });
    expect(formatInferResponse({ modelName: 'churn', modelVersion: '3', outputs: [], parameters: { a: 1 } })).toEqual({ model_name: 'churn', model_version: '3', parameters: { a: 1 }, outputs: [] });
  });

  it('selects the outputs asked for, in their order', () => {
    expect(selectOutputs(outputs, ['label']).map((t) => t.name)).toEqual(['label']);
    expect(selectOutputs(outputs, undefined)).toHaveLength(2);
    expect(refusal(() => selectOutputs(outputs, ['nope'])).message).toBe("output 'nope' is not one of the model's outputs (probability, label)");
  });

  it('formats model metadata', () => {
    expect(formatModelMetadata({ name: 'churn', versions: [1, 2], platform: 'onnxruntime_onnx', inputs: churn, outputs: null })).toEqual({
      name: 'churn',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [],
    });
  });
});

describe('mlflowSignatureToTensors', () => {
  it('reads a tensor-based signature (the churn example writes one)', () => {
    const signature = {
      inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 10]}, "name": "features"}]',
      outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}, "name": "probability"}, {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}, "name": "label"}]',
    };
    expect(mlflowSignatureToTensors(signature)).toEqual({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 10] }],
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [-1] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    });
  });

  it('reads a column-based signature as one [-1] tensor per column, unnamed ones numbered', () => {
    const signature = {
      inputs: '[{"type": "double", "name": "tenure", "required": true}, {"type": "long", "name": "calls"}, {"type": "string", "name": "plan"}, {"type": "boolean", "name": "senior"}]',
      outputs: '[{"type": "long"}]',
    };
    expect(mlflowSignatureToTensors(signature)).toEqual({
      inputs: [
        { name: 'tenure', datatype: 'FP64', shape: [-1] },
        { name: 'calls', datatype: 'INT64', shape: [-1] },
        { name: 'plan', datatype: 'BYTES', shape: [-1] },
        { name: 'senior', datatype: 'BOOL', shape: [-1] },
      ],
      outputs: [{ name: 'output-0', datatype: 'INT64', shape: [-1] }],
    });
  });

  it('has nothing to say without a signature', () => {
    expect(mlflowSignatureToTensors(null)).toEqual({ inputs: [], outputs: [] });
    expect(mlflowSignatureToTensors({ inputs: '[{"type": "double", "name": "x"}]', outputs: null })).toEqual({ inputs: [{ name: 'x', datatype: 'FP64', shape: [-1] }], outputs: [] });
  });

  it.each([
    ['not json', "The model's input signature is not JSON"],
    ['{"a": 1}', "The model's input signature is not a list of MLflow column or tensor specs"],
    ['[{"type": "tensor", "tensor-spec": {"dtype": "complex64", "shape": [2]}, "name": "z"}]', "The model's input 'z' has dtype complex64, which has no OIP datatype"],
    ['[{"type": "array", "name": "tags"}]', "The model's input column 'tags' has type array, which has no OIP datatype"],
  ])('refuses %s with 422', (inputs, message) => {
    expect(refusal(() => mlflowSignatureToTensors({ inputs }))).toEqual({ status: 422, message });
  });
});
