import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOipModelServer, type OipModelServer } from '../../../testing/oip-model-server';
import { churnRows, writeChurnModel, type ChurnModel } from '../../../testing/serving-models';
import { ModelInputError, ModelUnavailableError, type LoadedModel } from '../model-runtime';
import type { ServingEndpoint } from './manifests';
import { clusterDnsResolver, kubernetesRuntime } from './runtime';

/**
 * The Kubernetes runtime forwarding OIP over real HTTP to a model server on loopback (standing in
 * for a version's Service), with the errors a caller sees for each way a model server fails.
 */
let dir: string;
let churn: ChurnModel;
let server: OipModelServer;
const rows = churnRows(3, 7);
const asked: ServingEndpoint[] = [];
const signature = {
  inputs: JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 10] }, name: 'features' }]),
  outputs: JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] }, name: 'probability' }, { type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1] }, name: 'label' }]),
};

async function load(base: () => string): Promise<LoadedModel> {
  const runtime = kubernetesRuntime({ resolve: (e) => (asked.push(e), base()), timeoutMs: 5_000 });
  const spec = { versionId: 'mv_x', modelDir: '', framework: 'onnx', cluster: { deploymentId: 'dep_01JTESTDEPLOYMENT000000001', namespace: 'serving', version: 4, signature } };
  expect(await runtime.accepts(spec)).toEqual({ ok: true });
  expect(await runtime.accepts({ ...spec, cluster: undefined })).toMatchObject({ ok: false });
  return runtime.load(spec);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-k8s-runtime-'));
  churn = writeChurnModel(path.join(dir, 'm'), { seed: 3, rows });
  server = await startOipModelServer(churn.dir);
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Kubernetes runtime', () => {
  it("forwards infer requests to the version's Service and reads the outputs back", async () => {
    const model = await load(() => server.url);
    expect(asked.at(-1)).toEqual({ service: 'gantry-dep-01jtestdeployment000000001-v4', namespace: 'serving', port: 8080 });
    expect(model.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, 10] }]);
    expect(await model.ready()).toBe(true);
    const out = await model.infer({ id: 'r1', inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 10], data: rows.flat() }] });
    const probability = out.find((t) => t.name === 'probability')!;
    expect(probability.shape).toEqual([rows.length]);
    probability.data.forEach((p, i) => expect(p).toBeCloseTo(churn.probability[i]!, 5));
    expect(out.find((t) => t.name === 'label')!.data).toEqual(churn.label);
    expect(server.calls).toContain('/v2/models/model/infer');
  });

  it("turns the model server's 4xx into an input error with its message, and 5xx or no answer into unavailable", async () => {
    const model = await load(() => server.url);
    const wrong = model.infer({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] });
    await expect(wrong).rejects.toBeInstanceOf(ModelInputError);
    await expect(wrong).rejects.toThrow(/shape \[1, ?3\]/);

    server.failing = true;
    const failed = model.infer({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: rows[0]! }] });
    await expect(failed).rejects.toBeInstanceOf(ModelUnavailableError);
    await expect(failed).rejects.toThrow("Version 4's model server failed (HTTP 500): the model server failed");
    server.failing = false;

    const gone = await load(() => 'http://127.0.0.1:1');
    await expect(gone.infer({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: rows[0]! }] })).rejects.toThrow(new ModelUnavailableError("Version 4's model server could not be reached"));
    expect(await gone.ready()).toBe(false);
  });

  it('reaches Services at their cluster DNS names in production', () => {
    expect(clusterDnsResolver({ service: 'gantry-dep-x-v1', namespace: 'ml', port: 8080 })).toBe('http://gantry-dep-x-v1.ml.svc:8080');
  });
});
