import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { runCommand, type CommandResult } from './helpers';

/**
 * As an ML practitioner I submit the bundled churn example from my terminal with
 * `gantry jobs submit -f examples/churn/job.yaml --follow` on the local cluster:
 * the logs stream, the real mlflow client inside the job logs params, metrics and an
 * ONNX model to the job's run, and a model version is registered. Then I evaluate
 * that version with the example's evaluation job against checks, and put the
 * model on a retraining schedule.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));

function runCli(args: string[], env: Record<string, string>): Promise<CommandResult> {
  return runCommand(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env } });
}

async function gql<T = Record<string, unknown>>(request: APIRequestContext, query: string, variables: Record<string, unknown> = {}, key?: string): Promise<T> {
  const res = await request.post('/api/graphql', {
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    data: { query, variables },
  });
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!;
}

async function poll<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('the churn example trains from the CLI, registers a version, passes its evaluation and gets a retraining schedule', async ({ request, baseURL }) => {
  // The first job on a fresh platform builds the example's Python environment (a minute or two).
  test.setTimeout(540_000);
  const suffix = `${Date.now()}-${randomBytes(3).toString('hex')}`;
  const email = `jobs-${suffix}@example.com`;
  const password = `jobs-pass-${suffix}`;

  const key = await test.step('sign up and make an API key for tools', async () => {
    const signup = await request.post('/api/auth/signup', { data: { email, name: 'Jobs Tester', password, organizationName: `Jobs ${suffix}` } });
    expect(signup.status(), await signup.text()).toBe(201);
    const { csrfToken } = (await (await request.get('/api/auth/csrf')).json()) as { csrfToken: string };
    const signin = await request.post('/api/auth/callback/credentials', { form: { csrfToken, email, password, json: 'true', callbackUrl: baseURL! } });
    expect(signin.status()).toBe(200);
    const data = await gql<{ createApiKey: { secret: string } }>(request, 'mutation { createApiKey(input: { name: "ci", scopes: [read, write] }) { secret } }');
    return data.createApiKey.secret;
  });

  const project = await test.step('a team and a project for the model', async () => {
    const team = await gql<{ createTeam: { id: string } }>(request, 'mutation { createTeam(input: { name: "Growth" }) { id } }', {}, key);
    const p = await gql<{ createProject: { slug: string } }>(request, 'mutation($t: ID!) { createProject(input: { teamId: $t, name: "Churn prediction" }) { slug } }', { t: team.createTeam.id }, key);
    return p.createProject.slug;
  });

  const cli = (args: string[]) => runCli([...args, '--url', baseURL!], { GANTRY_API_KEY: key });

  const jobId = await test.step('gantry jobs submit --follow streams the training logs and exits 0', async () => {
    const examples = await gql<{ exampleJobs: { id: string; specJson: string }[] }>(request, '{ exampleJobs { id specJson } }', {}, key);
    const train = JSON.parse(examples.exampleJobs.find((e) => e.id === 'churn/job.yaml')!.specJson) as { args: string[] };
    const r = await cli(['jobs', 'submit', '-f', 'examples/churn/job.yaml', '--set', `project=${project}`, '--set', `args=[${train.args[0]}]`, '--follow']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/epoch/i);
    // The job file's requirements.txt, read by the CLI, became the job's own Python environment.
    expect(r.stderr).toMatch(/pending( \(attempt 1 of 2\))?: EnvironmentReady: Python environment ready/);
    expect(r.stdout).toContain('gantry: Python environment ready');
    const ls = await cli(['jobs', 'ls', '--json']);
    const { jobs } = JSON.parse(ls.stdout) as { jobs: { id: string; status: string; costMicros: string | null }[] };
    expect(jobs[0]).toMatchObject({ status: 'succeeded' });
    return jobs[0]!.id;
  });

  const versionId = await test.step('the job’s run has the metrics the mlflow client logged, and a version was registered', async () => {
    const { job } = await gql<{ job: { runId: string; modelVersionId: string; runtimeSeconds: number; run: { status: string; params: { key: string; value: string }[]; latestMetrics: { key: string; value: number }[] } } }>(
      request,
      'query($id: ID!) { job(id: $id) { runId modelVersionId runtimeSeconds run { status params { key value } latestMetrics { key value } } } }',
      { id: jobId },
      key,
    );
    expect(job.run.status).toBe('FINISHED');
    expect(job.run.params).toEqual(expect.arrayContaining([{ key: 'learning_rate', value: '0.1' }]));
    const auc = job.run.latestMetrics.find((m) => m.key === 'auc');
    expect(auc?.value).toBeGreaterThan(0.7);
    expect(job.modelVersionId).toMatch(/^mv_/);
    const { modelVersion } = await gql<{ modelVersion: { framework: string | null; version: number } }>(request, 'query($id: ID!) { modelVersion(id: $id) { framework version } }', { id: job.modelVersionId }, key);
    expect(modelVersion).toMatchObject({ framework: 'onnx', version: 1 });
    return job.modelVersionId;
  });

  const modelId = await test.step('an evaluation of the version on the holdout set passes its checks', async () => {
    const { registeredModel } = await gql<{ registeredModel: { id: string } }>(request, '{ registeredModel(name: "churn") { id } }', {}, key);
    const examples = await gql<{ exampleJobs: { id: string; specJson: string }[] }>(request, '{ exampleJobs { id specJson } }', {}, key);
    const evalSpec = JSON.parse(examples.exampleJobs.find((e) => e.id === 'churn/evaluate.job.yaml')!.specJson) as { command: string[]; args: string[]; python: { requirements: string[] } };
    await gql(
      request,
      'mutation($m: ID!, $t: JobTemplateInput!) { setEvaluationPolicy(modelId: $m, checks: ["auc >= 0.7", "auc >= champion.auc - 0.02"], jobTemplate: $t) { id } }',
      { m: registeredModel.id, t: { command: evalSpec.command, args: evalSpec.args, python: evalSpec.python, experiment: 'churn-evaluation' } },
      key,
    );
    const { startEvaluation } = await gql<{ startEvaluation: { id: string } }>(request, 'mutation($v: ID!) { startEvaluation(modelVersionId: $v) { id } }', { v: versionId }, key);
    const done = await poll('the evaluation', async () => {
      const { evaluation } = await gql<{ evaluation: { status: string; results: { expression: string; passed: boolean }[]; metrics: { key: string }[] } }>(
        request,
        'query($id: ID!) { evaluation(id: $id) { status results { expression passed } metrics { key } } }',
        { id: startEvaluation.id },
        key,
      );
      return evaluation.status === 'running' ? null : evaluation;
    });
    expect(done.status).toBe('passed');
    expect(done.results).toEqual([
      { expression: 'auc >= 0.7', passed: true },
      { expression: 'auc >= champion.auc - 0.02', passed: true },
    ]);
    return registeredModel.id;
  });

  // Schedules spend money unattended: the owner's session sets them up, a `write` key cannot.
  await test.step('a retraining policy schedules the job weekly', async () => {
    const examples = await gql<{ exampleJobs: { id: string; specJson: string }[] }>(request, '{ exampleJobs { id specJson } }', {}, key);
    const train = JSON.parse(examples.exampleJobs.find((e) => e.id === 'churn/job.yaml')!.specJson) as { command: string[]; args: string[]; python: { requirements: string[] } };
    await gql(
      request,
      'mutation($m: ID!, $t: JobTemplateInput!) { createRetrainingPolicy(input: { modelId: $m, name: "weekly", cron: "0 4 * * 1", jobTemplate: $t }) { id } }',
      { m: modelId, t: { command: train.command, args: train.args, python: train.python, experiment: 'churn' } },
    );
    const { retrainingPolicies } = await gql<{ retrainingPolicies: { name: string; cron: string; nextRunTimes: string[]; paused: boolean }[] }>(
      request,
      'query($m: ID!) { retrainingPolicies(modelId: $m) { name cron nextRunTimes paused } }',
      { m: modelId },
    );
    expect(retrainingPolicies).toHaveLength(1);
    expect(retrainingPolicies[0]).toMatchObject({ name: 'weekly', cron: '0 4 * * 1', paused: false });
    expect(new Date(retrainingPolicies[0]!.nextRunTimes[0]!).getUTCDay()).toBe(1);
  });
});
