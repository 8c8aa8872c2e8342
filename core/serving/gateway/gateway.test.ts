import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../../config/env';
import { predictions } from '../../../db/schema';
import { createTestDatabase, type TestDatabase } from '../../../db/test/database';
import { signUpUser, type SignedUp } from '../../../testing/fixtures';
import { churnRows, registerModelDir, writeChurnModel, type ChurnModel } from '../../../testing/serving-models';
import { artifactStore } from '../../artifacts/store-from-config';
import { createApiKey } from '../../auth/create-api-key';
import { revokeApiKey } from '../../auth/revoke-api-key';
import { systemContext } from '../../tenancy/context';
import { withTenant } from '../../tenancy/with-tenant';
import { createDeployment } from '../create-deployment';
import { deleteDeployment } from '../delete-deployment';
import { localRuntimes } from '../runtimes';
import { setDeploymentTraffic } from '../set-deployment-traffic';
import { updateDeployment } from '../update-deployment';
import { RoutingTable } from './routing-table';
import { createGateway, type Gateway } from './server';

/**
 * The inference gateway over real HTTP on loopback, routing to real ONNX models registered from
 * real files, with deployments and the prediction log in a real PostgreSQL. Two replicas share
 * the database; the routing cache's time-to-live is an hour, so only LISTEN/NOTIFY can tell them
 * of a change.
 */
let db: TestDatabase;
let home: string;
let A: SignedUp;
let B: SignedUp;
let m1: ChurnModel;
let m2: ChurnModel;
let keyA = '';
let keyB = '';
let readKeyA = '';
let g1: Gateway;
let g2: Gateway;
let url1 = '';
let url2 = '';
const ROWS = churnRows(4, 5);

async function startGateway(maxPayloadBytes = 256 * 1024): Promise<{ gateway: Gateway; url: string }> {
  const gateway = createGateway({
    store: artifactStore(),
    runtimes: localRuntimes(),
    cacheDir: mkdtempSync(path.join(home, 'gw-')),
    maxPayloadBytes,
    defaultRateLimitPerSecond: 100_000,
    routing: new RoutingTable({ ttlMs: 3_600_000, negativeTtlMs: 0 }),
  });
  await gateway.routing.start();
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  return { gateway, url: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}` };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  version: string | null;
  arm: string | null;
  headers: Headers;
}

async function call(base: string, p: string, o: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string>; method?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const key = o.key === undefined ? keyA : o.key;
  if (key) headers.authorization = `Bearer ${key}`;
  const hasBody = o.body !== undefined || o.raw !== undefined;
  if (hasBody) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${p}`, { method: o.method ?? (hasBody ? 'POST' : 'GET'), headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, version: res.headers.get('x-gantry-model-version'), arm: res.headers.get('x-gantry-arm'), headers: res.headers };
}

const features = (rows: number[][]) => ({ name: 'features', datatype: 'FP32', shape: [rows.length, 10], data: rows.flat() });
const infer = (base: string, dep: string, o: { key?: string | null; rows?: number[][]; headers?: Record<string, string>; id?: string } = {}) =>
  call(base, `/v2/models/${dep}/infer`, { key: o.key, headers: o.headers, body: { ...(o.id ? { id: o.id } : {}), inputs: [features(o.rows ?? ROWS)] } });

function output(a: Answer, name: string): number[] {
  const outs = a.body.outputs as { name: string; data: number[] }[];
  const t = outs.find((x) => x.name === name);
  if (!t) throw new Error(`no output ${name} in ${JSON.stringify(a.body)}`);
  return t.data;
}

const loggedRows = (deploymentId: string) =>
  withTenant(systemContext(A.orgId, 'gateway', 'test'), (tx) => tx.select().from(predictions).where(and(eq(predictions.orgId, A.orgId), eq(predictions.deploymentId, deploymentId))));

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-gateway-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  resetEnvCache();
  A = await signUpUser('gw-a');
  B = await signUpUser('gw-b');
  m1 = writeChurnModel(path.join(home, 'm1'), { seed: 1, rows: ROWS });
  m2 = writeChurnModel(path.join(home, 'm2'), { seed: 2, bias: 4, rows: ROWS });
  await registerModelDir(A.ctx, { model: 'churn', dir: m1.dir });
  await registerModelDir(A.ctx, { model: 'churn', dir: m2.dir });
  await createDeployment(A.ctx, { name: 'churn', model: { name: 'churn' }, version: 1, sampleRate: 1 });
  keyA = (await createApiKey(A.ctx, { name: 'svc', scopes: ['inference'] })).secret;
  readKeyA = (await createApiKey(A.ctx, { name: 'reader', scopes: ['read'] })).secret;
  keyB = (await createApiKey(B.ctx, { name: 'svc', scopes: ['inference'] })).secret;
  ({ gateway: g1, url: url1 } = await startGateway());
  ({ gateway: g2, url: url2 } = await startGateway());
}, 180_000);

afterAll(async () => {
  await g1?.close();
  await g2?.close();
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  resetEnvCache();
});

describe('the Open Inference Protocol', () => {
  it('answers health, server metadata, model metadata and readiness', async () => {
    expect(await call(url1, '/v2/health/live', { key: null })).toMatchObject({ status: 200, body: { live: true } });
    expect(await call(url1, '/v2/health/ready', { key: null })).toMatchObject({ status: 200, body: { ready: true } });
    const meta = await call(url1, '/v2/models/churn');
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({ name: 'churn', versions: ['1'], platform: 'onnxruntime' });
    expect(meta.body.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, 10] }]);
    expect((meta.body.outputs as { name: string }[]).map((o) => o.name).sort()).toEqual(['label', 'probability']);
    expect(await call(url1, '/v2/models/churn/ready')).toMatchObject({ status: 200, body: { ready: true } });
    expect(await call(url1, '/v2/models/churn/versions/1')).toMatchObject({ status: 200, version: '1' });
  });

  it('infers what the model computes, naming the version that answered', async () => {
    const a = await infer(url1, 'churn', { id: 'req-1' });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.version).toBe('1');
    expect(a.arm).toBe('stable');
    expect(a.body).toMatchObject({ model_name: 'churn', model_version: '1', id: 'req-1' });
    output(a, 'probability').forEach((p, i) => expect(p).toBeCloseTo(m1.probability[i]!, 5));
    expect(output(a, 'label')).toEqual(m1.label);
    // Only the outputs asked for.
    const only = await call(url1, '/v2/models/churn/infer', { body: { inputs: [features(ROWS)], outputs: [{ name: 'label' }] } });
    expect((only.body.outputs as { name: string }[]).map((o) => o.name)).toEqual(['label']);
  });

  it('answers MLflow scoring requests on the same deployment', async () => {
    const a = await call(url1, '/deployments/churn/invocations', { body: { inputs: ROWS } });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.version).toBe('1');
    const preds = a.body.predictions as Record<string, number[]>;
    preds.probability!.forEach((p, i) => expect(p).toBeCloseTo(m1.probability[i]!, 5));
    expect(await call(url1, '/deployments/churn/ping')).toMatchObject({ status: 200 });
  });

  it('gives bad input a clear 4xx, never a 500', async () => {
    const cases: [string, Promise<Answer>, number, RegExp][] = [
      ['wrong shape', call(url1, '/v2/models/churn/infer', { body: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 9], data: Array(9).fill(1) }] } }), 400, /shape \[1, 9\].*features \(FP32 \[-1, 10\]\)/],
      ['wrong datatype', call(url1, '/v2/models/churn/infer', { body: { inputs: [{ name: 'features', datatype: 'INT32', shape: [1, 10], data: Array(10).fill(1) }] } }), 400, /INT32/],
      ['missing input', call(url1, '/v2/models/churn/infer', { body: { inputs: [] } }), 400, /input/],
      ['data not matching shape', call(url1, '/v2/models/churn/infer', { body: { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 10], data: [1, 2] }] } }), 400, /holds 20 elements but data has 2/],
      ['a string in FP32', call(url1, '/v2/models/churn/infer', { body: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: ['a', 1, 1, 1, 1, 1, 1, 1, 1, 1] }] } }), 400, /features/],
      ['not JSON', call(url1, '/v2/models/churn/infer', { raw: '{"inputs": [' }), 400, /not valid JSON/],
      ['no body', call(url1, '/v2/models/churn/infer', { raw: '' }), 400, /no body/],
      ['too large', call(url1, '/v2/models/churn/infer', { body: { inputs: [features(churnRows(5000))] } }), 413, /bytes/],
      ['unknown deployment', infer(url1, 'nope'), 404, /Deployment 'nope' not found/],
      ['unknown version', call(url1, '/v2/models/churn/versions/7/infer', { body: { inputs: [features(ROWS)] } }), 404, /Version 7 is not served/],
      ['GET on infer', call(url1, '/v2/models/churn/infer'), 405, /POST/],
      ['mlflow without inputs', call(url1, '/deployments/churn/invocations', { body: { nothing: 1 } }), 400, /dataframe_split|inputs|instances/],
      ['unknown path', call(url1, '/v3/anything'), 404, /No route/],
    ];
    for (const [what, p, status, message] of cases) {
      const a = await p;
      expect(a.status, `${what}: ${JSON.stringify(a.body)}`).toBe(status);
      expect(String(a.body.error), what).toMatch(message);
    }
  });

  it('refuses callers without a valid inference key, and another organization finds no deployment', async () => {
    expect(await infer(url1, 'churn', { key: null })).toMatchObject({ status: 401 });
    expect(await infer(url1, 'churn', { key: 'gantry_not_a_key' })).toMatchObject({ status: 401 });
    const ro = await infer(url1, 'churn', { key: readKeyA });
    expect(ro.status).toBe(403);
    expect(String(ro.body.error)).toMatch(/inference scope/);
    // B's key asks for A's deployment by name: 404, as for a deployment that does not exist.
    for (const p of ['/v2/models/churn', '/v2/models/churn/ready']) expect((await call(url1, p, { key: keyB })).status).toBe(404);
    expect((await infer(url1, 'churn', { key: keyB })).status).toBe(404);
    expect((await call(url1, '/deployments/churn/invocations', { key: keyB, body: { inputs: ROWS } })).status).toBe(404);
    const spare = await createApiKey(A.ctx, { name: 'spare', scopes: ['inference'] });
    expect((await infer(url1, 'churn', { key: spare.secret })).status).toBe(200);
    await revokeApiKey(A.ctx, { id: spare.apiKey.id });
    const revoked = await infer(url1, 'churn', { key: spare.secret });
    expect(revoked.status).toBe(401);
    expect(String(revoked.body.error)).toMatch(/revoked/);
  });
});

describe('routing', () => {
  it('sends a 10% canary its share of 10,000 requests, within binomial tolerance', async () => {
    await setDeploymentTraffic(A.ctx, { deployment: { name: 'churn' }, arms: [{ version: 1, weight: 90, role: 'stable' }, { version: 2, weight: 10, role: 'canary' }] });
    await expect.poll(async () => (await call(url1, '/v2/models/churn')).body.versions, { timeout: 10_000 }).toEqual(['1', '2']);
    const n = 10_000;
    const counts: Record<string, number> = {};
    const one = [ROWS[0]!];
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => infer(url1, 'churn', { rows: one })));
      for (const a of batch) {
        expect(a.status).toBe(200);
        counts[a.version!] = (counts[a.version!] ?? 0) + 1;
      }
    }
    const sd = Math.sqrt(n * 0.1 * 0.9);
    expect(Math.abs((counts['2'] ?? 0) - n * 0.1), JSON.stringify(counts)).toBeLessThan(4.5 * sd);
    expect((counts['1'] ?? 0) + (counts['2'] ?? 0)).toBe(n);
  }, 120_000);

  it('keeps a sticky key on one arm, on every replica', async () => {
    await setDeploymentTraffic(A.ctx, { deployment: { name: 'churn' }, arms: [{ version: 1, weight: 50, role: 'variant' }, { version: 2, weight: 50, role: 'variant' }], sticky: { source: 'header', name: 'x-customer' } });
    await expect.poll(async () => (await call(url2, '/v2/models/churn')).status === 200 && (await infer(url2, 'churn')).arm, { timeout: 10_000 }).toBe('variant');
    await expect.poll(async () => (await infer(url1, 'churn')).arm, { timeout: 10_000 }).toBe('variant');
    const seen = new Map<string, Set<string>>();
    for (let c = 0; c < 40; c++) {
      for (const url of [url1, url2]) {
        for (let i = 0; i < 5; i++) {
          const a = await infer(url, 'churn', { headers: { 'x-customer': `customer-${c}` }, rows: [ROWS[0]!] });
          const s = seen.get(`customer-${c}`) ?? new Set<string>();
          s.add(a.version!);
          seen.set(`customer-${c}`, s);
        }
      }
    }
    for (const [k, s] of seen) expect(s.size, k).toBe(1);
    const onTwo = [...seen.values()].filter((s) => s.has('2')).length;
    expect(onTwo).toBeGreaterThan(5);
    expect(onTwo).toBeLessThan(35);
  });

  it('mirrors to a shadow without changing the response, and logs both outputs under one request ID', async () => {
    const dep = await setDeploymentTraffic(A.ctx, { deployment: { name: 'churn' }, arms: [{ version: 1, weight: 100, role: 'stable' }], shadows: [2] });
    await expect.poll(async () => (await infer(url1, 'churn', { rows: [ROWS[0]!] })).arm, { timeout: 10_000 }).toBe('stable');
    const a = await infer(url1, 'churn', { id: 'shadowed-1', headers: { 'x-request-id': 'shadowed-1' } });
    expect(a.version).toBe('1');
    output(a, 'probability').forEach((p, i) => expect(p).toBeCloseTo(m1.probability[i]!, 5));
    const both = await expect
      .poll(async () => {
        await g1.predictionLog.flush();
        return (await loggedRows(dep.id)).filter((r) => r.requestId === 'shadowed-1').map((r) => r.arm).sort();
      })
      .toEqual(['shadow', 'stable']);
    void both;
    const rows = (await loggedRows(dep.id)).filter((r) => r.requestId === 'shadowed-1');
    const shadow = rows.find((r) => r.arm === 'shadow')!;
    expect(shadow.version).toBe(2);
    const shadowOut = (shadow.outputs as { name: string; data: number[] }[]).find((t) => t.name === 'probability')!.data;
    shadowOut.forEach((p, i) => expect(p).toBeCloseTo(m2.probability[i]!, 5));
  });

  it('reaches every replica by notification alone, and a deleted deployment is gone from both', async () => {
    const d = await createDeployment(A.ctx, { name: 'churn-tmp', model: { name: 'churn' }, version: 1 });
    for (const url of [url1, url2]) await expect.poll(async () => (await infer(url, 'churn-tmp')).version, { timeout: 10_000 }).toBe('1');
    await setDeploymentTraffic(A.ctx, { deployment: { deploymentId: d.id }, arms: [{ version: 2, weight: 100, role: 'stable' }] });
    for (const url of [url1, url2]) await expect.poll(async () => (await infer(url, 'churn-tmp')).version, { timeout: 10_000 }).toBe('2');
    await deleteDeployment(A.ctx, { deployment: { deploymentId: d.id } });
    for (const url of [url1, url2]) await expect.poll(async () => (await infer(url, 'churn-tmp')).status, { timeout: 10_000 }).toBe(404);
  });

  it('holds a deployment to its rate limit with 429 and Retry-After', async () => {
    await updateDeployment(A.ctx, { deployment: { name: 'churn' }, rateLimitPerSecond: 5 });
    await expect.poll(async () => {
      const burst = await Promise.all(Array.from({ length: 30 }, () => infer(url1, 'churn', { rows: [ROWS[0]!] })));
      return burst.some((b) => b.status === 429 && b.headers.get('retry-after') === '1' && /at most 5 requests per second/.test(String(b.body.error)));
    }, { timeout: 10_000 }).toBe(true);
    await updateDeployment(A.ctx, { deployment: { name: 'churn' }, rateLimitPerSecond: null });
  });
});

describe('the prediction log and metrics', () => {
  it('records every routed request with its version, arm, status and latency, and bad requests as 4xx', async () => {
    // The rate limit of the test before is lifted once the gateway has heard of it.
    await expect.poll(async () => (await g1.routing.get(A.orgId, 'churn'))?.rateLimitPerSecond, { timeout: 10_000 }).toBeNull();
    const dep = (await g1.routing.get(A.orgId, 'churn'))!;
    expect(dep.rateLimitPerSecond).toBeNull();
    const bad1 = await call(url1, '/v2/models/churn/infer', { body: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 9], data: Array(9).fill(1) }] }, headers: { 'x-request-id': 'bad-shape-1' } });
    expect(bad1.status).toBe(400);
    await g1.predictionLog.flush();
    const rows = await loggedRows(dep.deploymentId);
    const bad = rows.find((r) => r.requestId === 'bad-shape-1');
    expect(bad).toMatchObject({ status: 400, protocol: 'oip' });
    expect(bad!.error).toMatch(/shape/);
    const ok = rows.filter((r) => r.status === 200 && r.arm !== 'shadow');
    expect(ok.length).toBeGreaterThan(10_000);
    expect(ok.every((r) => r.latencyMs >= 0 && r.version >= 1 && r.modelVersionId)).toBe(true);
    expect(rows.some((r) => r.protocol === 'mlflow')).toBe(true);
    expect(g1.predictionLog.stats).toMatchObject({ droppedRecords: 0, failedWrites: 0 });
  });

  it('exposes Prometheus metrics with no tenant or entity IDs as labels', async () => {
    const res = await fetch(`${url1}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/gantry_gateway_requests_total\{protocol="oip",code="200"\} \d+/);
    expect(text).toMatch(/gantry_gateway_requests_total\{protocol="oip",code="400"\} \d+/);
    expect(text).toMatch(/gantry_gateway_request_duration_seconds_bucket\{le="0.005",protocol="oip",arm="stable"\}/);
    expect(text).toMatch(/gantry_gateway_loaded_models\{runtime="onnx"\} 2/);
    expect(text).toMatch(/gantry_gateway_shadow_requests_total\{outcome="ok"\} [1-9]/);
    expect(text).toMatch(/gantry_gateway_prediction_log_written [1-9]/);
    expect(text).not.toMatch(/org_|dep_|mv_|churn/);
  });
});
