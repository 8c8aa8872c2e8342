import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createProject, createTeam, graphqlAs, graphqlInPage, orgSlugOf, screenshot, signUp, stamp, uniqueEmail, runCommand, pythonEnv } from './helpers';

/**
 * As an ML practitioner I land on a home page that is about my team's ML work: a new
 * organization shows me where to start, and a busy one its jobs, runs and models. The pages
 * I open from there (run, experiment, model, version, project, audit log) read as a reviewer
 * would want them: single values as numbers, who created what, every column reachable,
 * compact empty states, the MLflow variables first. Each page is captured for review.
 */

/** Runs a Python snippet with the real mlflow client. */
async function python(code: string, env: Record<string, string>): Promise<string> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-pages-e2e-'));
  try {
    const r = await runCommand('python3', ['-c', code], { env: pythonEnv({ TMPDIR: tmp, ...env }) });
    if (r.code !== 0) throw new Error(`python exited ${r.code}:
${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const TRAIN = `
import math, os, mlflow
mlflow.set_experiment(os.environ["EXPERIMENT"])
ids = []
for i, (leaves, lr) in enumerate([(31, 0.1), (63, 0.05), (127, 0.05), (255, 0.03), (511, 0.02), (1023, 0.01)]):
    with mlflow.start_run(run_name=f"lgbm-{leaves}-leaves") as run:
        mlflow.log_params({
            "num_leaves": leaves, "learning_rate": lr, "feature_fraction": 0.8, "bagging_fraction": 0.9,
            "bagging_freq": 5, "min_data_in_leaf": 50, "lambda_l1": 0.1, "lambda_l2": 1.0, "max_depth": -1,
            "num_rounds": 800, "objective": "binary", "metric": "auc", "early_stopping_rounds": 50,
            "categorical_features": "surface,country,device",
        })
        mlflow.set_tags({"team": "recommendations", "dataset": "feed-impressions-30d"})
        client = mlflow.MlflowClient()
        from mlflow.entities import Metric
        import time
        now = int(time.time() * 1000)
        points = []
        for step in range(40):
            points.append(Metric("train_loss", 0.7 / (1 + step * 0.08 * (1 + i * 0.1)) + 0.01 * math.sin(step), now + step, step))
            points.append(Metric("val_auc", 0.80 + 0.01 * i - 0.12 / (1 + step * 0.2), now + step, step))
        client.log_batch(run.info.run_id, metrics=points)
        mlflow.log_metric("test_auc", round(0.791 + 0.004 * i, 4))
        mlflow.log_dict({"model": "lightgbm", "num_leaves": leaves, "learning_rate": lr, "features": ["user_ctr_7d", "post_age_hours", "author_followers"]}, "config.json")
        ids.append(run.info.run_id)
print(",".join(ids))
`;

/** Full-page captures stitch from the top; scrolled, the fixed shell would land mid-page. */
async function shot(page: Page, name: string) {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await page.mouse.move(0, 0);
  // Skeletons pulse until their query answers.
  await expect(page.locator('.animate-pulse.rounded-md')).toHaveCount(0);
  await screenshot(page, name);
}

async function createKey(page: Page, org: string, name: string): Promise<string> {
  await page.goto(`/o/${org}/settings/api-keys`);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('checkbox', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
  expect(secret).toMatch(/^gty_/);
  return secret;
}

test('every page has the site icon', async ({ page, request }) => {
  const ico = await request.get('/favicon.ico');
  expect(ico.status()).toBe(200);
  expect(ico.headers()['content-type']).toMatch(/^image\//);
  await page.goto('/signin');
  const href = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(href).toBeTruthy();
  const icon = await request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toMatch(/^image\//);
});

test('a new organization’s home page shows where to start, and a first run from its snippet lands there', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await signUp(page, { name: 'Noor Haddad', email: uniqueEmail('noor'), organizationName: `Fresh Start ${stamp()}` });
  const org = orgSlugOf(page);
  await expect(page.getByTestId('home-greeting')).toContainText('Welcome to Gantry, Noor');
  await expect(page.getByText(/Welcome back/)).toHaveCount(0);
  const steps = page.getByTestId('start-step');
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(0)).toContainText('Log a first run with MLflow');
  await expect(steps.nth(1)).toContainText('Run the example training job');
  await expect(steps.nth(2)).toContainText('Register a model');
  for (let i = 0; i < 3; i++) await expect(steps.nth(i)).toHaveAttribute('data-done', 'false');
  const snippet = (await page.getByTestId('start-mlflow-env').textContent())!;
  expect(snippet).toContain(`export MLFLOW_TRACKING_URI=${new URL(baseURL!).origin}`);
  expect(snippet).toContain('export MLFLOW_TRACKING_TOKEN=<your API key>');
  await expect(steps.nth(0).getByRole('link', { name: 'Create an API key' })).toHaveAttribute('href', `/o/${org}/settings/api-keys`);
  // Jobs need a project: the example step says so first.
  await expect(steps.nth(1).getByRole('link', { name: 'Create a team and project' })).toBeVisible();
  await shot(page, 'review-overview-new');

  // The snippet's last line, run as printed with a real key, logs a run to the default experiment.
  const secret = await createKey(page, org, 'laptop');
  const line = snippet.split('\n').find((l) => l.startsWith('python -c'))!;
  const code = /^python -c '(.*)'$/.exec(line)![1]!;
  await python(code, { MLFLOW_TRACKING_URI: baseURL!, MLFLOW_TRACKING_TOKEN: secret });
  await page.goto(`/o/${org}`);
  await expect(page.getByTestId('start-here')).toHaveCount(0);
  await expect(page.getByTestId('home-greeting')).not.toContainText('Welcome');
  const run = page.getByTestId('home-run').first();
  await expect(run).toContainText('accuracy');
  await expect(run).toContainText('0.91');
  await expect(run).toContainText('laptop');
});

test('an ML team’s home, run, experiment, model, version, project and audit pages', async ({ page, request, baseURL }) => {
  test.setTimeout(360_000);
  await signUp(page, { name: 'Grace Hopper', email: uniqueEmail('grace'), organizationName: `Northwind ML ${stamp()}` });
  const org = orgSlugOf(page);
  await createTeam(page, org, 'Recommendations');
  const projectPath = await createProject(page, 'Home feed ranking', 'Click-through model for the home feed');
  const projectId = projectPath.split('/').pop()!;
  const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;
  const keyName = 'Nightly retraining pipeline for home feed ranking (prod)';
  const secret = await createKey(page, org, keyName);

  const call = async (query: string) => {
    const { body } = await graphqlAs(request, secret, query);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data as Record<string, { id: string }>;
  };
  const gql = async <T,>(query: string) => {
    const r = await graphqlInPage(page, orgId, query);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data as T;
  };

  // Six runs of a sweep from the real mlflow client (its OS user is the mlflow.user tag), each with
  // 14 params, two curves, a test score logged once and a JSON config.
  const experiment = 'ctr-lightgbm';
  const experimentId = (await call(`mutation { createExperiment(input: { projectId: "${projectId}", name: "${experiment}" }) { id } }`)).createExperiment!.id;
  const runIds = (await python(TRAIN, { MLFLOW_TRACKING_URI: baseURL!, MLFLOW_TRACKING_TOKEN: secret, EXPERIMENT: experiment })).trim().split(',');
  expect(runIds).toHaveLength(6);
  const bestRun = runIds[5]!;

  const modelId = (await call(`mutation { createRegisteredModel(input: { projectId: "${projectId}", name: "home-feed-ranker", description: "Ranks candidate posts for the home feed." }) { id } }`))
    .createRegisteredModel!.id;
  const versionIds: string[] = [];
  for (const runId of [runIds[3]!, bestRun]) {
    versionIds.push((await call(`mutation { createModelVersion(input: { modelId: "${modelId}", runId: "${runId}", artifactPath: "model", framework: "lightgbm" }) { id } }`)).createModelVersion!.id);
  }
  await call(`mutation { setModelAlias(input: { modelId: "${modelId}", alias: "champion", version: 1 }) { id } }`);
  await call(`mutation { setModelAlias(input: { modelId: "${modelId}", alias: "challenger", version: 2 }) { id } }`);

  const submit = async (name: string, code: string) =>
    (
      await gql<{ submitTrainingJob: { id: string } }>(
        `mutation { submitTrainingJob(input: { project: "${projectId}", name: "${name}", command: ["python3", "-c", ${JSON.stringify(code)}], resources: { cpu: 1, memoryMiB: 1024 }, hyperparameters: [{ key: "num_leaves", value: "255" }] }) { id } }`,
      )
    ).submitTrainingJob.id;
  const finished = await submit('feed-ranker-nightly', "for e in range(3):\n    print(f'epoch {e}', flush=True)");
  const running = await submit('feed-ranker-sweep', 'import time\nwhile True:\n    print("step", flush=True)\n    time.sleep(1)');
  const statusOf = async (id: string) => (await gql<{ job: { status: string } }>(`{ job(id: "${id}") { status } }`)).job.status;
  await expect.poll(() => statusOf(finished), { timeout: 120_000 }).toBe('succeeded');
  await expect.poll(() => statusOf(running), { timeout: 60_000 }).toBe('running');
  const jobRun = (await gql<{ job: { runId: string } }>(`{ job(id: "${finished}") { runId } }`)).job.runId;

  await test.step('the home page shows running and recent jobs, runs with their key metric, and models with aliases', async () => {
    await page.goto(`/o/${org}`);
    await expect(page.getByTestId('start-here')).toHaveCount(0);
    await expect(page.getByText(/Welcome back/)).toHaveCount(0);
    const jobs = page.getByTestId('home-job');
    await expect(jobs.filter({ hasText: 'feed-ranker-sweep' })).toContainText('Running');
    await expect(jobs.filter({ hasText: 'feed-ranker-nightly' })).toContainText('Succeeded');
    const best = page.getByTestId('home-run').filter({ hasText: 'lgbm-1023-leaves' });
    await expect(best.getByTestId('home-run-metric')).toContainText('test_auc');
    await expect(best.getByTestId('home-run-metric')).toContainText('0.811');
    await expect(best).toContainText(keyName.slice(0, 20));
    await expect(page.getByTestId('home-run').filter({ hasText: 'feed-ranker-nightly' })).toContainText('Job of Grace Hopper');
    const model = page.getByTestId('home-model').filter({ hasText: 'home-feed-ranker' });
    await expect(model.locator('[data-alias="champion"]')).toContainText('v1');
    await expect(model.locator('[data-alias="challenger"]')).toContainText('v2');
    await shot(page, 'review-overview');
  });

  await test.step('the project page starts with the MLflow variables for one of its experiments, then the GraphQL curl', async () => {
    await page.goto(projectPath);
    await expect(page.getByTestId('project-name')).toHaveText('Home feed ranking');
    await expect(page.getByTestId('project-experiments')).toContainText(experiment);
    await page.getByLabel('Log to experiment').selectOption({ label: experiment });
    const env = page.getByTestId('mlflow-env');
    await expect(env).toContainText(`export MLFLOW_TRACKING_URI=${new URL(baseURL!).origin}`);
    await expect(env).toContainText('export MLFLOW_TRACKING_TOKEN=<your API key>');
    await expect(env).toContainText(`export MLFLOW_EXPERIMENT_NAME=${experiment}`);
    const [envBox, curlBox] = [await env.boundingBox(), await page.getByTestId('graphql-curl').boundingBox()];
    expect(envBox!.y).toBeLessThan(curlBox!.y);
    // The created date once, not a date and then the same date with its time.
    const created = (await page.getByTestId('project-created').textContent())!;
    expect(created.match(/\d{4}/g)).toHaveLength(1);
    await shot(page, 'review-project');
  });

  await test.step('the experiment’s runs table scrolls sideways past its sticky run names, and its columns can be chosen', async () => {
    await page.goto(`/o/${org}/experiments/${experimentId}`);
    await expect(page.getByTestId('run-row')).toHaveCount(6);
    const table = page.getByTestId('runs-table');
    await expect(table.getByRole('button', { name: 'Sort by objective' })).not.toBeInViewport();
    await shot(page, 'review-experiment');
    // The last param column comes into view a few clicks to the right.
    await expect(async () => {
      await page.getByRole('button', { name: 'Scroll to more columns' }).click({ timeout: 2000 });
      await expect(table.getByRole('button', { name: 'Sort by objective' })).toBeInViewport({ timeout: 1500 });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByTestId('run-link').first()).toBeInViewport();
    await expect(page.getByRole('button', { name: 'Scroll to earlier columns' })).toBeVisible();

    await page.getByRole('button', { name: 'Choose columns' }).click();
    await page.getByTestId('column-picker').getByRole('checkbox', { name: 'bagging_freq' }).uncheck();
    await page.keyboard.press('Escape');
    await expect(table.getByRole('button', { name: 'Sort by bagging_freq' })).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('run-row')).toHaveCount(6);
    await expect(table.getByRole('button', { name: 'Sort by bagging_fraction' })).toHaveCount(1);
    await expect(table.getByRole('button', { name: 'Sort by bagging_freq' })).toHaveCount(0);
  });

  await test.step('a run shows a metric logged once as a number, who created it, and its JSON as JSON', async () => {
    await page.goto(`/o/${org}/runs/${bestRun}`);
    await expect(page.getByTestId('run-name')).toHaveText('lgbm-1023-leaves');
    await expect(page.getByTestId('metric-value-test_auc')).toContainText('0.811');
    await expect(page.getByTestId('metric-chart-test_auc')).toHaveCount(0);
    await expect(page.getByTestId('metric-chart-val_auc')).toHaveAttribute('data-points', '40');
    const createdBy = page.getByTestId('run-created-by').locator('..');
    await expect(createdBy).toContainText(keyName.slice(0, 12));
    await expect(createdBy).toContainText('API key of Grace Hopper');
    await expect(createdBy).not.toContainText('root');
    // Parameters and Tags side by side, one height.
    const [params, tags] = [await page.getByTestId('run-params').locator('xpath=..').boundingBox(), await page.getByTestId('run-tags').locator('xpath=..').boundingBox()];
    expect(Math.round(params!.height)).toBe(Math.round(tags!.height));
    await page.getByTestId('artifacts-browser').getByRole('button', { name: /config\.json/ }).click();
    await expect(page.getByTestId('artifact-preview')).toContainText('"lightgbm"');
    await expect(page.getByTestId('artifact-preview')).toContainText('application/json');
    await shot(page, 'review-run');

    await page.goto(`/o/${org}/runs/${jobRun}`);
    await expect(page.getByTestId('run-name')).toHaveText('feed-ranker-nightly');
    const byJob = page.getByTestId('run-created-by').locator('..');
    await expect(byJob).toContainText('Job feed-ranker-nightly');
    await expect(byJob).toContainText('submitted by Grace Hopper');
    await expect(page.getByTestId('run-created-by').getByRole('link')).toHaveAttribute('href', `/o/${org}/jobs/${finished}`);
    await shot(page, 'review-run-job');
  });

  await test.step('the model page shows its empty evaluation policy and retraining in one compact shape', async () => {
    await page.goto(`/o/${org}/models/${modelId}`);
    const policy = page.getByTestId('evaluation-policy-empty');
    const retraining = page.getByTestId('retraining-empty');
    await expect(policy).toBeVisible();
    await expect(retraining).toBeVisible();
    const compact = await policy.getAttribute('class');
    expect(await retraining.getAttribute('class')).toBe(compact);
    await shot(page, 'review-model');

    await page.goto(`/o/${org}/models/${modelId}/versions/${versionIds[1]}`);
    await expect(page.getByTestId('lineage-node-run')).toContainText('lgbm-1023-leaves');
    const empty = page.getByTestId('evaluations-empty');
    await expect(empty).toBeVisible();
    expect(await empty.getAttribute('class')).toBe(compact);
    expect((await empty.boundingBox())!.height).toBeLessThan(90);
    await shot(page, 'review-model-version');
  });

  await test.step('the audit log shows the key’s whole name', async () => {
    await page.goto(`/o/${org}/audit`);
    const actor = page.getByTestId('audit-row').filter({ hasText: 'registered_model.create' }).getByTestId('audit-actor');
    await expect(actor).toHaveText(keyName);
    // Wrapped, not cut: the element shows all it holds.
    expect(await actor.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await shot(page, 'review-audit');
  });

  // Stopped before the platform is: a local job's process must not outlive the test.
  await gql(`mutation { cancelJob(id: "${running}", reason: "review done") { id } }`);
  await expect.poll(() => statusOf(running), { timeout: 60_000 }).toBe('cancelled');
});
