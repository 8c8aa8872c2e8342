import { expect, test } from '@playwright/test';
import { createProject, createTeam, graphqlAs, graphqlInPage, invite, orgSlugOf, screenshot, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

// A tour of the main pages with realistic data; the PNGs under test-results/screenshots/
// are kept as artifacts for reviewing the UI.
test('tour of the main pages', async ({ page, browser, request }) => {
  test.setTimeout(240_000);

  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in to Gantry' })).toBeVisible();
  await screenshot(page, '01-signin');
  await page.goto('/signup');
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await screenshot(page, '02-signup');

  await signUp(page, { name: 'Grace Hopper', email: uniqueEmail('grace'), organizationName: `Northwind ML ${stamp()}` });
  const org = orgSlugOf(page);

  await createTeam(page, org, 'Recommendations');
  const projectPath = await createProject(page, 'Home feed ranking', 'Click-through model for the home feed');
  await createProject(page, 'Similar items', 'Item-to-item retrieval');
  await createTeam(page, org, 'Fraud');
  const fraudProjectPath = await createProject(page, 'Card fraud scoring', 'Real-time transaction risk');

  const invitePath = await invite(page, org, uniqueEmail('linus'), 'member');
  const context = await browser.newContext();
  const teammate = await context.newPage();
  await teammate.goto(invitePath);
  await expect(teammate.getByTestId('invite-org-name')).toBeVisible();
  await screenshot(teammate, '13-invite');
  await signUpAndAccept(teammate, invitePath, 'Linus Lindqvist');
  await context.close();
  await invite(page, org, uniqueEmail('margaret'), 'admin');
  await expect(page.getByTestId('member-row')).toHaveCount(2);
  await expect(page.getByTestId('invite-link-box')).toBeVisible();
  await screenshot(page, '04-members');

  await page.goto(`/o/${org}`);
  await expect(page.getByTestId('start-here')).toBeVisible();
  await screenshot(page, '03-overview');

  await page.goto(`/o/${org}/teams`);
  await expect(page.getByTestId('team-list').getByRole('link')).toHaveCount(2);
  await screenshot(page, '05-teams');

  await page.getByTestId('team-list').getByRole('link', { name: /Recommendations/ }).click();
  await expect(page.getByTestId('team-projects').getByRole('link')).toHaveCount(2);
  await screenshot(page, '06-team');

  await page.goto(`/o/${org}/projects`);
  await expect(page.getByTestId('project-row')).toHaveCount(3);
  await screenshot(page, '07-projects');

  await page.goto(projectPath);
  await expect(page.getByTestId('project-name')).toHaveText('Home feed ranking');
  await screenshot(page, '08-project');

  await page.goto(`/o/${org}/settings/api-keys`);
  await page.getByLabel('Name', { exact: true }).fill('Nightly retraining');
  await page.getByRole('checkbox', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('api-key-secret')).toContainText('gty_');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, '09-api-keys');

  // A tool using the key adds enough events (10 so far + 16) for the audit log to page at 25.
  const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
  for (let i = 1; i <= 16; i++) {
    const { body } = await graphqlAs(request, secret, `mutation { createTeam(input: { name: "Batch scoring ${i}" }) { id } }`);
    expect(body.errors).toBeUndefined();
  }

  await page.goto(`/o/${org}/audit`);
  await expect(page.getByTestId('audit-row')).toHaveCount(25);
  await expect(page.getByTestId('audit-row').first()).toContainText('API key');
  await page.getByRole('button', { name: 'Load older' }).click();
  await expect(page.getByTestId('audit-row')).toHaveCount(26);
  await expect(page.getByText('Beginning of the log')).toBeVisible();
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.getByTestId('chain-result')).toContainText('Chain intact');
  await screenshot(page, '10-audit');

  await page.goto(`/o/${org}/settings`);
  await screenshot(page, '11-settings');

  const notFound = await page.goto(`/o/${org}/projects/project_missing`);
  expect(notFound?.status()).toBe(404);
  await screenshot(page, '12-not-found');

  await page.goto(invitePath);
  await expect(page.getByTestId('invite-error')).toBeVisible();
  await screenshot(page, '14-invite-used');

  // The registry: runs logged by the training key, two models, versions and aliases with a history.
  const projectId = projectPath.split('/').pop()!;
  const call = async (query: string) => {
    const { body } = await graphqlAs(request, secret, query);
    expect(body.errors).toBeUndefined();
    return body.data as Record<string, { id: string }>;
  };
  const mlflow = async (path: string, data: unknown) => {
    const res = await request.post(`/api/2.0/mlflow/${path}`, { headers: { authorization: `Bearer ${secret}` }, data });
    expect(res.status(), await res.text()).toBe(200);
    return (await res.json()) as { run: { info: { run_id: string } } };
  };
  const experimentId = (await call(`mutation { createExperiment(input: { projectId: "${projectId}", name: "ctr-gbdt" }) { id } }`)).createExperiment!.id;
  const runs: string[] = [];
  for (const [name, leaves, auc] of [
    ['gbdt-255-leaves', '255', 0.781],
    ['gbdt-511-leaves', '511', 0.794],
  ] as const) {
    const runId = (await mlflow('runs/create', { experiment_id: experimentId, run_name: name, start_time: Date.now() - 3_600_000, tags: [{ key: 'mlflow.user', value: 'grace' }] })).run.info.run_id;
    await mlflow('runs/log-batch', {
      run_id: runId,
      params: [
        { key: 'num_leaves', value: leaves },
        { key: 'learning_rate', value: '0.05' },
        { key: 'feature_fraction', value: '0.8' },
        { key: 'min_data_in_leaf', value: '50' },
        { key: 'num_rounds', value: '800' },
        { key: 'objective', value: 'binary' },
      ],
      metrics: [
        { key: 'auc', value: auc, timestamp: Date.now(), step: 800 },
        { key: 'logloss', value: 0.41 - (auc - 0.78), timestamp: Date.now(), step: 800 },
        { key: 'ndcg_at_10', value: auc - 0.12, timestamp: Date.now(), step: 800 },
      ],
    });
    await mlflow('runs/log-inputs', {
      run_id: runId,
      datasets: [
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'feed-impressions-30d', digest: 'c41f09aa72b1', source_type: 's3', source: '{"uri": "s3://feeds/impressions/2024-06"}' } },
        { tags: [{ key: 'mlflow.data.context', value: 'evaluation' }], dataset: { name: 'feed-impressions-holdout', digest: '7de2310bb9c4', source_type: 's3', source: '{"uri": "s3://feeds/holdout/2024-06"}' } },
      ],
    });
    await mlflow('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() - 600_000 });
    runs.push(runId);
  }
  const modelId = (await call(`mutation { createRegisteredModel(input: { projectId: "${projectId}", name: "home-feed-ranker", description: "Ranks candidate posts for the home feed by predicted click-through.", tags: [{ key: "owner", value: "recommendations" }, { key: "tier", value: "1" }] }) { id } }`))
    .createRegisteredModel!.id;
  const signature = JSON.stringify({
    inputs: JSON.stringify([
      { type: 'double', name: 'user_ctr_7d' },
      { type: 'double', name: 'post_age_hours' },
      { type: 'long', name: 'author_followers' },
      { type: 'string', name: 'surface' },
    ]),
    outputs: JSON.stringify([{ type: 'double', name: 'p_click' }]),
  });
  const versionIds: string[] = [];
  for (const [i, runId] of runs.entries()) {
    const v = await call(
      `mutation { createModelVersion(input: { modelId: "${modelId}", runId: "${runId}", artifactPath: "model", framework: "lightgbm", sizeBytes: ${18_400_000 + i * 6_100_000}, signatureJson: ${JSON.stringify(signature)}, description: "${i === 0 ? 'First production candidate' : 'More leaves, +1.3 pt AUC'}" }) { id } }`,
    );
    versionIds.push(v.createModelVersion!.id);
  }
  await call(`mutation { setModelAlias(input: { modelId: "${modelId}", alias: "champion", version: 1 }) { id } }`);
  await call(`mutation { setModelAlias(input: { modelId: "${modelId}", alias: "challenger", version: 2 }) { id } }`);
  await call(`mutation { createRegisteredModel(input: { projectId: "${projectId}", name: "feed-candidate-retrieval", description: "Two-tower retrieval of candidate posts." }) { id } }`);
  const fraudModel = (await call(`mutation { createRegisteredModel(input: { projectId: "${fraudProjectPath.split('/').pop()!}", name: "card-fraud-scorer", description: "Real-time transaction risk score." }) { id } }`)).createRegisteredModel!.id;
  await call(`mutation { createModelVersion(input: { modelId: "${fraudModel}", source: "s3://fraud-models/xgb/2024-05-30", framework: "xgboost" }) { id } }`);
  await call(`mutation { setModelAlias(input: { modelId: "${fraudModel}", alias: "champion", version: 1 }) { id } }`);

  await page.goto(`/o/${org}/models/${modelId}`);
  const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;
  const protect = await graphqlInPage(page, orgId, `mutation { protectModelAlias(input: { modelId: "${modelId}", alias: "champion", minRole: admin }) { alias } }`);
  expect(protect.errors).toBeUndefined();
  // Promote the challenger in the UI: champion moves from v1 to v2.
  await page.reload();
  await page.getByLabel('Alias', { exact: true }).fill('champion');
  await page.getByLabel('Version', { exact: true }).selectOption('2');
  await page.getByRole('button', { name: 'Move alias' }).click();
  const champion = page.locator('[data-testid="alias-card"][data-alias="champion"]');
  await expect(champion.getByTestId('alias-target')).toHaveText('v2');
  await expect(champion.getByTestId('alias-history-entry')).toHaveCount(2);
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, '16-model');

  await page.goto(`/o/${org}/models`);
  await expect(page.getByTestId('model-row')).toHaveCount(3);
  await screenshot(page, '15-models');

  await page.goto(`/o/${org}/models/${modelId}/versions/${versionIds[1]}`);
  await expect(page.getByTestId('lineage-node-run')).toContainText('gbdt-511-leaves');
  await expect(page.getByTestId('version-signature')).toContainText('user_ctr_7d');
  await screenshot(page, '17-model-version');
});

// Clusters and jobs: a priced local cluster, jobs that succeeded, failed and are still running,
// the submit form, and the connection check of a (fake) Kubernetes cluster.
test('tour of clusters and jobs', async ({ page }) => {
  test.setTimeout(240_000);
  const { startKubernetesFake } = await import('../testing/kubernetes-fake');
  await signUp(page, { name: 'Katherine Johnson', email: uniqueEmail('katherine'), organizationName: `Orbital ML ${stamp()}` });
  const org = orgSlugOf(page);
  await createTeam(page, org, 'Forecasting');
  const projectId = (await createProject(page, 'Demand forecast', 'Daily demand per store and product')).split('/').pop()!;
  const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;
  const shot = async (name: string) => {
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0);
    });
    await screenshot(page, name);
  };
  const gql = async <T,>(query: string) => {
    const r = await graphqlInPage(page, orgId, query);
    expect(r.errors).toBeUndefined();
    return r.data as T;
  };

  const { clusters } = await gql<{ clusters: { id: string }[] }>('{ clusters { id } }');
  await gql(
    `mutation { updateClusterPrices(input: { clusterId: "${clusters[0]!.id}", cpuCoreHourMicros: "48000", memoryGibHourMicros: "6000", gpu: [{ gpuType: "nvidia-a100", hourMicros: "2500000" }, { gpuType: "nvidia-t4", hourMicros: "350000" }] }) { id } }`,
  );
  const submit = async (name: string, code: string, extra = '') =>
    (
      await gql<{ submitTrainingJob: { id: string } }>(
        `mutation { submitTrainingJob(input: { project: "${projectId}", name: "${name}", command: ["python3", "-c", ${JSON.stringify(code)}], resources: { cpu: 2, memoryMiB: 4096 }${extra} }) { id } }`,
      )
    ).submitTrainingJob.id;
  const trained = await submit(
    'demand-gbdt-baseline',
    "import time\nfor e in range(1, 11):\n    print(f'epoch {e:2d}/10  train_loss={0.9/e:.4f}  val_mape={0.31 - e*0.012:.3f}', flush=True)\n    time.sleep(0.4)\nprint('saved model to ./model', flush=True)",
    ', hyperparameters: [{ key: "learning_rate", value: "0.05" }, { key: "num_leaves", value: "127" }], maxRuntimeSeconds: 1800',
  );
  const failed = await submit(
    'demand-gbdt-lr-sweep',
    "import sys, time\nprint('loading 412,930 rows from demand_daily.parquet', flush=True)\ntime.sleep(0.5)\nprint('Traceback (most recent call last):', file=sys.stderr)\nprint('ValueError: learning_rate must be positive, got -0.1', file=sys.stderr)\nsys.exit(3)",
    ', hyperparameters: [{ key: "learning_rate", value: "-0.1" }]',
  );
  const running = await submit(
    'demand-transformer-pretrain',
    "import time\nfor s in range(1, 100000):\n    print(f'step {s:5d}  loss={2.4/(1+s*0.02):.4f}  tokens/s=18{s%7}40', flush=True)\n    time.sleep(0.5)",
    ', retries: 2',
  );
  const statusOf = async (id: string) => (await gql<{ job: { status: string } }>(`{ job(id: "${id}") { status } }`)).job.status;
  await expect.poll(() => statusOf(trained), { timeout: 120_000 }).toBe('succeeded');
  await expect.poll(() => statusOf(failed), { timeout: 60_000 }).toBe('failed');
  await expect.poll(() => statusOf(running), { timeout: 60_000 }).toBe('running');

  await page.goto(`/o/${org}/clusters`);
  await expect(page.getByTestId('cluster-row')).toHaveCount(1);
  await shot('30-clusters');

  await page.getByTestId('cluster-row').getByRole('link').first().click();
  await expect(page.getByTestId('gpu-price-row')).toHaveCount(2);
  await shot('31-cluster');

  const kube = await startKubernetesFake();
  try {
    await page.goto(`/o/${org}/clusters/connect`);
    await page.getByLabel('Name', { exact: true }).fill('gpu-prod');
    await page.getByLabel('Kubeconfig').fill(kube.kubeconfig());
    await page.getByRole('button', { name: 'Check connection' }).click();
    // The fake listens on 127.0.0.1: with CLUSTER_ALLOW_PRIVATE_ADDRESSES=true the page shows the full
    // check report; by default it shows why a loopback API server is refused.
    await expect(page.getByTestId('report-verdict').or(page.getByTestId('kubeconfig-refused'))).toBeVisible({ timeout: 30_000 });
    await shot('32-connect-cluster');
  } finally {
    await kube.stop();
  }

  await page.goto(`/o/${org}/jobs/new`);
  await page.getByLabel('Project').selectOption(projectId);
  await page.getByRole('textbox', { name: /^Name/ }).fill('demand-gbdt-tuned');
  await page.getByLabel('Command').fill('python3 train.py --config configs/gbdt.yaml --objective "tweedie variance 1.2"');
  await page.getByLabel('GPUs').fill('1');
  await page.getByLabel('GPU type').fill('nvidia-t4');
  await page.getByRole('button', { name: 'Add hyperparameter' }).click();
  await page.getByLabel('Hyperparameter 1', { exact: true }).fill('learning_rate');
  await page.getByLabel('Hyperparameter 1 value').fill('0.03');
  await page.getByLabel('Register model as').fill('demand-forecaster');
  await expect(page.getByTestId('command-parts')).toContainText('6 parts');
  await shot('33-submit-job');

  await page.goto(`/o/${org}/jobs`);
  await expect(page.getByTestId('job-row')).toHaveCount(3);
  await shot('34-jobs');

  await page.goto(`/o/${org}/jobs/${running}`);
  await expect(page.getByTestId('job-logs')).toContainText('step', { timeout: 30_000 });
  await shot('35-job-running');

  await page.goto(`/o/${org}/jobs/${trained}`);
  await expect(page.getByTestId('logs-complete')).toBeVisible({ timeout: 30_000 });
  await shot('36-job');

  await page.goto(`/o/${org}/jobs/${failed}`);
  await expect(page.getByTestId('logs-complete')).toBeVisible({ timeout: 30_000 });
  await shot('37-job-failed');

  await gql(`mutation { cancelJob(id: "${running}", reason: "tour done") { id } }`);
});
