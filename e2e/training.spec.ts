import { expect, test } from '@playwright/test';
import { createProject, createTeam, orgSlugOf, screenshot, signUp, uniqueEmail } from './helpers';

/**
 * As an ML practitioner I train the bundled churn example on the local cluster from the
 * browser: I start from the example in the submit form, see the job prepare the Python
 * environment the example declares (the platform's python3 has none of its packages) and
 * watch its log stream while it trains, open the run its mlflow client logged into and see
 * its metrics, follow the job to the model version it registered, give the model an
 * evaluation policy, evaluate the version and see every check pass, and put the model on a
 * weekly retraining schedule. A run of the example with a mistyped hyperparameter fails, and
 * its page says why in the script's own words: the Python exception.
 */
test('train the example on the local cluster, evaluate the version it registered, and schedule retraining', async ({ page }) => {
  // The first job on a fresh platform builds the example's Python environment (a minute or two).
  test.setTimeout(600_000);
  await signUp(page, { name: 'Mira Okafor', email: uniqueEmail('train'), organizationName: 'Churn Analytics' });
  const org = orgSlugOf(page);
  await createTeam(page, org, 'Growth');
  await createProject(page, 'Churn prediction');

  await test.step('submit the churn example from the form', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('link', { name: 'Submit job' }).first().click();
    await page.getByLabel(/Start from an example/).selectOption('churn/job.yaml');
    await expect(page.getByRole('textbox', { name: /^Name/ })).toHaveValue('churn logistic regression');
    await expect(page.getByLabel(/^Register model as/)).toHaveValue('churn');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect(page.getByTestId('job-name')).toHaveText('churn logistic regression');
  });

  await test.step('the job prepares the Python environment the example declares, as a step of its timeline', async () => {
    await expect(page.getByTestId('job-python-requirements')).toContainText('mlflow-skinny==');
    const building = page.getByTestId('job-event').and(page.locator('[data-reason="BuildingEnvironment"]'));
    const ready = page.getByTestId('job-event').and(page.locator('[data-reason="EnvironmentReady"]'));
    await expect(building.or(ready)).toBeVisible({ timeout: 60_000 });
    // On a platform where no job has built it yet, the page while it builds.
    if ((await building.isVisible()) && !(await ready.isVisible())) {
      await expect(page.getByText('Preparing the job’s Python environment…')).toBeVisible();
      await page.screenshot({ path: 'test-results/screenshots/39-training-job-building-environment.png', fullPage: true });
    }
    await expect(ready).toBeVisible({ timeout: 300_000 });
    // Built by this job, or already by an earlier one with the same requirements.
    await expect(ready).toContainText(/Built in \d|Built earlier for the same requirements|Another job built it meanwhile/);
    await expect(page.getByTestId('job-logs')).toContainText('gantry: Python environment ready');
  });

  await test.step('watch the training log stream while the job runs', async () => {
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
    await expect(page.getByTestId('job-logs')).toContainText(/epoch/i, { timeout: 60_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'test-results/screenshots/40-training-job-running.png', fullPage: true });
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 180_000 });
    await expect(page.getByTestId('job-cost')).toHaveText(/^(\$|<\$)/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'test-results/screenshots/41-training-job-succeeded.png', fullPage: true });
  });

  const jobUrl = page.url();
  await test.step('the job’s own API key was revoked when it ended, by the system, in the audit log', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const revoke = page.getByTestId('audit-row').filter({ hasText: 'api_key.revoke' }).first();
    await expect(revoke).toContainText('system (training-job)');
    await expect(revoke).toContainText('System');
    await page.goto(jobUrl);
  });
  await test.step('the run has the metrics the mlflow client logged', async () => {
    await page.getByTestId('job-run-link').click();
    await expect(page.getByTestId('metric-charts')).toContainText('auc', { timeout: 30_000 });
    await expect(page.getByTestId('run-model-versions')).toContainText('churn');
  });

  await test.step('the job registered an ONNX model version', async () => {
    await page.goto(jobUrl);
    await page.getByTestId('job-model-version-link').click();
    await expect(page).toHaveURL(/\/models\/[^/]+\/versions\/[^/]+$/);
    await expect(page.getByText('onnx').first()).toBeVisible();
  });
  const versionUrl = page.url();

  await test.step('give the model an evaluation policy from the example', async () => {
    await page.goto(versionUrl.replace(/\/versions\/[^/]+$/, ''));
    await page.getByTestId('edit-evaluation-policy').click();
    const form = page.getByTestId('evaluation-policy-form');
    await form.getByLabel('Checks').fill('auc >= 0.7\nauc >= champion.auc - 0.02');
    await form.getByLabel('Job').selectOption('churn/evaluate.job.yaml');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await expect(page.getByTestId('evaluation-policy')).toContainText('auc >= champion.auc - 0.02');
  });

  await test.step('evaluate the version: every check passes', async () => {
    await page.goto(versionUrl);
    await page.getByTestId('start-evaluation').click();
    const evaluation = page.getByTestId('evaluation').first();
    await expect(evaluation).toHaveAttribute('data-status', 'passed', { timeout: 180_000 });
    const checks = evaluation.getByTestId('evaluation-check');
    await expect(checks).toHaveCount(2);
    await expect(checks.nth(0)).toHaveAttribute('data-passed', 'true');
    await expect(checks.nth(1)).toHaveAttribute('data-passed', 'true');
    await expect(checks.nth(0)).toContainText('auc >= 0.7');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'test-results/screenshots/42-evaluation-passed.png', fullPage: true });
  });

  await test.step('schedule weekly retraining and see its next run', async () => {
    await page.goto(versionUrl.replace(/\/versions\/[^/]+$/, ''));
    await page.getByTestId('add-retraining').click();
    const form = page.getByTestId('retraining-form');
    await form.getByLabel('Name').fill('weekly churn');
    await form.getByLabel(/Schedule/).fill('0 4 * * 1');
    await form.getByRole('button', { name: 'Schedule retraining' }).click();
    const policy = page.getByTestId('retraining-policy');
    await expect(policy).toContainText('weekly churn');
    await expect(policy).toContainText('0 4 * * 1');
    await expect(policy.getByTestId('retraining-next')).toContainText('Next run');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'test-results/screenshots/43-retraining-schedule.png', fullPage: true });
    await policy.getByRole('button', { name: 'Pause' }).click();
    await expect(policy).toHaveAttribute('data-paused', 'true');
    await expect(policy.getByTestId('retraining-next')).toContainText('Paused');
  });

  await test.step('a run with a mistyped hyperparameter fails, and its page shows the Python exception', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('link', { name: 'Submit job' }).first().click();
    await page.getByLabel(/Start from an example/).selectOption('churn/job.yaml');
    await page.getByRole('textbox', { name: /^Name/ }).fill('churn with a typo');
    await expect(page.getByLabel('Hyperparameter 2', { exact: true })).toHaveValue('epochs');
    await page.getByLabel('Hyperparameter 2 value').fill('forty');
    await page.getByLabel('Retries').fill('0');
    await page.getByLabel(/^Register model as/).fill('');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect(page.getByTestId('job-name')).toHaveText('churn with a typo');
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'failed', { timeout: 180_000 });

    const banner = page.getByRole('alert').filter({ hasText: 'Failed: Error' });
    await expect(banner.getByTestId('job-message')).toHaveText('Exited with code 1');
    const detail = banner.getByTestId('job-failure-detail');
    await expect(detail).toContainText('Traceback (most recent call last):');
    await expect(detail).toContainText('epochs = int(params["epochs"])');
    await expect(detail).toContainText("ValueError: invalid literal for int() with base 10: 'forty'");
    // The environment the first job built served this one as it was.
    await expect(page.getByTestId('job-event').and(page.locator('[data-reason="EnvironmentReady"]'))).toContainText('cached');
    await expect(page.getByTestId('job-event').and(page.locator('[data-status="failed"]')).getByTestId('job-event-detail')).toHaveText(
      "ValueError: invalid literal for int() with base 10: 'forty'",
    );
    await screenshot(page, '44-training-job-failed-with-exception');
  });
});
