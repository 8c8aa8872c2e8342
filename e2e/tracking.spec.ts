import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { createProject, createTeam, orgSlugOf, screenshot, signUp, stamp, uniqueEmail } from './helpers';

/**
 * As an ML practitioner I create an experiment in the UI, log runs to it from my
 * training code through the MLflow REST API with an API key, watch a live run's
 * charts grow, and compare two runs side by side.
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

function lossPoints(from: number, to: number, scale = 1) {
  const now = Date.now();
  return Array.from({ length: to - from }, (_, i) => {
    const step = from + i;
    return [
      { key: 'loss', value: scale * (2 / (1 + step * 0.15)) + 0.02 * Math.sin(step), timestamp: now + i, step },
      { key: 'accuracy', value: 1 - 0.6 / (1 + step * 0.1 * scale), timestamp: now + i, step },
    ];
  }).flat();
}

test('log runs from code, watch the chart update live, and compare two runs', async ({ page, request }) => {
  test.setTimeout(180_000);
  const s = stamp();
  await signUp(page, { name: 'Ada Tracker', email: uniqueEmail('tracking'), organizationName: `Tracking Lab ${s}` });
  const org = orgSlugOf(page);

  await createTeam(page, org, 'Vision');
  const projectPath = await createProject(page, 'Defect detection', 'Finds scratches on the assembly line');

  let experimentId = '';
  await test.step('create an experiment on the project page', async () => {
    await page.goto(projectPath);
    await expect(page.getByText('No experiments yet')).toBeVisible();
    await page.getByLabel('Experiment name').fill(`resnet-sweep-${s}`);
    await page.getByRole('button', { name: 'Create experiment' }).click();
    const link = page.getByTestId('project-experiments').getByRole('link', { name: new RegExp(`resnet-sweep-${s}`) });
    await expect(link).toBeVisible();
    await shot(page, 'tracking-project');
    await link.click();
    await expect(page.getByTestId('experiment-name')).toHaveText(`resnet-sweep-${s}`);
    await expect(page.getByText('No runs yet')).toBeVisible();
    experimentId = /\/experiments\/([^/?#]+)/.exec(page.url())![1]!;
  });

  let secret = '';
  await test.step('create an API key for the training code', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('trainer');
    await page.getByRole('checkbox', { name: /Write/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
    expect(secret).toMatch(/^gty_/);
  });

  let runA = '';
  await test.step('start a run from code and watch its charts grow', async () => {
    const created = await mlflow<{ run: { info: { run_id: string } } }>(request, secret, 'runs/create', {
      experiment_id: experimentId,
      run_name: 'baseline',
      start_time: Date.now() - 95_000,
      tags: [
        { key: 'mlflow.user', value: 'ada' },
        { key: 'mlflow.source.name', value: 'train/resnet.py' },
        { key: 'team', value: 'vision' },
      ],
    });
    runA = created.run.info.run_id;
    await mlflow(request, secret, 'runs/log-batch', {
      run_id: runA,
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'batch_size', value: '64' },
        { key: 'optimizer', value: 'adam' },
      ],
      metrics: lossPoints(0, 20),
    });

    await mlflow(request, secret, 'runs/log-inputs', {
      run_id: runA,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'assembly-line-images', digest: '9f2c1ab7e4d0', source_type: 's3', source: '{"uri": "s3://vision/scratches/v3"}' },
        },
      ],
    });
    const artifacts = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runA}/artifacts`;
    const put = async (path: string, body: string, type: string) => {
      const res = await request.put(`${artifacts}/${path}`, { headers: { authorization: `Bearer ${secret}`, 'content-type': type }, data: body });
      expect(res.status(), await res.text()).toBe(200);
    };
    await put('config.json', JSON.stringify({ model: 'resnet50', lr: 0.01, augment: { flip: true, crop: 224 } }), 'application/json');
    await put('model/MLmodel', 'artifact_path: model\nflavors:\n  pytorch:\n    pytorch_version: 2.4.0\n', 'text/plain');
    await put(
      'plots/confusion.svg',
      '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120"><rect width="240" height="120" fill="#eef2ff"/><rect x="20" y="20" width="90" height="80" fill="#4f46e5"/><rect x="130" y="20" width="90" height="80" fill="#c7d2fe"/></svg>',
      'image/svg+xml',
    );

    // A long, noisy series: the chart asks for a few hundred points and the server keeps each bucket's min and max.
    for (let batch = 0; batch < 3; batch++) {
      const now = Date.now();
      await mlflow(request, secret, 'runs/log-batch', {
        run_id: runA,
        metrics: Array.from({ length: 1000 }, (_, i) => {
          const step = batch * 1000 + i;
          return { key: 'grad_norm', value: 1.5 / (1 + step / 600) + 0.25 * Math.sin(step * 1.7) * Math.cos(step * 0.31), timestamp: now + i, step };
        }),
      });
    }

    await page.goto(`/o/${org}/runs/${runA}`);
    await expect(page.getByTestId('run-name')).toHaveText('baseline');
    await expect(page.getByTestId('run-status')).toHaveText('Running');
    const chart = page.getByTestId('metric-chart-loss');
    await expect(chart).toHaveAttribute('data-points', '20');
    await expect(page.getByTestId('run-params')).toContainText('batch_size');
    await expect(page.getByTestId('metric-chart-grad_norm')).toHaveAttribute('data-points', '3000');
    await expect(page.getByTestId('metric-chart-grad_norm')).toContainText('min/max of 3,000');

    // More points from the training process: the open page picks them up without a reload.
    await mlflow(request, secret, 'runs/log-batch', { run_id: runA, metrics: lossPoints(20, 60) });
    await expect(chart).toHaveAttribute('data-points', '60', { timeout: 15_000 });
    await expect(chart).toHaveAttribute('data-last-step', '59');

    // Hovering shows the step and value under the pointer.
    const svg = chart.locator('xpath=..').getByRole('img');
    await svg.scrollIntoViewIfNeeded();
    const box = (await svg.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
    await expect(page.getByTestId('chart-tooltip')).toContainText('Step');

    // Dragging across a step range zooms in: the server answers with only those steps.
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5, { steps: 6 });
    await page.mouse.up();
    await expect(chart.getByRole('button', { name: 'Reset zoom' })).toBeVisible();
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeLessThan(60);
    await chart.getByRole('button', { name: 'Reset zoom' }).click();
    await expect(chart).toHaveAttribute('data-points', '60');
    await page.mouse.move(0, 0);
    await shot(page, 'tracking-run-live');

    await mlflow(request, secret, 'runs/update', { run_id: runA, status: 'FINISHED', end_time: Date.now() });
    await expect(page.getByTestId('run-status')).toHaveText('Finished', { timeout: 15_000 });

    await expect(page.getByTestId('run-inputs')).toContainText('assembly-line-images');
    const browser = page.getByTestId('artifacts-browser');
    await browser.getByRole('button', { name: /config\.json/ }).click();
    await expect(page.getByTestId('artifact-preview')).toContainText('"resnet50"');
    await browser.getByRole('button', { name: /^plots/ }).click();
    await browser.getByRole('button', { name: /confusion\.svg/ }).click();
    await expect(page.getByTestId('artifact-preview').getByRole('img', { name: 'confusion.svg' })).toBeVisible();
    await browser.getByRole('button', { name: /config\.json/ }).click();
    await page.mouse.move(0, 0);
    await shot(page, 'tracking-run');
  });

  let runB = '';
  await test.step('log a second run with a different learning rate', async () => {
    const created = await mlflow<{ run: { info: { run_id: string } } }>(request, secret, 'runs/create', {
      experiment_id: experimentId,
      run_name: 'higher-lr',
      start_time: Date.now() - 60_000,
      tags: [{ key: 'mlflow.user', value: 'ada' }],
    });
    runB = created.run.info.run_id;
    await mlflow(request, secret, 'runs/log-batch', {
      run_id: runB,
      params: [
        { key: 'lr', value: '0.1' },
        { key: 'batch_size', value: '64' },
        { key: 'optimizer', value: 'adam' },
      ],
      metrics: lossPoints(0, 60, 1.6),
    });
    await mlflow(request, secret, 'runs/update', { run_id: runB, status: 'FINISHED', end_time: Date.now() });
  });

  await test.step('filter the runs table and select both runs to compare', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Experiments');
    await shot(page, 'tracking-experiments');
    await page.getByRole('link', { name: new RegExp(`resnet-sweep-${s}`) }).click();
    await expect(page).toHaveURL(new RegExp(`/experiments/${experimentId}$`));
    const rows = page.getByTestId('run-row');
    await expect(rows).toHaveCount(2);

    await page.getByTestId('run-filter-input').fill('param lr = 0.1');
    await page.getByTestId('run-filter-input').press('Enter');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('higher-lr');
    await page.getByRole('button', { name: 'Clear all' }).click();
    await expect(rows).toHaveCount(2);

    await page.getByTestId('run-filter-input').fill('metric accuracy > 2');
    await page.getByTestId('run-filter-input').press('Enter');
    await expect(page.getByText('No runs match these filters')).toBeVisible();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(rows).toHaveCount(2);

    await page.getByLabel('Select baseline').check();
    await page.getByLabel('Select higher-lr').check();
    await shot(page, 'tracking-experiment');
    await page.getByTestId('compare-runs').click();
  });

  await test.step('the compare page shows the differing param and overlaid curves', async () => {
    await expect(page).toHaveURL(/\/compare\?runs=/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Compare runs');
    const lr = page.getByTestId('diff-row').and(page.locator('[data-key="lr"]'));
    await expect(lr).toHaveAttribute('data-differs', 'true');
    await expect(lr).toContainText('0.01');
    await expect(lr).toContainText('0.1');
    await expect(page.getByTestId('diff-row').and(page.locator('[data-key="optimizer"]'))).toHaveAttribute('data-differs', 'false');
    await expect(page.getByTestId('compare-chart-loss')).toHaveAttribute('data-series', '2');
    await expect(page.getByTestId('parallel-coordinates').getByRole('img')).toBeVisible();
    await shot(page, 'tracking-compare');
  });
});

test('the runs table pages, sorts and remembers its columns with hundreds of runs', async ({ page }) => {
  test.setTimeout(180_000);
  const s = stamp();
  await signUp(page, { name: 'Sam Sweep', email: uniqueEmail('sweep'), organizationName: `Sweep Lab ${s}` });
  const org = orgSlugOf(page);
  await createTeam(page, org, 'Search');
  const projectPath = await createProject(page, 'Ranking');
  await page.goto(projectPath);
  await page.getByLabel('Experiment name').fill(`grid-${s}`);
  await page.getByRole('button', { name: 'Create experiment' }).click();
  await page.getByTestId('project-experiments').getByRole('link', { name: new RegExp(`grid-${s}`) }).click();
  await expect(page).toHaveURL(/\/experiments\/[^/?#]+$/);
  const experimentId = /\/experiments\/([^/?#]+)/.exec(page.url())![1]!;
  const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;

  // A sweep of 240 runs logged through GraphQL with the page's own session, 12 at a time.
  const TOTAL = 240;
  await page.evaluate(
    async ({ experimentId, orgId, total }) => {
      const gql = async (query: string, variables: unknown) => {
        const res = await fetch('/api/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-gantry-org': orgId },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { data?: Record<string, { id: string }>; errors?: { message: string }[] };
        if (body.errors) throw new Error(body.errors[0]!.message);
        return body.data!;
      };
      const one = async (i: number) => {
        const run = await gql('mutation ($input: CreateRunInput!) { createRun(input: $input) { id } }', {
          input: { experimentId, name: `trial-${String(i).padStart(3, '0')}` },
        });
        await gql('mutation ($input: LogBatchInput!) { logBatch(input: $input) { metricsWritten } }', {
          input: {
            runId: run.createRun!.id,
            params: [
              { key: 'depth', value: String(2 + (i % 8)) },
              { key: 'eta', value: String((0.01 * (1 + (i % 5))).toFixed(2)) },
            ],
            metrics: [
              { key: 'ndcg', value: 0.5 + (i % 97) / 200, step: 10 },
              { key: 'latency_ms', value: 3 + (i % 13), step: 10 },
            ],
          },
        });
        await gql('mutation ($input: UpdateRunInput!) { updateRun(input: $input) { id } }', { input: { runId: run.createRun!.id, status: 'FINISHED' } });
      };
      for (let i = 0; i < total; i += 12) await Promise.all(Array.from({ length: Math.min(12, total - i) }, (_, k) => one(i + k)));
    },
    { experimentId, orgId, total: TOTAL },
  );

  await page.reload();
  const table = page.getByTestId('runs-table');
  await expect(page.getByTestId('runs-count')).toHaveText('100+ runs');
  // Windowed: only the rows in view (plus a margin) are in the DOM.
  expect(await page.getByTestId('run-row').count()).toBeLessThan(50);

  // Scrolling to the end pulls the next cursor pages in.
  for (let i = 0; i < 6; i++) {
    await table.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(400);
  }
  await expect(page.getByTestId('runs-count')).toHaveText(`${TOTAL} runs`, { timeout: 20_000 });
  expect(await page.getByTestId('run-row').count()).toBeLessThan(50);
  await table.evaluate((el) => el.scrollTo(0, 0));

  // Sort by the latest ndcg, best first: the server orders, the first row is a top trial.
  await table.getByRole('button', { name: 'Sort by ndcg' }).click();
  await expect(table.getByRole('columnheader', { name: /ndcg/ })).toHaveAttribute('aria-sort', 'descending');
  await expect(page.getByTestId('run-row').first()).toContainText('0.98');

  // Hide the eta column; the choice survives a reload.
  await expect(table.getByRole('button', { name: 'Sort by eta' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Choose columns' }).click();
  await page.getByTestId('column-picker').getByRole('checkbox', { name: 'eta' }).uncheck();
  await page.keyboard.press('Escape');
  await expect(table.getByRole('button', { name: 'Sort by eta' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('run-row').first()).toBeVisible();
  await expect(table.getByRole('button', { name: 'Sort by depth' })).toBeVisible();
  await expect(table.getByRole('button', { name: 'Sort by eta' })).toHaveCount(0);
  await shot(page, 'tracking-experiment-sweep');

  // IDs that are not this organization's answer 404, like an organization you are not in.
  expect((await page.goto(`/o/${org}/runs/run_01m8bhpd5mf1mgwdfb0h6he24r`))!.status()).toBe(404);
  expect((await page.goto(`/o/${org}/experiments/exp_01m8bhp4w90qsdg0dstvswyypw`))!.status()).toBe(404);
});
