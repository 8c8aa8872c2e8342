import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../db/test/database';
import type { TenantContext } from '../../tenancy/context';
import { signUpUser, type SignedUp } from '../../../testing/fixtures';
import { endpointNotFound, matchMlflowRoute, mlflowError, runMlflowRoute, type MlflowParams, type MlflowResponse } from '../../tracking/mlflow/dispatch';
import { REGISTRY_ROUTE_KEYS } from './dispatch';

let db: TestDatabase;
let A: SignedUp;
let B: SignedUp;
const ids = { exp: '', run: '', loggedModel: '' };

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
    select (select string_agg(name || description || next_version, ',' order by id) from registered_models where org_id = ${A.orgId}) as models,
           (select string_agg(key || '=' || value, ',' order by key) from registered_model_tags where org_id = ${A.orgId}) as model_tags,
           (select string_agg(version || description || stage, ',' order by id) from model_versions where org_id = ${A.orgId}) as versions,
           (select string_agg(key || '=' || value, ',' order by key) from model_version_tags where org_id = ${A.orgId}) as version_tags,
           (select string_agg(alias || version_id, ',' order by alias) from model_aliases where org_id = ${A.orgId}) as aliases,
           (select string_agg(name || status || coalesce(deleted_at::text, ''), ',' order by id) from logged_models where org_id = ${A.orgId}) as logged,
           (select string_agg(key || '=' || value, ',' order by key) from logged_model_tags where org_id = ${A.orgId}) as logged_tags,
           (select count(*) from logged_model_params where org_id = ${A.orgId})::int as logged_params,
           (select count(*) from run_model_outputs where org_id = ${A.orgId})::int as outputs,
           (select count(*) from audit_events where org_id = ${A.orgId})::int as audit`;
  return row;
}

beforeAll(async () => {
  db = await createTestDatabase();
  A = await signUpUser('reg-rest-a');
  B = await signUpUser('reg-rest-b');
  ids.exp = body(await call(A.ctx, 'POST', 'experiments/create', { name: 'a-exp' })).experiment_id as string;
  ids.run = (body(await call(A.ctx, 'POST', 'runs/create', { experiment_id: ids.exp })).run as { info: { run_id: string } }).info.run_id;
  await call(A.ctx, 'POST', 'registered-models/create', { name: 'secret', tags: [{ key: 't', value: 'a' }] });
  await call(A.ctx, 'POST', 'model-versions/create', { name: 'secret', source: `runs:/${ids.run}/model`, run_id: ids.run, tags: [{ key: 'vt', value: 'a' }] });
  await call(A.ctx, 'POST', 'registered-models/alias', { name: 'secret', alias: 'champion', version: '1' });
  const lm = body(await call(A.ctx, 'POST', 'logged-models', { experiment_id: ids.exp, source_run_id: ids.run, name: 'm', tags: [{ key: 'lt', value: 'a' }] }));
  ids.loggedModel = (lm.model as { info: { model_id: string } }).info.model_id;
  // B has a model of its own, to try A's objects against.
  await call(B.ctx, 'POST', 'registered-models/create', { name: 'mine' });
});
afterAll(async () => {
  await db.drop();
});

describe('MLflow registry protocol', () => {
  it('serializes models, versions and aliases as the client expects', async () => {
    const m = body(await call(A.ctx, 'GET', 'registered-models/get', { name: 'secret' })).registered_model as Record<string, unknown>;
    expect(m).toMatchObject({ name: 'secret', tags: [{ key: 't', value: 'a' }], aliases: [{ alias: 'champion', version: '1' }] });
    expect((m.latest_versions as { version: string }[])[0]?.version).toBe('1');
    const v = body(await call(A.ctx, 'GET', 'registered-models/alias', { name: 'secret', alias: 'champion' })).model_version;
    expect(v).toMatchObject({ name: 'secret', version: '1', run_id: ids.run, status: 'READY', aliases: ['champion'], current_stage: 'None' });
    const uri = body(await call(A.ctx, 'GET', 'model-versions/get-download-uri', { name: 'secret', version: '1' }));
    expect(uri).toEqual({ artifact_uri: `mlflow-artifacts:/${ids.exp}/${ids.run}/artifacts/model` });
    const dup = await call(A.ctx, 'POST', 'registered-models/create', { name: 'secret' });
    expect(dup).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const badAlias = await call(A.ctx, 'POST', 'registered-models/alias', { name: 'secret', alias: 'v2', version: '1' });
    expect(badAlias).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('routes logged-model paths with parameters, literal segments first', async () => {
    const got = body(await call(A.ctx, 'GET', `logged-models/${ids.loggedModel}`, {})).model as { info: Record<string, unknown> };
    expect(got.info).toMatchObject({ model_id: ids.loggedModel, source_run_id: ids.run, status: 'LOGGED_MODEL_PENDING', artifact_uri: `mlflow-artifacts:/${ids.exp}/${ids.run}/artifacts/models/${ids.loggedModel}` });
    const fin = body(await call(A.ctx, 'PATCH', `logged-models/${ids.loggedModel}`, { model_id: ids.loggedModel, status: 'LOGGED_MODEL_READY' })).model as { info: { status: string } };
    expect(fin.info.status).toBe('LOGGED_MODEL_READY');
    const found = body(await call(A.ctx, 'POST', 'logged-models/search', { experiment_ids: [ids.exp] })).models as unknown[];
    expect(found).toHaveLength(1);
    expect(matchMlflowRoute('PUT', `logged-models/${ids.loggedModel}`).kind).toBe('method_not_allowed');
    expect(matchMlflowRoute('GET', 'logged-models/a/b/c/d').kind).toBe('not_found');
  });
});

type RestCase = { method: string; path: string; params: () => MlflowParams; expect: 'RESOURCE_DOES_NOT_EXIST' | ((b: Record<string, unknown>) => void) };
const noAData = (b: Record<string, unknown>) => {
  const s = JSON.stringify(b);
  expect(s).not.toContain('secret');
  expect(s).not.toContain(ids.run);
  expect(s).not.toContain(ids.loggedModel);
};
const lm = () => ids.loggedModel;

/** Every registry route, driven by tenant B with tenant A's names and IDs. */
const REST_CASES: RestCase[] = [
  { method: 'GET', path: 'registered-models/get', params: () => ({ name: 'secret' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'registered-models/search', params: () => ({ filter: "name LIKE '%secret%'" }), expect: noAData },
  { method: 'POST', path: 'registered-models/rename', params: () => ({ name: 'secret', new_name: 'stolen' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'PATCH', path: 'registered-models/update', params: () => ({ name: 'secret', description: 'x' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'DELETE', path: 'registered-models/delete', params: () => ({ name: 'secret' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'registered-models/set-tag', params: () => ({ name: 'secret', key: 't', value: 'b' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'DELETE', path: 'registered-models/delete-tag', params: () => ({ name: 'secret', key: 't' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'registered-models/get-latest-versions', params: () => ({ name: 'secret' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'registered-models/alias', params: () => ({ name: 'secret', alias: 'champion', version: '1' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'DELETE', path: 'registered-models/alias', params: () => ({ name: 'secret', alias: 'champion' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'registered-models/alias', params: () => ({ name: 'secret', alias: 'champion' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'model-versions/create', params: () => ({ name: 'mine', source: `runs:/${ids.run}/model`, run_id: ids.run }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'model-versions/get', params: () => ({ name: 'secret', version: '1' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'model-versions/search', params: () => ({ filter: `run_id = '${ids.run}'` }), expect: (b) => expect(b.model_versions ?? []).toEqual([]) },
  { method: 'PATCH', path: 'model-versions/update', params: () => ({ name: 'secret', version: '1', description: 'x' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'model-versions/transition-stage', params: () => ({ name: 'secret', version: '1', stage: 'Production' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'DELETE', path: 'model-versions/delete', params: () => ({ name: 'secret', version: '1' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'model-versions/set-tag', params: () => ({ name: 'secret', version: '1', key: 'vt', value: 'b' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'DELETE', path: 'model-versions/delete-tag', params: () => ({ name: 'secret', version: '1', key: 'vt' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'model-versions/get-download-uri', params: () => ({ name: 'secret', version: '1' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'logged-models', params: () => ({ experiment_id: ids.exp, source_run_id: ids.run }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'GET', path: 'logged-models/{model_id}', params: () => ({ model_id: lm(), allow_deleted: 'true' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'PATCH', path: 'logged-models/{model_id}', params: () => ({ model_id: lm(), status: 'LOGGED_MODEL_UPLOAD_FAILED' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'DELETE', path: 'logged-models/{model_id}', params: () => ({ model_id: lm() }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'PATCH', path: 'logged-models/{model_id}/tags', params: () => ({ model_id: lm(), tags: [{ key: 'lt', value: 'b' }] }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'DELETE', path: 'logged-models/{model_id}/tags/{tag_key}', params: () => ({ model_id: lm(), tag_key: 'lt' }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'logged-models/{model_id}/params', params: () => ({ model_id: lm(), params: [{ key: 'p', value: '1' }] }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  { method: 'POST', path: 'logged-models/search', params: () => ({ experiment_ids: [ids.exp] }), expect: (b) => expect(b.models ?? []).toEqual([]) },
  { method: 'POST', path: 'runs/outputs', params: () => ({ run_id: ids.run, models: [{ model_id: lm(), step: 0 }] }), expect: 'RESOURCE_DOES_NOT_EXIST' },
  // Last: B may take the name A uses (names are per organization), and gets a model of its own.
  {
    method: 'POST',
    path: 'registered-models/create',
    params: () => ({ name: 'secret' }),
    expect: (b) => {
      expect(b.registered_model).toMatchObject({ name: 'secret', user_id: B.actor.userId, aliases: [], latest_versions: [] });
      expect(JSON.stringify(b)).not.toContain(ids.run);
    },
  },
];

/** Fills `{param}` segments from the case's params, as a real request path would carry them. */
const concretePath = (path: string, p: MlflowParams) => path.replace(/\{(\w+)\}/g, (_m, k: string) => String(p[k]));

describe('tenant isolation over the MLflow registry API', () => {
  it('has a case for every route', () => {
    expect(REST_CASES.map((c) => `${c.method} ${c.path}`).sort()).toEqual([...REGISTRY_ROUTE_KEYS].sort());
  });

  for (const c of REST_CASES) {
    it(`${c.method} ${c.path}`, async () => {
      const before = await snapshotA();
      const params = c.params();
      const r = await call(B.ctx, c.method, concretePath(c.path, params), params);
      if (typeof c.expect === 'string') {
        expect(r, JSON.stringify(r.body)).toMatchObject({ status: 404, body: { error_code: c.expect } });
      } else {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        c.expect(body(r));
      }
      expect(await snapshotA()).toEqual(before);
    });
  }
});
