import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const PASSWORD = 'orbit-lantern-4417';

let counter = 0;
/** Unique per run and per call, so specs never collide with earlier runs' data. */
export function uniqueEmail(who: string): string {
  counter += 1;
  return `${who}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}@example.test`;
}

export function stamp(): string {
  return Date.now().toString(36).slice(-5);
}

/** Signs up through the form and waits until the new organization's overview is shown. */
export async function signUp(page: Page, user: { name: string; email: string; organizationName?: string }) {
  await page.goto('/signup');
  await page.getByLabel('Full name').fill(user.name);
  await page.getByLabel('Work email').fill(user.email);
  await page.getByLabel('Password').fill(PASSWORD);
  if (user.organizationName) await page.getByLabel('Organization name').fill(user.organizationName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/o\/[^/]+$/, { timeout: 30_000 });
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
}

/** Signs up from an invitation link (the form is prefilled with the invited email) and accepts it. */
export async function signUpAndAccept(page: Page, invitePath: string, name: string) {
  await page.goto(invitePath);
  await page.getByRole('link', { name: 'Create an account to accept' }).click();
  await expect(page).toHaveURL(/\/signup\?/);
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(new RegExp(`${invitePath}$`), { timeout: 30_000 });
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page).toHaveURL(/\/o\/[^/]+$/, { timeout: 30_000 });
}

/** Invites `email` from the members page and returns the invite link's path. */
export async function invite(page: Page, orgSlug: string, email: string, role: 'admin' | 'member' | 'viewer') {
  await page.goto(`/o/${orgSlug}/members`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  await page.getByRole('button', { name: 'Create invite link' }).click();
  const link = page.getByTestId('invite-link');
  await expect(link).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  return new URL(await link.inputValue()).pathname;
}

export function orgSlugOf(page: Page): string {
  const m = /\/o\/([^/?#]+)/.exec(page.url());
  if (!m) throw new Error(`not on an org page: ${page.url()}`);
  return m[1]!;
}

export async function createTeam(page: Page, orgSlug: string, name: string) {
  await page.goto(`/o/${orgSlug}/teams`);
  await page.getByLabel('Team name').fill(name);
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page).toHaveURL(/\/teams\/[^/]+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
}

/** On a team page: creates a project and returns its URL path. */
export async function createProject(page: Page, name: string, description = '') {
  await page.getByLabel('Project name').fill(name);
  if (description) await page.getByLabel('Description').fill(description);
  await page.getByRole('button', { name: 'Create project' }).click();
  const link = page.getByTestId('team-projects').getByRole('link', { name: new RegExp(name) });
  await expect(link).toBeVisible();
  return (await link.getAttribute('href'))!;
}

export interface GraphQLAnswer<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A GraphQL call from the test itself (no browser cookies), e.g. with an API key. */
export async function graphqlAs(request: APIRequestContext, apiKey: string, query: string): Promise<{ status: number; body: GraphQLAnswer }> {
  const res = await request.post('/api/graphql', {
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    data: { query },
  });
  return { status: res.status(), body: (await res.json()) as GraphQLAnswer };
}

/** A GraphQL call from inside the page: the browser's own session cookie, like the UI's calls. */
export async function graphqlInPage(page: Page, orgId: string, query: string): Promise<GraphQLAnswer> {
  return page.evaluate(
    async ([q, org]) => {
      const res = await fetch('/api/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gantry-org': org! },
        body: JSON.stringify({ query: q }),
      });
      return res.json();
    },
    [query, orgId] as const,
  );
}

export const SCREENSHOT_DIR = path.join(process.cwd(), 'test-results', 'screenshots');

/** A full-page screenshot kept as an artifact of the run. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let skeletons resolve and transitions settle before capturing.
  await page.waitForLoadState('networkidle');
  await expect(page.getByRole('status', { name: 'Loading' })).toHaveCount(0);
  await expect(page.getByTestId('toast')).toHaveCount(0, { timeout: 10_000 });
  // The shell's sidebar and header are fixed: scrolled, a full-page capture paints them mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, animations: 'disabled' });
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Both streams, interleaved as they arrived. */
  output: string;
}

/**
 * Runs a program to its end and collects what it printed. `env` is the whole environment, so the
 * tester's own GANTRY_* and MLFLOW_* settings reach it only when a spec passes them on.
 */
export function runCommand(command: string, args: string[], opts: { env: Record<string, string | undefined>; cwd?: string }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined)) as NodeJS.ProcessEnv;
    const child = spawn(command, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), (output += d.toString())));
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), (output += d.toString())));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, output }));
  });
}

/** What a Python child needs, and nothing of the tester's own settings. */
export function pythonEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

/** Creates an API key on the settings page with exactly these scopes and returns its secret. */
export async function createKey(page: Page, org: string, name: string, scope: 'Write' | 'Inference') {
  await page.goto(`/o/${org}/settings/api-keys`);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('checkbox', { name: /^Read/ }).uncheck();
  await page.getByRole('checkbox', { name: new RegExp(`^${scope}`) }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
  expect(secret).toMatch(/^gty_/);
  return secret;
}

/**
 * The churn example's ONNX graph with the coefficients a seed draws (as its train.py standardises,
 * weighs and adds a bias), saved by mlflow.onnx and registered through the mlflow client: one
 * version per entry, in order.
 */
const REGISTER_CHURN = String.raw`
import json, sys, tempfile
import numpy as np
sys.path.insert(0, sys.argv[1])
from churn_common import FEATURES
from train import build_onnx
import mlflow, mlflow.onnx
from mlflow import MlflowClient
from mlflow.models import ModelSignature
from mlflow.types import Schema, TensorSpec

client = MlflowClient()
client.create_registered_model("churn")
mlflow.set_experiment("churn-serving")
d = len(FEATURES)
for spec in json.loads(sys.argv[2]):
    rng = np.random.default_rng(spec["seed"])
    model = build_onnx(rng.normal(50, 20, d), rng.uniform(5, 30, d), rng.normal(0, 1, d), spec["bias"])
    sig = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, d), "features")]),
        outputs=Schema([TensorSpec(np.dtype(np.float32), (-1,), "probability"), TensorSpec(np.dtype(np.int64), (-1,), "label")]),
    )
    with mlflow.start_run() as run, tempfile.TemporaryDirectory() as tmp:
        mlflow.onnx.save_model(model, tmp + "/model", signature=sig, save_as_external_data=False)
        mlflow.log_artifacts(tmp + "/model", artifact_path="model")
        v = client.create_model_version("churn", source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
        print(f"registered churn v{v.version}", flush=True)
`;

/** Registers versions of the churn model with the mlflow client, as a training script would, with a write key. */
export async function registerChurnVersions(baseURL: string, writeKey: string, versions: { seed: number; bias: number }[]) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gantry-churn-e2e-'));
  try {
    const r = await runCommand('python3', ['-c', REGISTER_CHURN, path.join(process.cwd(), 'examples', 'churn'), JSON.stringify(versions)], {
      cwd: tmp,
      env: pythonEnv({ TMPDIR: tmp, MLFLOW_TRACKING_URI: baseURL, MLFLOW_TRACKING_TOKEN: writeKey }),
    });
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.match(/registered churn v\d+/g)).toHaveLength(versions.length);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
