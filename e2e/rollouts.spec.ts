import { expect, test, type Page } from '@playwright/test';
import { churnTrafficRows, startTraffic, type TrafficGenerator } from '../testing/inference-traffic';
import { createKey, orgSlugOf, registerChurnVersions, screenshot, signUp, stamp, uniqueEmail } from './helpers';

/**
 * As an ML practitioner with a churn model in production I start a canary of a new version from the
 * deployment page while callers keep sending predictions, and watch the rollout judge each step
 * against the stable version by itself: a version that predicts like the stable one is promoted, one
 * whose predictions are shifted is rolled back with the numbers that condemned it on screen.
 */

/** Versions predicting alike: the same coefficients and bias. */
const GOOD = { seed: 1, bias: 0.3 };
/** The same coefficients with a large bias: it says "churn" to nearly everyone. */
const SHIFTED = { seed: 1, bias: 4 };

/** Signs up, registers the churn versions, deploys v1 from the form keeping every sample, and returns an inference key. */
async function deployChurn(page: Page, baseURL: string, who: string, versions: { seed: number; bias: number }[]) {
  await signUp(page, { name: who, email: uniqueEmail('rollout'), organizationName: `Canary Lab ${stamp()}` });
  const org = orgSlugOf(page);
  await test.step('register the churn versions with the mlflow client', async () => {
    await registerChurnVersions(baseURL, await createKey(page, org, 'trainer', 'Write'), versions);
  });
  const key = await test.step('create a key for the callers', () => createKey(page, org, 'churn service', 'Inference'));
  await test.step('deploy version 1', async () => {
    await page.goto(`/o/${org}/deployments/new`);
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'churn' });
    await page.getByLabel('Version', { exact: true }).selectOption('1');
    await page.getByLabel('Deployment name').fill('churn-prod');
    // The analysis compares prediction distributions: keep every request's sample.
    await page.getByLabel('Sample rate').fill('100');
    await page.getByLabel('Rate limit').fill('1000');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/o/${org}/deployments/churn-prod$`), { timeout: 30_000 });
    await expect(page.getByTestId('traffic-bar').getByRole('img')).toHaveAttribute('aria-label', 'v1 100%');
  });
  return { org, key };
}

/** Callers of churn-prod through the real gateway, for as long as the story runs. */
function callers(key: string): TrafficGenerator {
  const gateway = process.env.GANTRY_E2E_GATEWAY_URL;
  expect(gateway, 'the e2e harness starts a gateway').toBeTruthy();
  // Rows spread around the model's own standardisation, so its probabilities are not all 0 or 1.
  return startTraffic({ url: gateway!, key, deployments: ['churn-prod'], rows: churnTrafficRows(GOOD.seed, 400), lanes: 2, pauseMs: 10 });
}

/** A GraphQL call as the signed-in user, from the page (its session cookie, its organization). */
async function gql<T>(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = await page.evaluate(
    async ([q, v]) => {
      const res = await fetch('/api/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q, variables: v }) });
      return (await res.json()) as { data?: unknown; errors?: unknown[] };
    },
    [query, variables] as const,
  );
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

/** The churn example's training job as a retraining policy of the model, as the owner sets it up. */
async function createChurnRetrainingPolicy(page: Page, name: string) {
  const { registeredModel } = await gql<{ registeredModel: { id: string } }>(page, '{ registeredModel(name: "churn") { id } }');
  const { exampleJobs } = await gql<{ exampleJobs: { id: string; specJson: string }[] }>(page, '{ exampleJobs { id specJson } }');
  const train = JSON.parse(exampleJobs.find((e) => e.id === 'churn/job.yaml')!.specJson) as { command: string[]; args: string[]; python: unknown };
  await gql(page, 'mutation($m: ID!, $n: String!, $t: JobTemplateInput!) { createRetrainingPolicy(input: { modelId: $m, name: $n, cron: "0 4 * * 1", evaluate: false, jobTemplate: $t }) { id } }', {
    m: registeredModel.id,
    n: name,
    t: { command: train.command, args: train.args, python: train.python, experiment: 'churn' },
  });
}

/** Starts a canary of `version` with the quick plan from the panel on the deployment page. */
async function startCanary(page: Page, version: number) {
  const form = page.getByTestId('start-canary');
  // Until the model's versions have loaded the field is a number input; the list replaces it.
  await expect(form.getByRole('combobox', { name: 'Version' })).toBeVisible();
  await form.getByLabel('Version').selectOption(String(version));
  await form.getByLabel('Plan').selectOption('quick');
  await form.getByRole('button', { name: 'Start canary' }).click();
  const current = page.getByTestId('current-rollout');
  await expect(current.getByRole('heading', { name: `Rollout #1: v1 → v${version}` })).toBeVisible();
  return current;
}

const stepStatuses = (page: Page, scope: string) =>
  page
    .getByTestId(scope)
    .getByTestId('rollout-stepper')
    .locator('li')
    .evaluateAll((steps) => steps.map((s) => s.getAttribute('data-status')));

test('a canary that predicts like stable promotes itself, step by step', async ({ page, baseURL }) => {
  test.setTimeout(360_000);
  const { key } = await deployChurn(page, baseURL!, 'Ada Canary', [GOOD, GOOD]);
  const traffic = callers(key);
  try {
    const current = await test.step('start a quick canary of v2 from the deployment page', () => startCanary(page, 2));

    await test.step('the panel follows the first step live: requests counted, then its verdict', async () => {
      await expect(current.getByTestId('rollout-step-progress')).toBeVisible({ timeout: 60_000 });
      await expect(current.getByTestId('rollout-stepper').locator('li[data-step="0"]')).toHaveAttribute('data-status', 'current');
      await expect(page.getByTestId('traffic-bar').getByRole('img')).toHaveAttribute('aria-label', 'v1 90%, v2 10%', { timeout: 30_000 });
      await expect.poll(async () => Number(await current.getByTestId('step-requests').textContent()), { timeout: 60_000 }).toBeGreaterThan(0);
      const verdict = current.getByTestId('rollout-verdict').filter({ hasText: 'Step 1 · 10%' });
      await expect(verdict).toHaveAttribute('data-outcome', 'passed', { timeout: 120_000 });
      await expect(verdict.locator('tr[data-check="prediction_distance"]')).toContainText('KS');
      // The second step takes half the traffic; the bar above says so.
      await expect(page.getByTestId('traffic-bar').getByRole('img')).toHaveAttribute('aria-label', 'v1 50%, v2 50%', { timeout: 30_000 });
      await expect(current.getByTestId('rollout-stepper').locator('li[data-step="1"]')).toHaveAttribute('data-status', 'current');
      await screenshot(page, 'rollouts-canary-mid-rollout');
    });

    await test.step('it promotes itself: every step passed, all traffic on v2', async () => {
      const last = page.getByTestId('last-rollout');
      await expect(last.getByTestId('rollout-state')).toHaveAttribute('data-state', 'promoted', { timeout: 120_000 });
      expect(await stepStatuses(page, 'last-rollout')).toEqual(['done', 'done', 'done']);
      await expect(page.getByTestId('traffic-bar').getByRole('img')).toHaveAttribute('aria-label', 'v2 100%');
      await expect(page.getByTestId('traffic-bar')).toContainText('stable');
      await screenshot(page, 'rollouts-canary-promoted');
    });
  } finally {
    await traffic.stop();
  }
  // Callers never saw the rollout: both versions answered them, and nothing failed.
  expect(traffic.failed).toBe(0);
  expect([...traffic.answered.keys()].sort()).toEqual(['churn-prod@1', 'churn-prod@2']);
});

test('a canary with shifted predictions rolls itself back, showing why', async ({ page, baseURL }) => {
  test.setTimeout(600_000);
  const { key } = await deployChurn(page, baseURL!, 'Ada Rollback', [GOOD, SHIFTED]);
  const traffic = callers(key);
  try {
    const current = await test.step('start a quick canary of the shifted v2', () => startCanary(page, 2));
    await expect(current.getByTestId('rollout-step-progress')).toBeVisible({ timeout: 60_000 });

    await test.step('its first analysis fails and all traffic returns to v1 by itself', async () => {
      const last = page.getByTestId('last-rollout');
      await expect(last.getByTestId('rollout-state')).toHaveAttribute('data-state', 'rolled_back', { timeout: 120_000 });
      // Latency may fail beside it (a version's first answers after loading are slow); the distance always does.
      await expect(last).toContainText(/step 1 \(10%\) failed its analysis: (.*; )?prediction distance: KS distance/);
      expect(await stepStatuses(page, 'last-rollout')).toEqual(['failed', 'pending', 'pending']);
      const verdict = last.getByTestId('rollout-verdict');
      await expect(verdict).toHaveAttribute('data-outcome', 'failed');
      const distance = verdict.locator('tr[data-check="prediction_distance"]');
      await expect(distance).toHaveAttribute('data-passed', 'false');
      await expect(distance).toContainText(/KS \d\.\d{3} \(p .*\) · mean 0\.\d{3}/);
      await expect(distance).toContainText('KS ≤ 0.2');
      await expect(page.getByTestId('traffic-bar').getByRole('img')).toHaveAttribute('aria-label', 'v1 100%');
      await screenshot(page, 'rollouts-canary-rolled-back');
    });

    await test.step('the start form is back, and the deployment’s monitoring is a tab away', async () => {
      await expect(page.getByTestId('start-canary')).toBeVisible();
      const tabs = page.getByRole('navigation', { name: 'Deployment' });
      await expect(tabs.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
      // The model retrains with the churn example's job; the drift rule will name that policy.
      await createChurnRetrainingPolicy(page, 'on drift');
      await tabs.getByRole('link', { name: 'Monitoring' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'churn-prod · monitoring' })).toBeVisible();
      await expect(tabs.getByRole('link', { name: 'Monitoring' })).toHaveAttribute('aria-current', 'page');
      // A drift rule on the inputs: the first rule turns the scheduled monitor on.
      await page.getByRole('button', { name: 'Add rule' }).click();
      await page.getByLabel('Name', { exact: true }).fill('input drift');
      await expect(page.getByLabel('Metric')).toHaveValue('psi');
      await page.getByLabel('Then retrain with').selectOption({ label: 'Retraining policy “on drift”' });
      await page.getByRole('button', { name: 'Add rule' }).click();
      await expect(page.getByTestId('alert-rule')).toHaveCount(1);
      await expect(page.getByTestId('alert-rule')).toContainText('input drift');
      await expect(page.getByTestId('alert-rule')).toContainText('PSI of the worst feature above');
      await expect(page.getByTestId('alert-rule')).toContainText('retrain (on drift)');
      await expect(page.getByTestId('monitor-status')).toContainText('Monitor on');
      await screenshot(page, 'rollouts-monitoring-alert-rule');
      await tabs.getByRole('link', { name: 'Overview' }).click();
      await expect(page.getByTestId('deployment-title')).toHaveText('churn-prod');
    });

    await test.step('callers’ inputs shift; "Check now" finds the drift at once and the alert starts retraining', async () => {
      // The callers now send four of the ten features scaled by 1.6, through the same gateway: enough
      // requests that they are a good part of the 5,000 newest samples a monitor run reads.
      await traffic.stop();
      const shiftedRows = churnTrafficRows(GOOD.seed, 400).map((row) => row.map((x, j) => (j < 4 ? Math.round(x * 1.6 * 1000) / 1000 : x)));
      const shifted = startTraffic({ url: process.env.GANTRY_E2E_GATEWAY_URL!, key, deployments: ['churn-prod'], rows: shiftedRows, lanes: 2, pauseMs: 10 });
      try {
        await expect.poll(() => [...shifted.answered.values()].reduce((a, b) => a + b, 0), { timeout: 120_000 }).toBeGreaterThan(2000);
      } finally {
        await shifted.stop();
      }
      expect(shifted.failed).toBe(0);

      await page.getByRole('navigation', { name: 'Deployment' }).getByRole('link', { name: 'Monitoring' }).click();
      await expect(page.getByTestId('monitor-status')).toContainText('Monitor on');
      await page.getByTestId('monitor-status').getByRole('button', { name: 'Check now' }).click();
      await expect(page.getByTestId('drift-check-progress')).toBeVisible();
      await expect(page.getByTestId('drift-last-run')).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });

      const alert = page.getByTestId('open-alert').filter({ hasText: 'input drift' });
      await expect(alert).toBeVisible();
      await expect(alert).toContainText(/PSI/);
      const job = alert.getByTestId('alert-retraining').getByRole('link', { name: /training job/ });
      await expect(job).toBeVisible({ timeout: 60_000 });
      await screenshot(page, 'rollouts-drift-alert-open');
      await job.click();
      await expect(page).toHaveURL(/\/jobs\/job_/);
      await expect(page.getByTestId('job-name')).toHaveText('on drift (drift)');
      await screenshot(page, 'rollouts-drift-alert-retraining');
      // The retraining trains for real: it builds its Python environment, trains and registers a version.
      await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 240_000 });
    });
  } finally {
    await traffic.stop();
  }
  expect(traffic.failed).toBe(0);
});
