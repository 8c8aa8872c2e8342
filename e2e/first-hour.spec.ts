import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { createKey, screenshot, signUp, uniqueEmail, runCommand, type CommandResult } from './helpers';

/**
 * The README's "First hour", followed as a new user on the freshly started platform: every step
 * it names is done here the way it says (the browser for sign-up and the API key, its shell blocks
 * run as written in bash, its Python saved as the file it names), with only the URL and the key
 * put in for the ones the README shows. A change to the section that breaks a step breaks this
 * story; a block added to the section fails it until the story runs it too.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README_URL = 'http://localhost:3000';
const README_GATEWAY_URL = 'http://localhost:3001';

interface Block {
  lang: string;
  code: string;
}

/** The fenced code blocks of the README's `## First hour` section, indentation removed. */
function firstHourBlocks(): Block[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## First hour\n');
  expect(start, 'README has a "First hour" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks: Block[] = [];
  for (const m of section.matchAll(/^( *)```(\w+)\n([\s\S]*?)^\1```$/gm)) {
    const [, lead = '', lang = '', body = ''] = m;
    const indent = lead.length;
    blocks.push({ lang, code: body.split('\n').map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n') });
  }
  return blocks;
}

/** Runs a README shell block in bash, stopping at the first failing command. */
function runBash(code: string, opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CommandResult> {
  return runCommand('bash', ['-euo', 'pipefail', '-c', code], opts);
}

test('a new user follows the README’s First hour: sign up, key, first MLflow run, example job from the CLI, registered model, deployment and a prediction', async ({ page, baseURL }) => {
  test.setTimeout(600_000);
  const blocks = firstHourBlocks();
  expect(blocks.map((b) => b.lang), 'the First hour section’s code blocks, in order').toEqual(['python', 'bash', 'bash', 'bash']);
  const [script, firstRun, jobFromCli, prediction] = blocks as [Block, Block, Block, Block];
  const url = baseURL!.replace(/\/$/, '');
  const gateway = process.env.GANTRY_E2E_GATEWAY_URL!.replace(/\/$/, '');
  expect(gateway, 'the e2e harness starts a gateway').toBeTruthy();
  // The README's commands with this platform's URL and the key the story made.
  const asWritten = (code: string, key: string) => code.replaceAll(README_URL, url).replaceAll('<your API key>', key);

  const work = mkdtempSync(path.join(os.tmpdir(), 'gantry-first-hour-'));
  // A home of its own: `gantry login` writes ~/.config/gantry/config.json.
  const shellEnv: NodeJS.ProcessEnv = { ...process.env, HOME: work, XDG_CONFIG_HOME: path.join(work, '.config') };
  for (const name of Object.keys(shellEnv)) if (/^(GANTRY_|MLFLOW_)/.test(name)) delete shellEnv[name];
  try {
    await test.step('1. sign up: the home page greets a new user', async () => {
      await signUp(page, { name: 'Noor Haddad', email: uniqueEmail('first-hour'), organizationName: 'First Hour Labs' });
      await expect(page.getByRole('heading', { level: 1 })).toContainText('First Hour Labs');
      await expect(page.getByTestId('home-greeting')).toContainText('Welcome to Gantry, Noor');
      await expect(page.getByTestId('start-here')).toBeVisible();
      await expect(page.getByText(/Welcome back/)).toHaveCount(0);
      await screenshot(page, 'first-hour-1-home');
    });

    let key = '';
    await test.step('2. create an API key with the Write scope on the API keys page', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
      await page.getByLabel('Name', { exact: true }).fill('laptop');
      const write = page.getByRole('checkbox', { name: /Write/ });
      await expect(write.locator('xpath=ancestor::label[1]')).toContainText(/log runs.*register models.*submit.*jobs/i);
      await write.check();
      await page.getByRole('button', { name: 'Create key' }).click();
      key = (await page.getByTestId('api-key-secret').textContent())!.trim();
      expect(key).toMatch(/^gty_/);
    });

    let runLink = '';
    await test.step('3. log a first run with the mlflow client, as the README writes it', async () => {
      expect(firstRun.code).toContain('python3 first_run.py');
      writeFileSync(path.join(work, 'first_run.py'), script.code);
      const result = await runBash(asWritten(firstRun.code, key), { cwd: work, env: shellEnv });
      expect(result.code, result.output).toBe(0);
      runLink = result.output.match(/View run hello-gantry at: (\S+)/)?.[1] ?? '';
      expect(runLink, result.output).toContain(`${url}/#/experiments/`);
    });

    await test.step('the link the client printed opens the run, its params and the loss curve', async () => {
      await page.goto(runLink);
      await expect(page).toHaveURL(/\/runs\/[^/#]+$/);
      await expect(page.getByRole('heading', { level: 1 })).toContainText('hello-gantry');
      await expect(page.getByText('learning_rate')).toBeVisible();
      await expect(page.getByTestId('metric-charts')).toContainText('loss');
      await screenshot(page, 'first-hour-3-run');
    });

    await test.step('4. train the example from the CLI: login, submit, follow to success', async () => {
      const result = await runBash(asWritten(jobFromCli.code, key), { cwd: ROOT, env: { ...shellEnv, GANTRY_API_KEY: key } });
      expect(result.code, result.output).toBe(0);
      expect(result.output).toMatch(/succeeded/i);
      expect(result.output, 'models show lists the version the job registered').toMatch(/churn[\s\S]*\b1\b/);
    });

    await test.step('5. the job registered the model: Models → churn → version 1', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
      await page.getByRole('link', { name: /^churn\b/ }).first().click();
      await page.getByRole('link', { name: 'Version 1', exact: true }).first().click();
      await expect(page).toHaveURL(/\/models\/[^/]+\/versions\/[^/]+$/);
      await expect(page.getByText('onnx').first()).toBeVisible();
      await screenshot(page, 'first-hour-5-model-version');
    });

    await test.step('6. deploy version 1 from its page, make an inference key and call it with the README’s curl line', async () => {
      await page.getByRole('link', { name: 'Deploy', exact: true }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Deploy a model' })).toBeVisible();
      await expect(page.getByLabel('Deployment name')).toHaveValue('churn-prod');
      await page.getByRole('button', { name: 'Deploy', exact: true }).click();
      await expect(page).toHaveURL(/\/deployments\/churn-prod$/, { timeout: 30_000 });
      // The page's own curl line is the README's, but for its placeholder row.
      await expect(page.getByTestId('oip-url')).toHaveText(`POST ${gateway}/v2/models/churn-prod/infer`);
      const pageCurl = (await page.getByTestId('oip-curl').textContent())!;
      const readmeHead = prediction.code.slice(prediction.code.indexOf('curl'), prediction.code.indexOf(' -d ')).replaceAll(README_GATEWAY_URL, gateway);
      expect(pageCurl.replace(/\s+/g, ' ')).toContain(readmeHead.replace(/\s+/g, ' ').trim());
      const orgPath = new URL(page.url()).pathname.split('/')[2]!;
      const inferenceKey = await createKey(page, orgPath, 'service', 'Inference');
      const result = await runBash(prediction.code.replaceAll(README_GATEWAY_URL, gateway).replaceAll('<your inference key>', inferenceKey), { cwd: work, env: shellEnv });
      expect(result.code, result.output).toBe(0);
      const answer = JSON.parse(result.output) as { model_name: string; outputs: { name: string; data: number[] }[] };
      expect(answer.model_name).toBe('churn-prod');
      const [probability] = answer.outputs.find((o) => o.name === 'probability')?.data ?? [];
      expect(probability, result.output).toBeGreaterThan(0);
      expect(probability, result.output).toBeLessThan(1);
      await page.goto(`/o/${orgPath}/deployments/churn-prod`);
    });

    await test.step('the deployment’s dashboard counts the request', async () => {
      await expect(page.getByTestId('dashboard')).toBeVisible({ timeout: 30_000 });
      await expect.poll(async () => (await page.getByTestId('version-requests').allTextContents()).join(), { timeout: 30_000 }).toBe('1');
      // With one version there is nothing to roll out yet, and the page says what would be.
      await expect(page.getByTestId('start-canary-none')).toContainText('Register a new version');
      await expect(page.getByTestId('cost-v1')).toContainText('v1');
      await screenshot(page, 'first-hour-6-deployment');
    });

    await test.step('the home page now shows the run, the job and the model', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
      await expect(page.getByTestId('home-greeting')).not.toContainText('Welcome to Gantry');
      await expect(page.getByText('hello-gantry').first()).toBeVisible();
      await expect(page.getByText('churn logistic regression').first()).toBeVisible();
      await screenshot(page, 'first-hour-6-home-after');
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
