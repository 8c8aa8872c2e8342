import { expect, test, type APIRequestContext } from '@playwright/test';
import { createKey, orgSlugOf, registerChurnVersions, screenshot, signUp, stamp, uniqueEmail } from './helpers';

/**
 * As an ML practitioner I register two versions of the churn model with the mlflow client, deploy the
 * first from its version page, find its endpoint with the curl lines to call it, send a canary 30% of
 * the traffic, create an inference key and call the endpoint in both protocols, and watch the
 * deployment's dashboard count the requests per version as they arrive.
 */

/** A row of churn features in the example's ranges. */
const row = (i: number) => Array.from({ length: 10 }, (_, j) => Math.round(((i * 37 + j * 11) % 100) * (j < 4 ? 1 : 0.05) * 100) / 100);

async function predict(request: APIRequestContext, gateway: string, key: string, i: number) {
  const res = await request.post(`${gateway}/v2/models/churn-prod/infer`, {
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    data: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 10], data: row(i) }] },
  });
  expect(res.status(), await res.text()).toBe(200);
  return res;
}

test('deploy a registered model, call its endpoint and watch the dashboard move', async ({ page, request, baseURL }) => {
  test.setTimeout(300_000);
  const gateway = process.env.GANTRY_E2E_GATEWAY_URL!;
  expect(gateway, 'the e2e harness starts a gateway').toBeTruthy();
  await signUp(page, { name: 'Grace Serving', email: uniqueEmail('deploy'), organizationName: `Serving Lab ${stamp()}` });
  const org = orgSlugOf(page);

  await test.step('no deployments yet: the page says how to start', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Deployments' })).toBeVisible();
    await expect(page.getByText('No deployments yet')).toBeVisible();
  });

  await test.step('register two versions of the churn model with the mlflow client', async () => {
    const writeKey = await createKey(page, org, 'trainer', 'Write');
    await registerChurnVersions(baseURL!, writeKey, [
      { seed: 1, bias: -0.5 },
      { seed: 2, bias: 1.5 },
    ]);
  });

  await test.step('deploy version 1 from its page, keeping every sample', async () => {
    await page.goto(`/o/${org}/models`);
    await page.getByRole('main').getByRole('link', { name: /churn/ }).first().click();
    await page.getByRole('link', { name: 'Version 1', exact: true }).click();
    await expect(page.getByTestId('version-title')).toContainText('v1');
    await page.getByRole('link', { name: 'Deploy', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Deploy a model' })).toBeVisible();
    await expect(page.getByLabel('Model', { exact: true })).toHaveValue(/.+/);
    await expect(page.getByLabel('Version', { exact: true })).toHaveValue('1');
    await expect(page.getByLabel('Deployment name')).toHaveValue('churn-prod');
    await page.getByLabel('Sample rate').fill('100');
    await page.getByLabel('Rate limit').fill('500');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/o/${org}/deployments/churn-prod$`), { timeout: 30_000 });
  });

  await test.step('the deployment page shows its endpoint and how to call it', async () => {
    await expect(page.getByTestId('deployment-title')).toHaveText('churn-prod');
    await expect(page.getByTestId('oip-url')).toHaveText(`POST ${gateway}/v2/models/churn-prod/infer`);
    await expect(page.getByTestId('oip-curl')).toContainText('"name":"features","datatype":"FP32","shape":[1,10]');
    await expect(page.getByTestId('oip-curl')).toContainText('Authorization: Bearer $GANTRY_API_KEY');
    await expect(page.getByTestId('mlflow-curl')).toContainText(`${gateway}/deployments/churn-prod/invocations`);
    await expect(page.getByTestId('traffic-bar').first()).toContainText('v1');
    await expect(page.getByTestId('dashboard-empty')).toContainText('No requests in this window');
    await expect(page.getByTestId('dashboard-empty')).toContainText('curl -sS -X POST');
  });

  await test.step('a taken name is refused next to the field', async () => {
    await page.goto(`/o/${org}/deployments`);
    await page.getByRole('link', { name: 'Deploy a model' }).click();
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'churn' });
    await page.getByLabel('Deployment name').fill('churn-prod');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await expect(page.getByText('Already taken')).toBeVisible();
    await expect(page.getByLabel('Deployment name')).toHaveAttribute('aria-invalid', 'true');
    await screenshot(page, 'deployments-deploy-form');
  });

  await test.step('send a canary 30% of the traffic', async () => {
    await page.goto(`/o/${org}/deployments/churn-prod`);
    await page.getByRole('button', { name: 'Edit traffic' }).click();
    await page.getByRole('button', { name: 'Add a canary (10%)' }).click();
    await expect(page.getByTestId('arm-row')).toHaveCount(2);
    await page.getByLabel('Arm 1 weight').fill('70');
    await page.getByLabel('Arm 2 weight').fill('30');
    await expect(page.getByTestId('weight-sum')).toHaveText('100% of 100%');
    await page.getByRole('button', { name: 'Save traffic' }).click();
    await expect(page.getByText('Policy generation 2')).toBeVisible();
    await expect(page.getByText('Canary 30%').first()).toBeVisible();
  });

  const inferenceKey = await test.step('create a key that can only call deployments', async () => {
    await page.goto(`/o/${org}/settings/api-keys`);
    await expect(page.getByText('Call deployments on the inference gateway, nothing else')).toBeVisible();
    const key = await createKey(page, org, 'churn service', 'Inference');
    // It reads nothing else.
    const res = await request.post('/api/graphql', { headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, data: { query: '{ deployments { id } }' } });
    expect(((await res.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    return key;
  });

  await test.step('call the endpoint in both protocols; both versions answer', async () => {
    const answered = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await predict(request, gateway, inferenceKey, i);
      answered.add(res.headers()['x-gantry-model-version']!);
      const body = (await res.json()) as { outputs: { name: string; data: number[] }[] };
      expect(body.outputs.map((o) => o.name)).toEqual(['probability', 'label']);
    }
    expect([...answered].sort()).toEqual(['1', '2']);
    const mlflowShaped = await request.post(`${gateway}/deployments/churn-prod/invocations`, {
      headers: { authorization: `Bearer ${inferenceKey}`, 'content-type': 'application/json' },
      data: { inputs: { features: [row(1), row(2)] } },
    });
    expect(mlflowShaped.status(), await mlflowShaped.text()).toBe(200);
    expect(((await mlflowShaped.json()) as { predictions: unknown }).predictions).toBeTruthy();
    // A request the signature refuses is a 4xx, counted as such.
    const bad = await request.post(`${gateway}/v2/models/churn-prod/infer`, {
      headers: { authorization: `Bearer ${inferenceKey}`, 'content-type': 'application/json' },
      data: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] },
    });
    expect(bad.status()).toBeGreaterThanOrEqual(400);
    expect(bad.status()).toBeLessThan(500);
  });

  await test.step('the dashboard counts them per version, and moves with the next ones', async () => {
    await page.goto(`/o/${org}/deployments/churn-prod`);
    await expect(page.getByTestId('dashboard')).toBeVisible({ timeout: 30_000 });
    const total = async () => {
      const cells = await page.getByTestId('version-requests').allTextContents();
      return cells.reduce((n, c) => n + Number(c.replace(/,/g, '')), 0);
    };
    await expect.poll(total, { timeout: 30_000 }).toBe(42);
    await expect(page.getByTestId('version-stats')).toHaveCount(2);
    for (let i = 40; i < 70; i++) await predict(request, gateway, inferenceKey, i);
    await expect.poll(total, { timeout: 30_000 }).toBe(72);
    await expect(page.getByRole('img', { name: /Distribution of probability/ })).toBeVisible();
    await screenshot(page, 'deployments-detail-dashboard');
  });

  await test.step('the list shows what each deployment serves and its last hour', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click();
    const r = page.getByTestId('deployment-row').filter({ hasText: 'churn-prod' });
    await expect(r).toContainText('Canary 30%');
    await expect(r).toContainText('72');
    await screenshot(page, 'deployments-list');
  });
});
