import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, screenshot, signUp, stamp, uniqueEmail, type GraphQLAnswer, runCommand, pythonEnv, type CommandResult } from './helpers';

/**
 * As an ML practitioner I click the link the mlflow client prints after a run ("View run … at:
 * http://host/#/experiments/<id>/runs/<id>") and land on that run in Gantry, not on the overview;
 * the experiment link and MLflow-style model links open their pages too. The key that logged the
 * run belongs to my second organization, which the link finds; signed out, I sign in first and
 * still arrive. A link to nothing I can see says so.
 */

/** A training script as a user writes it: the unmodified mlflow client, a registered sklearn model. */
const SCRIPT = `
import sys
import mlflow
import mlflow.sklearn
from sklearn.linear_model import LogisticRegression

experiment, model_name = sys.argv[1], sys.argv[2]
mlflow.set_experiment(experiment)
with mlflow.start_run(run_name="first-link") as run:
    mlflow.log_param("C", 0.5)
    for step, loss in enumerate([0.69, 0.52, 0.41, 0.37]):
        mlflow.log_metric("loss", loss, step=step)
    model = LogisticRegression(C=0.5).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    mlflow.sklearn.log_model(model, name="model", registered_model_name=model_name)
    print("RUN_ID", run.info.run_id, flush=True)
`;

function python(args: string[], env: Record<string, string>): Promise<CommandResult> {
  return runCommand('python3', ['-c', SCRIPT, ...args], { env: pythonEnv(env) });
}

/** GraphQL from inside the page, as the UI calls it, in the organization `orgId` (or the first). */
async function gql<T>(page: Page, query: string, orgId?: string): Promise<T> {
  const body = await page.evaluate(
    async ([q, org]) => {
      const res = await fetch('/api/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(org ? { 'x-gantry-org': org } : {}) },
        body: JSON.stringify({ query: q }),
      });
      return (await res.json()) as GraphQLAnswer;
    },
    [query, orgId ?? ''] as const,
  );
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

test('links printed by the mlflow client open the run, the experiment and the model version in Gantry', async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  const s = stamp();
  const email = uniqueEmail('links');
  await signUp(page, { name: 'Lin Park', email, organizationName: `Links Home ${s}` });

  const other = await test.step('a second organization, whose API key the training code uses', async () => {
    const made = await gql<{ createOrganization: { id: string; slug: string } }>(page, `mutation { createOrganization(input: { name: "Links Lab ${s}" }) { id slug } }`);
    const key = await gql<{ createApiKey: { secret: string } }>(page, 'mutation { createApiKey(input: { name: "training", scopes: [read, write] }) { secret } }', made.createOrganization.id);
    return { ...made.createOrganization, key: key.createApiKey.secret };
  });
  await page.goto('/');
  await expect(page).not.toHaveURL(new RegExp(`/o/${other.slug}`));

  const modelName = `links-model-${s}`;
  const printed = await test.step('the real mlflow client logs a run, registers a model and prints its links', async () => {
    const r = await python([`links-${s}`, modelName], { MLFLOW_TRACKING_URI: baseURL!.replace(/\/$/, ''), MLFLOW_TRACKING_TOKEN: other.key, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' });
    expect(r.code, r.output.slice(-3000)).toBe(0);
    const runId = /RUN_ID (\S+)/.exec(r.output)?.[1];
    const runUrl = /View run first-link at: (\S+)/.exec(r.output)?.[1];
    const experimentUrl = /View experiment at: (\S+)/.exec(r.output)?.[1];
    expect(runUrl, r.output).toMatch(new RegExp(`/#/experiments/[^/]+/runs/${runId}$`));
    expect(experimentUrl, r.output).toMatch(/\/#\/experiments\/[^/]+$/);
    return { runId: runId!, runUrl: runUrl!, experimentUrl: experimentUrl!, experimentId: /#\/experiments\/([^/]+)$/.exec(experimentUrl!)![1]! };
  });

  await test.step('the run link opens the run, found in the organization that has it', async () => {
    await page.goto(printed.runUrl);
    await expect(page).toHaveURL(new RegExp(`/o/${other.slug}/runs/${printed.runId}$`), { timeout: 30_000 });
    await expect(page.getByTestId('run-name')).toHaveText('first-link');
    await screenshot(page, 'mlflow-link-run');
  });

  await test.step('the experiment link opens the experiment', async () => {
    await page.goto(printed.experimentUrl);
    await expect(page).toHaveURL(new RegExp(`/o/${other.slug}/experiments/${printed.experimentId}$`), { timeout: 30_000 });
    await expect(page.getByTestId('experiment-name')).toHaveText(`links-${s}`);
  });

  await test.step('MLflow UI links to a model and to a version open theirs', async () => {
    await page.goto(`/#/models/${encodeURIComponent(modelName)}/versions/1`);
    await expect(page).toHaveURL(new RegExp(`/o/${other.slug}/models/[^/]+/versions/[^/]+$`), { timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1 })).toContainText(modelName);
    await page.goto(`/#/models/${encodeURIComponent(modelName)}`);
    await expect(page).toHaveURL(new RegExp(`/o/${other.slug}/models/[^/]+$`), { timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1 })).toContainText(modelName);
  });

  await test.step('a link to a run nobody here has says so and leaves the overview as it is', async () => {
    const missing = 'run_00000000000000000000000000';
    await page.goto(`/#/experiments/${printed.experimentId}/runs/${missing}`);
    await expect(page.getByTestId('toast')).toContainText('Nothing to open for that MLflow link');
    await expect(page.getByTestId('toast')).toContainText(missing);
    await expect(page).toHaveURL(/\/o\/[^/#]+$/);
  });

  await test.step('signed out, the link asks me to sign in and then opens the run', async () => {
    const fresh = await browser.newContext({ baseURL });
    const tab = await fresh.newPage();
    await tab.goto(printed.runUrl);
    await expect(tab).toHaveURL(/\/signin/);
    await tab.getByLabel('Email').fill(email);
    await tab.getByLabel('Password').fill(PASSWORD);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expect(tab).toHaveURL(new RegExp(`/o/${other.slug}/runs/${printed.runId}$`), { timeout: 30_000 });
    await expect(tab.getByTestId('run-name')).toHaveText('first-link');
    await fresh.close();
  });
});
