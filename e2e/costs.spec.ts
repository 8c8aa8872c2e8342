import { expect, test } from '@playwright/test';
import { createProject, createTeam, invite, orgSlugOf, screenshot, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

/**
 * As an admin I price the local cluster, train the bundled churn example on it and find what it
 * cost in the cost explorer: the team's amount in the table and the chart, down through the
 * project to the job itself. I give the team a monthly budget that its next job's worst case
 * does not fit, and a member of my organization who submits that job is refused on the submit
 * form with the numbers. The dashboard shows the team's spend against the budget.
 */
test('the explorer shows the example job’s cost; a budget set by an admin refuses a member’s job with the numbers', async ({ page, browser }) => {
  // The first job on a fresh platform builds the example's Python environment (a minute or more).
  test.setTimeout(600_000);
  await signUp(page, { name: 'Ada Admin', email: uniqueEmail('costs'), organizationName: `Ledger Labs ${stamp()}` });
  const org = orgSlugOf(page);
  await createTeam(page, org, 'Growth');
  await createProject(page, 'Churn prediction');

  await test.step('price the local cluster', async () => {
    await page.goto(`/o/${org}/clusters/local`);
    const editor = page.getByTestId('price-editor');
    // $36 a core-hour and $3.60 a GiB-hour: the example (1 core, 1 GiB) costs a cent a second.
    await editor.getByLabel('CPU core-hour').fill('36');
    await editor.getByLabel('Memory GiB-hour').fill('3.60');
    await editor.getByRole('button', { name: 'Save prices' }).click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Prices saved' })).toBeVisible();
  });

  await test.step('before any charge, the Costs page says what gets charged', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Costs' }).click();
    await expect(page.getByRole('heading', { name: 'Costs', level: 1 })).toBeVisible();
    const empty = page.getByTestId('costs-empty');
    await expect(empty).toContainText('Nothing charged in');
    await expect(empty).toContainText('set prices on each cluster’s page');
    await expect(empty.getByRole('link', { name: 'Set cluster prices' })).toHaveAttribute('href', `/o/${org}/clusters`);
  });

  let jobUrl = '';
  await test.step('train the example on the local cluster', async () => {
    await page.goto(`/o/${org}/jobs/new`);
    await page.getByLabel(/Start from an example/).selectOption('churn/job.yaml');
    await expect(page.getByRole('textbox', { name: /^Name/ })).toHaveValue('churn logistic regression');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect(page.getByTestId('job-name')).toHaveText('churn logistic regression');
    jobUrl = page.url();
  });

  // Meanwhile a teammate joins as a member.
  const invitePath = await invite(page, org, uniqueEmail('member'), 'member');
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signUpAndAccept(member, invitePath, 'Max Member');

  let jobCost = '';
  await test.step('the job succeeds with a cost', async () => {
    await page.goto(jobUrl);
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 480_000 });
    await expect(page.getByTestId('job-cost')).toHaveText(/^\$\d+\.\d{2}$/);
    jobCost = (await page.getByTestId('job-cost').textContent())!.trim();
  });
  const jobId = jobUrl.split('/').pop()!;

  await test.step('the explorer shows the job’s cost by team, and drills down through the project to the job', async () => {
    await page.goto(`/o/${org}/costs`);
    await expect(page.getByTestId('cost-total')).toHaveText(jobCost);
    const team = page.getByTestId('cost-row').filter({ hasText: 'Growth' });
    await expect(team.getByTestId('cost-row-amount')).toHaveText(jobCost);
    await expect(team).toContainText('100%');
    await expect(page.getByTestId('cost-legend')).toContainText('Growth');
    await expect(page.getByRole('img', { name: /Daily spend by team/ })).toBeVisible();
    // Hovering today's point (the chart's right end) lists the day's amount.
    const chart = page.getByRole('img', { name: /Daily spend by team/ });
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
    await expect(page.getByTestId('chart-tooltip')).toContainText(jobCost);
    await page.mouse.move(0, 0);
    const csv = page.getByTestId('costs-csv');
    await expect(csv).toHaveAttribute('href', /^\/api\/costs\/export\.csv\?from=\d{4}-\d{2}-01T00%3A00%3A00\.000Z&to=/);
    await screenshot(page, '50-costs-explorer');

    await team.getByTestId('cost-drill-link').click();
    await expect(page).toHaveURL(/\/costs\?team=/);
    await expect(page.getByTestId('cost-drill-path')).toContainText('Team Growth');
    const project = page.getByTestId('cost-row').filter({ hasText: 'Churn prediction' });
    await expect(project.getByTestId('cost-row-amount')).toHaveText(jobCost);
    await project.getByTestId('cost-drill-link').click();
    await expect(page).toHaveURL(/&project=/);
    const job = page.getByTestId('cost-row').filter({ has: page.getByTestId('cost-job-link') });
    await expect(job).toHaveCount(1);
    await expect(job.getByTestId('cost-job-link')).toContainText('churn logistic regression');
    await expect(job.getByTestId('cost-row-amount')).toHaveText(jobCost);
    // The CSV holds the ledger lines of what the page shows: the range and the drill-down's filters.
    const href = (await page.getByTestId('costs-csv').getAttribute('href'))!;
    expect(href).toMatch(/&teamId=[^&]+&projectId=/);
    const lines = await page.request.get(href);
    expect(lines.status()).toBe(200);
    expect(await lines.text()).toContain(jobId);
    await screenshot(page, '51-costs-drilled-to-jobs');
    await job.getByTestId('cost-job-link').click();
    await expect(page).toHaveURL(new RegExp(`/jobs/${jobId}$`));

    // Back up the drill path, then by model: the version the job registered.
    await page.goBack();
    await page.getByTestId('cost-drill-path').getByRole('link', { name: 'Everything' }).click();
    await page.getByLabel('Group by').selectOption('model');
    await expect(page.getByTestId('cost-row').filter({ hasText: 'churn' }).getByTestId('cost-row-amount')).toHaveText(jobCost);
  });

  await test.step('the run and the model version show what they cost', async () => {
    await page.goto(jobUrl);
    await page.getByTestId('job-run-link').click();
    await expect(page.getByTestId('run-cost')).toHaveText(jobCost);
    await page.goto(jobUrl);
    await page.getByTestId('job-model-version-link').click();
    await expect(page.getByTestId('version-cost')).toHaveText(jobCost);
    await page.getByTestId('version-cost-link').click();
    await expect(page).toHaveURL(/\/costs\?range=90d&modelVersion=mv_/);
    await expect(page.getByTestId('cost-drill-path')).toContainText('Model version churn v1');
    await expect(page.getByTestId('cost-total')).toHaveText(jobCost);
  });

  await test.step('an admin sets the team a monthly budget, with the API’s rules on the fields', async () => {
    await page.goto(`/o/${org}/costs`);
    await page.getByTestId('new-budget').click();
    const form = page.getByTestId('budget-form');
    await form.getByLabel('Team').selectOption({ label: 'Growth' });
    await expect(form.getByLabel('Alert thresholds')).toHaveValue('50, 80, 100');
    await form.getByLabel('Monthly amount').fill('-5');
    await form.getByLabel('Alert thresholds').fill('80, 50');
    await form.getByRole('button', { name: 'Set budget' }).click();
    await expect(form.getByText('A budget cannot be negative')).toBeVisible();
    await expect(form.getByText('Thresholds go up, each once: 80, 50 does not')).toBeVisible();
    await form.getByLabel('Monthly amount').fill('5');
    await form.getByLabel('Alert thresholds').fill('50, 80, 100');
    await expect(form.getByRole('radio', { name: /^Block new jobs/ })).toBeChecked();
    await screenshot(page, '52-budget-form');
    await form.getByRole('button', { name: 'Set budget' }).click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Budget saved' })).toBeVisible();
    await expect(form).toHaveCount(0);
    const row = page.getByTestId('budget-row').filter({ hasText: 'Growth' });
    await expect(row.getByTestId('budget-amount')).toHaveText('of $5.00');
    await expect(row.getByTestId('budget-standing')).toContainText(`${jobCost} spent`);
    await expect(row.getByTestId('budget-action')).toHaveText('Blocks new jobs at the limit');
    await expect(row.getByTestId('budget-forecast')).toContainText('Forecast');
    await expect(row.getByRole('meter')).toBeVisible();
    await screenshot(page, '53-budgets');
  });

  await test.step('the member’s job does not fit: the submit form shows the refusal with the numbers', async () => {
    await member.goto(`/o/${org}/jobs/new`);
    await member.getByLabel(/Start from an example/).selectOption('churn/job.yaml');
    await member.getByLabel('Project').selectOption({ label: 'Churn prediction · Growth' });
    await member.getByRole('button', { name: 'Submit job' }).click();
    const refusal = member.getByTestId('submit-error');
    await expect(refusal).toContainText('This job could cost up to $19.80');
    await expect(refusal).toContainText(`team Growth's budget`);
    await expect(refusal).toContainText(`budget $5.00, spent ${jobCost}, reserved by running jobs $0.00, left $`);
    await expect(refusal).toBeInViewport();
    await expect(member.getByRole('alert').filter({ hasText: 'does not fit the budget' }).getByRole('link', { name: 'See budgets' })).toHaveAttribute('href', `/o/${org}/costs#budgets`);
    await expect(member).toHaveURL(/\/jobs\/new/);
    await screenshot(member, '54-budget-refused-submission');
  });

  await test.step('the member sees the team’s standing but cannot change budgets', async () => {
    await member.goto(`/o/${org}/costs`);
    const row = member.getByTestId('budget-row').filter({ hasText: 'Growth' });
    await expect(row.getByTestId('budget-amount')).toHaveText('of $5.00');
    await expect(member.getByTestId('new-budget')).toHaveCount(0);
    await expect(row.getByRole('button', { name: /Change|Remove/ })).toHaveCount(0);
    await expect(member.getByText('Admins set budgets.')).toBeVisible();
  });
  await memberContext.close();

  await test.step('the dashboard shows the team’s spend against its budget', async () => {
    await page.goto(`/o/${org}`);
    const tile = page.getByTestId('home-spend-team').filter({ hasText: 'Growth' });
    await expect(tile.getByTestId('home-spend-spent')).toHaveText(jobCost);
    await expect(tile).toContainText('of $5.00');
    await expect(tile).toContainText('by month end');
    await screenshot(page, '55-overview-spend');
    await tile.click();
    await expect(page).toHaveURL(/\/costs\?team=/);
  });

  await test.step('an admin removes the budget', async () => {
    const row = page.getByTestId('budget-row').filter({ hasText: 'Growth' });
    await row.getByRole('button', { name: /Remove the budget/ }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove budget' }).click();
    await expect(page.getByTestId('budget-row')).toHaveCount(0);
    await expect(page.getByTestId('unbudgeted-team').filter({ hasText: 'Growth' })).toBeVisible();
  });
});
