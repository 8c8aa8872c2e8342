import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { parseJUnit } from '../scripts/lib/junit';
import { runCommand, pythonEnv, type CommandResult } from './helpers';

/**
 * As an ML practitioner I point the unmodified mlflow Python client at Gantry with
 * an API key as MLFLOW_TRACKING_TOKEN, and my tracking code works as it does against
 * an MLflow server: experiments, runs, params, metrics, batches, tags, search, history,
 * dataset inputs, and a clear authentication error for a wrong key.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Each pytest case's result, which `npm test` counts one by one (scripts/test.ts). */
const PYTEST_XML = path.join(ROOT, 'test-results', 'pytest.xml');

function runPytest(env: Record<string, string>): Promise<CommandResult> {
  // The client's own temporary files (it leaves some behind) go where the test removes them.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-mlflow-e2e-'));
  mkdirSync(path.dirname(PYTEST_XML), { recursive: true });
  return runCommand('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${PYTEST_XML}`, 'e2e/mlflow'], {
    cwd: ROOT,
    env: pythonEnv({ TMPDIR: tmp, ...env }),
  }).finally(() => rmSync(tmp, { recursive: true, force: true }));
}

async function graphql(request: APIRequestContext, query: string) {
  const res = await request.post('/api/graphql', { headers: { 'content-type': 'application/json' }, data: { query } });
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!;
}

test('the mlflow client tracks experiments and runs in Gantry', async ({ request, baseURL }) => {
  test.setTimeout(300_000);
  expect(baseURL, 'use.baseURL must point at the running platform').toBeTruthy();
  const suffix = `${Date.now()}-${randomBytes(4).toString('hex')}`;
  const email = `mlflow-${suffix}@example.com`;
  const password = `mlflow-pass-${suffix}`;

  await test.step('sign up and sign in through next-auth', async () => {
    const signup = await request.post('/api/auth/signup', {
      data: { email, name: 'MLflow User', password, organizationName: `MLflow Org ${suffix}` },
    });
    expect(signup.status(), await signup.text()).toBe(201);
    const csrf = await request.get('/api/auth/csrf');
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signin = await request.post('/api/auth/callback/credentials', {
      form: { csrfToken, email, password, json: 'true', callbackUrl: baseURL! },
    });
    expect(signin.status(), await signin.text()).toBe(200);
    const session = await request.get('/api/auth/session');
    expect(((await session.json()) as { user?: { email?: string } }).user?.email).toBe(email);
  });

  const key = await test.step('create an API key with read and write scopes', async () => {
    const data = await graphql(request, 'mutation { createApiKey(input: { name: "mlflow", scopes: [read, write] }) { secret } }');
    return (data.createApiKey as { secret: string }).secret;
  });

  await test.step('unknown MLflow routes and missing credentials answer in MLflow’s error shape', async () => {
    const unknown = await request.post('/api/2.0/mlflow/runs/teleport', { data: {}, headers: { authorization: `Bearer ${key}` } });
    expect(unknown.status()).toBe(404);
    expect(await unknown.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    const anonymous = await request.fetch('/api/2.0/mlflow/experiments/search', { method: 'POST', data: {}, headers: { cookie: '' } });
    expect(anonymous.status()).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
  });

  await test.step('the real mlflow client suite passes', async () => {
    const r = await runPytest({ MLFLOW_TRACKING_URI: baseURL!.replace(/\/$/, ''), MLFLOW_TRACKING_TOKEN: key, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' });
    if (r.code !== 0) console.log(r.output);
    expect(r.code, r.output.slice(-4000)).toBe(0);
    // A skipped case (a missing module, say) would pass unseen: every case must have run.
    const cases = parseJUnit(readFileSync(PYTEST_XML, 'utf8'));
    expect(cases.length, r.output.slice(-4000)).toBeGreaterThan(0);
    expect(cases.filter((c) => c.outcome === 'skipped').map((c) => `${c.name}: ${c.message}`)).toEqual([]);
  });

  await test.step('what the client logged is visible through GraphQL', async () => {
    const data = await graphql(request, '{ projects { edges { node { id name } } } }');
    const projects = (data.projects as { edges: { node: { id: string; name: string } }[] }).edges.map((e) => e.node);
    expect(projects.map((p) => p.name)).toContain('Default');
    const exps = await graphql(request, `{ experiments(projectId: "${projects[0]!.id}", first: 100) { edges { node { id name } } } }`);
    const list = (exps.experiments as { edges: { node: { id: string; name: string } }[] }).edges.map((e) => e.node);
    const fluent = list.find((e) => e.name.startsWith('fluent-'));
    expect(fluent, JSON.stringify(list)).toBeTruthy();
    const runs = await graphql(
      request,
      `{ runs(experimentId: "${fluent!.id}", filter: { metrics: [{ key: "acc", op: GT, value: 0.9 }] }, orderBy: [{ metric: "acc" }]) { edges { node { id name status params { key value } } } } }`,
    );
    const nodes = (runs.runs as { edges: { node: { id: string; name: string; status: string } }[] }).edges.map((e) => e.node);
    expect(nodes.map((n) => [n.name, n.status])).toEqual([['baseline', 'FINISHED']]);
    const series = await graphql(request, `{ metricSeries(runId: "${nodes[0]!.id}", key: "loss", maxPoints: 2) { downsampled totalPoints buckets { min { value } max { value } } } }`);
    expect(series.metricSeries).toMatchObject({ downsampled: true, totalPoints: 5, buckets: [{ min: { value: 0.2 }, max: { value: 1 } }] });
  });
});
