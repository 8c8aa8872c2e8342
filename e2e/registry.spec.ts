import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { createProject, createTeam, invite, orgSlugOf, screenshot, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

/**
 * As an ML practitioner I log two training runs from code, register a model and a
 * version from each run in the UI, promote one by moving the champion alias, see who
 * moved it and when, and follow the version's lineage back to its run and dataset.
 * As the owner I protect champion; a member who then tries to move it is refused.
 */

async function mlflow<T = Record<string, unknown>>(request: APIRequestContext, key: string, path: string, data: unknown): Promise<T> {
  const res = await request.post(`/api/2.0/mlflow/${path}`, { headers: { authorization: `Bearer ${key}` }, data });
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return (await res.json()) as T;
}

/** Full-page captures stitch from the top; scrolled, the sticky header would land mid-page. */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name);
}

/** A finished training run with params, metrics, an input dataset and a saved model folder. */
async function logTrainingRun(request: APIRequestContext, key: string, experimentId: string, name: string, lr: string, accuracy: number) {
  const created = await mlflow<{ run: { info: { run_id: string } } }>(request, key, 'runs/create', {
    experiment_id: experimentId,
    run_name: name,
    start_time: Date.now() - 120_000,
    tags: [{ key: 'mlflow.user', value: 'ada' }],
  });
  const runId = created.run.info.run_id;
  const now = Date.now();
  await mlflow(request, key, 'runs/log-batch', {
    run_id: runId,
    params: [
      { key: 'lr', value: lr },
      { key: 'epochs', value: '12' },
      { key: 'backbone', value: 'resnet50' },
    ],
    metrics: Array.from({ length: 12 }, (_, step) => [
      { key: 'accuracy', value: accuracy - 0.3 / (1 + step), timestamp: now + step, step },
      { key: 'loss', value: 1.2 / (1 + step), timestamp: now + step, step },
    ]).flat(),
  });
  await mlflow(request, key, 'runs/log-inputs', {
    run_id: runId,
    datasets: [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'assembly-line-images', digest: '9f2c1ab7e4d0', source_type: 's3', source: '{"uri": "s3://vision/scratches/v3"}' },
      },
    ],
  });
  const put = await request.put(`/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`, {
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
    data: 'artifact_path: model\nflavors:\n  pytorch:\n    pytorch_version: 2.4.0\n',
  });
  expect(put.status(), await put.text()).toBe(200);
  await mlflow(request, key, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  return runId;
}

test('register a model from a run, promote it with an alias, and follow its lineage', async ({ page, browser, request }) => {
  test.setTimeout(240_000);
  const s = stamp();
  const ownerEmail = uniqueEmail('registry');
  await signUp(page, { name: 'Ada Registry', email: ownerEmail, organizationName: `Registry Lab ${s}` });
  const org = orgSlugOf(page);
  await createTeam(page, org, 'Vision');
  const projectPath = await createProject(page, 'Defect detection', 'Finds scratches on the assembly line');

  let experimentId = '';
  await test.step('create an experiment on the project page', async () => {
    await page.goto(projectPath);
    await page.getByLabel('Experiment name').fill(`scratch-detector-${s}`);
    await page.getByRole('button', { name: 'Create experiment' }).click();
    await page.getByTestId('project-experiments').getByRole('link', { name: new RegExp(`scratch-detector-${s}`) }).click();
    await expect(page).toHaveURL(/\/experiments\/[^/?#]+$/);
    experimentId = /\/experiments\/([^/?#]+)/.exec(page.url())![1]!;
  });

  let secret = '';
  await test.step('create an API key for the training code', async () => {
    await page.goto(`/o/${org}/settings/api-keys`);
    await page.getByLabel('Name', { exact: true }).fill('trainer');
    await page.getByRole('checkbox', { name: /Write/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
    expect(secret).toMatch(/^gty_/);
  });

  const baseline = await logTrainingRun(request, secret, experimentId, 'baseline', '0.01', 0.91);
  const tuned = await logTrainingRun(request, secret, experimentId, 'tuned', '0.003', 0.95);

  let modelUrl = '';
  await test.step('register the model in the UI', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Models');
    await expect(page.getByText('No models registered yet')).toBeVisible();
    await shot(page, 'registry-models-empty');
    await page.getByRole('button', { name: 'Register model' }).first().click();
    await page.getByLabel('Model name').fill(`scratch-detector-${s}`);
    await page.getByLabel('Project', { exact: true }).selectOption({ label: 'Defect detection · Vision' });
    await page.getByLabel('Description').fill('Flags scratched parts before packaging');
    await page.getByRole('button', { name: 'Register model' }).click();
    await expect(page).toHaveURL(/\/models\/rm_[^/?#]+$/);
    await expect(page.getByTestId('model-name')).toHaveText(`scratch-detector-${s}`);
    await expect(page.getByTestId('model-description')).toHaveText('Flags scratched parts before packaging');
    await expect(page.getByText('No versions yet')).toBeVisible();
    modelUrl = new URL(page.url()).pathname;
  });

  await test.step('register a version from each run', async () => {
    for (const [runId, name, version] of [
      [baseline, 'baseline', 1],
      [tuned, 'tuned', 2],
    ] as const) {
      await page.getByRole('button', { name: 'Register version' }).first().click();
      const form = page.getByTestId('register-version-form');
      await form.getByLabel('Experiment').selectOption(experimentId);
      await form.getByLabel('Run', { exact: true }).selectOption(runId);
      await expect(form.getByLabel('Artifact path')).toHaveValue('model');
      await form.getByLabel('Framework').fill('pytorch');
      await form.getByLabel('Description').fill(`From the ${name} run`);
      if (version === 1) await shot(page, 'registry-register-version');
      await form.getByRole('button', { name: 'Register version' }).click();
      const row = page.locator(`[data-testid="version-row"][data-version="${version}"]`);
      await expect(row).toBeVisible();
      await expect(row.getByTestId('version-run-link')).toContainText(name);
      await expect(row).toContainText('Ada Registry');
      await expect(form).toHaveCount(0);
    }
    await expect(page.getByTestId('version-row')).toHaveCount(2);
    // The description is edited in place.
    await page.getByRole('button', { name: 'Edit model description' }).click();
    await page.getByLabel('model description', { exact: true }).fill('Flags scratched parts before packaging. Trained on line 3 images.');
    await page.getByRole('button', { name: 'Save description' }).click();
    await expect(page.getByTestId('model-description')).toHaveText('Flags scratched parts before packaging. Trained on line 3 images.');
    await page.getByLabel('Tag key').fill('line');
    await page.getByLabel('Tag value').fill('3');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect(page.getByTestId('model-tags')).toHaveText('line=3');
  });

  const champion = page.locator('[data-testid="alias-card"][data-alias="champion"]');
  await test.step('point champion at v1, then move it to v2, and read who moved it when', async () => {
    await page.getByLabel('Alias', { exact: true }).fill('champion');
    await page.getByLabel('Version', { exact: true }).selectOption('1');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await expect(champion.getByTestId('alias-target')).toHaveText('v1');
    await expect(champion.getByTestId('alias-history-entry')).toHaveCount(1);

    await page.getByLabel('Alias', { exact: true }).fill('champion');
    await page.getByLabel('Version', { exact: true }).selectOption('2');
    await expect(page.getByTestId('alias-move-hint')).toHaveText('@champion points at v1 now; it will move to v2.');
    const before = Date.now();
    await page.getByRole('button', { name: 'Move alias' }).click();
    await expect(champion.getByTestId('alias-target')).toHaveText('v2');

    const history = champion.getByTestId('alias-history-entry');
    await expect(history).toHaveCount(2);
    await expect(history.first()).toHaveAttribute('data-action', 'move');
    await expect(history.first()).toContainText('Moved from v1 to v2');
    await expect(history.first()).toContainText(`by ${ownerEmail}`);
    await expect(history.first()).toContainText('just now');
    const at = Date.parse((await history.first().locator('time').getAttribute('datetime'))!);
    expect(Math.abs(at - before)).toBeLessThan(60_000);
    await expect(history.nth(1)).toContainText('Set to v1');

    // The versions table shows where the alias points now.
    await expect(page.locator('[data-testid="version-row"][data-version="2"]').getByTestId('alias-chip')).toHaveText('@champion');
    await expect(page.locator('[data-testid="version-row"][data-version="1"]').getByTestId('alias-chip')).toHaveCount(0);
  });

  await test.step('protect champion so only admins may move it', async () => {
    await champion.getByRole('button', { name: 'Protect', exact: true }).click();
    await champion.getByLabel('Who may move it').selectOption('admin');
    await champion.getByRole('button', { name: 'Protect alias' }).click();
    await expect(champion.getByTestId('alias-protection')).toHaveText('Protected · admins and above');
    await page.mouse.move(0, 0);
    await shot(page, 'registry-model');
  });

  await test.step('a member who tries to move the protected alias is refused with the reason', async () => {
    const invitePath = await invite(page, org, uniqueEmail('member'), 'member');
    const context = await browser.newContext();
    const member = await context.newPage();
    await signUpAndAccept(member, invitePath, 'Max Member');
    await member.goto(modelUrl);
    const card = member.locator('[data-testid="alias-card"][data-alias="champion"]');
    await expect(card.getByTestId('alias-target')).toHaveText('v2');
    await expect(card.getByRole('button', { name: /protect/i })).toHaveCount(0);
    await expect(card.getByRole('button', { name: /Delete/ })).toHaveCount(0);
    await member.getByLabel('Alias', { exact: true }).fill('champion');
    await member.getByLabel('Version', { exact: true }).selectOption('1');
    await expect(member.getByTestId('alias-move-hint')).toContainText('Protected: admins and above may move it, and your role is member');
    await member.getByRole('button', { name: 'Move alias' }).click();
    const error = member.getByTestId('set-alias-form').getByTestId('alias-error');
    await expect(error).toHaveAttribute('data-code', 'FORBIDDEN');
    await expect(error).toContainText('Not allowed');
    await expect(error).toContainText("The alias 'champion'");
    await expect(error).toContainText('only admins and above may move it');
    await shot(member, 'registry-alias-forbidden');
    await member.reload();
    await expect(card.getByTestId('alias-target')).toHaveText('v2');
    await expect(card.getByTestId('alias-history-entry')).toHaveCount(2);
    await context.close();
  });

  await test.step('the version page shows its metadata and a lineage graph back to the run', async () => {
    await page.goto(modelUrl);
    await champion.getByTestId('alias-target').click();
    await expect(page).toHaveURL(/\/versions\/mv_[^/?#]+$/);
    await expect(page.getByTestId('version-title')).toHaveText(`scratch-detector-${s} v2`);
    await expect(page.getByTestId('version-source-run')).toHaveText('tuned');
    await expect(page.getByTestId('version-aliases').getByTestId('alias-chip')).toHaveText('@champion');
    await expect(page.getByTestId('version-uris')).toContainText(`models:/scratch-detector-${s}/2`);
    await expect(page.getByTestId('version-uris')).toContainText(`mlflow-artifacts:/${experimentId}/${tuned}/artifacts/model`);
    await expect(page.getByTestId('version-metrics')).toContainText('accuracy');

    const graph = page.getByTestId('lineage-graph');
    await expect(graph.getByTestId('lineage-node-dataset')).toContainText('assembly-line-images');
    await expect(graph.getByTestId('lineage-node-dataset')).toContainText('training');
    const runNode = graph.getByTestId('lineage-node-run');
    await expect(runNode).toContainText('tuned');
    await expect(runNode).toContainText('lr = 0.003');
    await expect(runNode).toContainText('accuracy = 0.925');
    await expect(graph.getByTestId('lineage-node-version')).toContainText(`scratch-detector-${s} v2`);
    await expect(graph.getByTestId('lineage-node-version')).toContainText('@champion');
    // Nothing offers a deployment while Gantry cannot deploy.
    await expect(graph.getByTestId('lineage-node-deployment')).toHaveCount(0);
    await shot(page, 'registry-version');

    await graph.getByRole('link', { name: /Run tuned/ }).click();
    await expect(page).toHaveURL(new RegExp(`/runs/${tuned}$`));
    await expect(page.getByTestId('run-name')).toHaveText('tuned');
    // The run lists the version registered from it, with the alias on it.
    const outputs = page.getByTestId('run-model-versions');
    await expect(outputs).toContainText(`scratch-detector-${s} v2`);
    await expect(outputs.getByTestId('alias-chip')).toHaveText('@champion');
  });

  await test.step('the models list shows the model with its alias and searches by name', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    const row = page.getByTestId('model-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(`scratch-detector-${s}`);
    await expect(row).toContainText('Defect detection');
    await expect(row).toContainText('v2');
    await expect(row.getByTestId('alias-chip')).toHaveText('@champion · v2');
    await shot(page, 'registry-models');
    await page.getByLabel('Search models').fill('no-such-model');
    await expect(page.getByText('No matching models')).toBeVisible();
    await page.getByLabel('Search models').fill('SCRATCH');
    await expect(row).toHaveCount(1);
  });

  // IDs that are not this organization's answer 404, like an organization you are not in.
  expect((await page.goto(`/o/${org}/models/rm_01m8bhpd5mf1mgwdfb0h6he24r`))!.status()).toBe(404);
  expect((await page.goto(`${modelUrl}/versions/mv_01m8bhpd5mf1mgwdfb0h6he24r`))!.status()).toBe(404);
});
