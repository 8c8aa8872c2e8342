import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../db/test/database';
import { AppError, ERROR_CODES } from '../../errors';
import type { TenantContext } from '../../tenancy/context';
import { signUpUser, type SignedUp } from '../../../testing/fixtures';
import { endpointNotFound, matchMlflowRoute, MLFLOW_ROUTE_KEYS, mlflowError, runMlflowRoute, type MlflowParams, type MlflowResponse } from './dispatch';

let db: TestDatabase;
let A: SignedUp;
let B: SignedUp;
const ids = { exp: '', run: '' };

async function call(ctx: TenantContext, method: string, path: string, params: MlflowParams): Promise<MlflowResponse> {
  const route = matchMlflowRoute(method, path);
  if (route.kind !== 'ok') return endpointNotFound(method, path);
  try {
    return await runMlflowRoute(route.handler, ctx, params);
  } catch (e) {
    return mlflowError(e);
  }
}
const body = (r: MlflowResponse) => r.body as Record<string, unknown>;

async function snapshotA() {
  const [row] = await db.ownerSql`
    select (select count(*) from experiments where org_id = ${A.orgId})::int as experiments,
           (select string_agg(name || lifecycle_stage, ',' order by id) from experiments where org_id = ${A.orgId}) as exp_state,
           (select string_agg(name || status || lifecycle_stage || coalesce(end_time, 0), ',' order by id) from runs where org_id = ${A.orgId}) as run_state,
           (select count(*) from run_params where org_id = ${A.orgId})::int as params,
           (select string_agg(key || '=' || value, ',' order by key) from run_tags where org_id = ${A.orgId}) as tags,
           (select count(*) from run_metrics where org_id = ${A.orgId})::int as metrics,
           (select count(*) from run_inputs where org_id = ${A.orgId})::int as inputs,
           (select count(*) from audit_events where org_id = ${A.orgId})::int as audit`;
  return row;
}

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('mlflow-a');
  B = await signUpUser('mlflow-b');
  ids.exp = body(await call(A.ctx, 'POST', 'experiments/create', { name: 'a-exp' })).experiment_id as string;
  const run = body(await call(A.ctx, 'POST', 'runs/create', { experiment_id: ids.exp, run_name: 'a-run', start_time: '1700000000000' })).run as { info: { run_id: string } };
  ids.run = run.info.run_id;
  await call(A.ctx, 'POST', 'runs/log-batch', { run_id: ids.run, metrics: [{ key: 'acc', value: 0.5, timestamp: '1', step: '0' }], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 't', value: 'a' }] });
});
afterAll(async () => {
  await db.drop();
});

describe('MLflow protocol', () => {
  it('round-trips a run: int64 as strings, NaN/Infinity as protobuf JSON strings, GET params as strings', async () => {
    const run = body(await call(A.ctx, 'POST', 'runs/create', { experiment_id: ids.exp, tags: [{ key: 'mlflow.user', value: 'alice' }] })).run as { info: { run_id: string; run_name: string } };
    const runId = run.info.run_id;
    expect(run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    const logged = await call(A.ctx, 'POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'loss', value: 'NaN', timestamp: '10', step: '1' },
        { key: 'loss', value: 'Infinity', timestamp: '11', step: '2' },
        { key: 'loss', value: 0.25, timestamp: '12', step: '3' },
      ],
    });
    expect(logged).toEqual({ status: 200, body: {} });
    const hist = body(await call(A.ctx, 'GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss' }));
    expect(hist.metrics).toEqual([
      { key: 'loss', value: 'NaN', timestamp: 10, step: 1 },
      { key: 'loss', value: 'Infinity', timestamp: 11, step: 2 },
      { key: 'loss', value: 0.25, timestamp: 12, step: 3 },
    ]);
    const paged = body(await call(A.ctx, 'GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: '2' }));
    expect((paged.metrics as unknown[]).length).toBe(2);
    expect(paged.next_page_token).toBeTruthy();
    const got = body(await call(A.ctx, 'GET', 'runs/get', { run_id: runId })).run as { info: Record<string, unknown>; data: { metrics: unknown[]; tags: { key: string }[] } };
    expect(got.info).toMatchObject({ run_id: runId, run_uuid: runId, experiment_id: ids.exp, status: 'RUNNING', lifecycle_stage: 'active' });
    expect(got.info.artifact_uri).toBe(`mlflow-artifacts:/${ids.exp}/${runId}/artifacts`);
    expect(got.data.metrics).toEqual([{ key: 'loss', value: 0.25, timestamp: 12, step: 3 }]);
    expect(got.data.tags.map((t) => t.key)).toEqual(['mlflow.runName', 'mlflow.user']);
    const upd = body(await call(A.ctx, 'POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: '1700000001000' }));
    expect(upd.run_info).toMatchObject({ status: 'FINISHED', end_time: 1700000001000 });
  });

  it('searches runs with a filter string, order_by and a page token', async () => {
    const search = body(await call(A.ctx, 'POST', 'runs/search', { experiment_ids: [ids.exp], filter: "params.lr = '0.1' and metrics.acc >= 0.5", order_by: ['metrics.acc DESC'], max_results: 1 }));
    expect((search.runs as { info: { run_id: string } }[]).map((r) => r.info.run_id)).toEqual([ids.run]);
    const all = body(await call(A.ctx, 'POST', 'runs/search', { experiment_ids: [ids.exp], max_results: 1, run_view_type: 'ALL' }));
    expect(all.next_page_token).toBeTruthy();
  });

  it('answers in MLflow’s error shape', async () => {
    expect(await call(A.ctx, 'GET', 'runs/get', { run_id: 'run_nope' })).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await call(A.ctx, 'POST', 'experiments/create', { name: 'a-exp' })).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    expect(await call(A.ctx, 'POST', 'runs/log-parameter', { run_id: ids.run, key: 'lr', value: '0.2' })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call(A.ctx, 'POST', 'runs/log-metric', { run_id: ids.run, key: 'acc', value: 'abc', timestamp: 1 })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await call(A.ctx, 'POST', 'runs/nope', {})).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
    expect(matchMlflowRoute('GET', 'runs/log-batch').kind).toBe('method_not_allowed');
    expect(matchMlflowRoute('POST', '/runs/log-batch/').kind).toBe('ok');
    const statuses = Object.fromEntries(ERROR_CODES.map((c) => [c, mlflowError(new AppError(c, 'x')).status]));
    expect(statuses).toMatchObject({ UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, BAD_USER_INPUT: 400, CONFLICT: 400, RATE_LIMITED: 429, INTERNAL: 500 });
    expect(mlflowError(new AppError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 7 }))).toMatchObject({ body: { error_code: 'REQUEST_LIMIT_EXCEEDED' }, headers: { 'retry-after': '7' } });
    // Unexpected errors reveal nothing.
    expect(mlflowError(new Error('relation "runs" does not exist'))).toEqual({ status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'Internal server error' }, headers: {} });
  });
});

type RestCase = { method: string; path: string; params: () => MlflowParams; expect: 'RESOURCE_DOES_NOT_EXIST' | ((b: Record<string, unknown>) => void) };
const noAData = (b: Record<string, unknown>) => {
  const s = JSON.stringify(b);
  expect(s).not.toContain(ids.exp);
  expect(s).not.toContain(ids.run);
};

/** Every route, driven by tenant B with tenant A's IDs. */
const REST_CASES: RestCase[] = [
  { method: 'POST', path: 'experiments/create', params: () => ({ name: 'a-exp' }), expect: noAData },
  { method: 'GET', path: 'experiments/get', params: () => ({ experiment_id: ids.exp }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'experiments/get-by-name', params: () => ({ experiment_name: 'a-exp' }), expect: (b) => expect((b.experiment as { experiment_id: string }).experiment_id).not.toBe(ids.exp) },
  { method: 'POST', path: 'experiments/search', params: () => ({ filter: "name = 'a-exp'", view_type: 'ALL' }), expect: noAData },
  { method: 'GET', path: 'experiments/search', params: () => ({ max_results: '10' }), expect: noAData },
  { method: 'POST', path: 'experiments/update', params: () => ({ experiment_id: ids.exp, new_name: 'stolen' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'experiments/delete', params: () => ({ experiment_id: ids.exp }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'experiments/restore', params: () => ({ experiment_id: ids.exp }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'experiments/set-experiment-tag', params: () => ({ experiment_id: ids.exp, key: 'k', value: 'v' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'experiments/delete-experiment-tag', params: () => ({ experiment_id: ids.exp, key: 'k' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/create', params: () => ({ experiment_id: ids.exp }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'runs/get', params: () => ({ run_id: ids.run }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/update', params: () => ({ run_id: ids.run, status: 'KILLED' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/delete', params: () => ({ run_id: ids.run }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/restore', params: () => ({ run_id: ids.run }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/search', params: () => ({ experiment_ids: [ids.exp], run_view_type: 'ALL' }), expect: (b) => expect(b.runs ?? []).toEqual([]) },
  { method: 'POST', path: 'runs/log-metric', params: () => ({ run_id: ids.run, key: 'acc', value: 1, timestamp: 1, step: 9 }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/log-parameter', params: () => ({ run_id: ids.run, key: 'new', value: '1' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/set-tag', params: () => ({ run_id: ids.run, key: 't', value: 'b' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/delete-tag', params: () => ({ run_id: ids.run, key: 't' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'runs/log-batch', params: () => ({ run_id: ids.run, tags: [{ key: 't', value: 'b' }] }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  {
    method: 'POST',
    path: 'runs/log-inputs',
    params: () => ({ run_id: ids.run, datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: 's' } }] }),
    expect: 'RESOURCE_DOES_NOT_EXIST',
  },
  { method: 'GET', path: 'metrics/get-history', params: () => ({ run_id: ids.run, metric_key: 'acc' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
];

describe('tenant isolation over the MLflow API', () => {
  it('has a case for every route', () => {
    expect(REST_CASES.map((c) => `${c.method} ${c.path}`).sort()).toEqual([...MLFLOW_ROUTE_KEYS].sort());
  });

  for (const c of REST_CASES) {
    it(`${c.method} ${c.path}`, async () => {
      const before = await snapshotA();
      const r = await call(B.ctx, c.method, c.path, c.params());
      if (typeof c.expect === 'string') {
        expect(r).toMatchObject({ status: 404, body: { error_code: c.expect } });
      } else {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        c.expect(body(r));
      }
      expect(await snapshotA()).toEqual(before);
    });
  }
});
