import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { expect, test } from '@playwright/test';
import { formatElapsed } from '../rules/elapsed';
import { canConnect, sleep } from '../scripts/lib/net';
import { isAlive, stopProcessGroup } from '../scripts/lib/processes';
import { graphqlInPage, screenshot, signUp, uniqueEmail, type GraphQLAnswer } from './helpers';
import { freePorts, pathWithoutTemporal, printTable, processesOfRun, recordOf, startLauncher, waitHealthy, type Launched, type Ports } from './support/launcher';

/**
 * The launcher behind the README's first command (`scripts/run.ts`, here as `npm start` runs
 * it, on the production build the suite has made) on a throwaway GANTRY_HOME, as on a fresh
 * machine: no Temporal CLI anywhere, so it has to be built. The web app (sign-up, the UI, the
 * MLflow API) is up while it builds, the features that need Temporal say they wait and refuse
 * with a coded error, and they switch on by themselves, without a restart of the web app, once
 * Temporal and the worker are up. Ctrl-C (SIGINT to the terminal's process group) stops every
 * process it started, a build in progress too; a second start keeps the data; and losing the
 * parent process (npm killed with SIGTERM, which npm does not relay) stops everything too.
 * Production mode, because a `next dev` a developer may be running in this directory holds the
 * directory's dev-server lock (e2e/dev-launcher.spec.ts runs development mode in a copy).
 *
 * Building the Temporal CLI for real costs minutes of CPU, and how many depends on Go's build
 * cache. So that the test sees the waiting state for certain and costs little:
 *  - "Temporal must be built" is a fresh, empty GANTRY_TOOLS_DIR with no `temporal` on the PATH
 *    and no TEMPORAL_CLI_PATH, so the launcher really runs its build path;
 *  - while the test checks the web app, it holds the tools dir's build lock, as a second Gantry
 *    building at the same moment would (the launcher then waits for that build, reporting it);
 *  - it then lets go, and the launcher builds with `go install` for real. With Go's build cache
 *    warm (CI built the CLI before the suite) that is mostly a link, about a minute here; with a
 *    cold cache it is the full build, several minutes, which the timeout allows for.
 * Ctrl-C during a build is checked on a build that cannot finish first (GOFLAGS=-a rebuilds
 * everything), stopped seconds after it starts. Times are printed as a table, never asserted.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Made when the test runs: Playwright also loads this module where it only lists the tests.
let home = '';
const started: number[] = [];
/** Everything seen running, killed after a failure so no test leaves processes behind. */
const seen = new Set<number>();
let passed = false;

test.beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-launcher-'));
  chmodSync(home, 0o755);
  passed = false;
  started.length = 0;
  seen.clear();
});

test.afterEach(async () => {
  // A test that passed saw every process stop; killing remembered pids then could only hit reused ones.
  if (!passed) await killLeftovers();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function killLeftovers(): Promise<void> {
  // After a failure the launcher may not have stopped its children: find them as the test does.
  for (const read of [() => startedPids(), () => [recordOf(home).pid]]) {
    try {
      for (const pid of read()) seen.add(pid);
    } catch {
      // Not started that far.
    }
  }
  for (const pgid of started) await stopProcessGroup(pgid, 'SIGKILL', 5_000).catch(() => {});
  for (const pid of seen) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

interface Platform extends Launched {
  /** The launcher's own pid (the shell's child when started through a shell). */
  launcherPid: () => number;
}

/** The launcher with this test's home, on a machine with no Temporal CLI but what `toolsDir` holds. */
function start(ports: Ports, viaShell: boolean, opts: { toolsDir: string; env?: Record<string, string> }): Platform {
  const p = startLauncher({
    root: ROOT,
    ports,
    home,
    viaShell,
    env: { ...opts.env, PATH: pathWithoutTemporal(), GANTRY_TOOLS_DIR: opts.toolsDir, TEMPORAL_CLI_PATH: undefined },
  });
  started.push(p.proc.pid!);
  return { ...p, launcherPid: () => (viaShell ? recordOf(home).pid : p.proc.pid!) };
}

const WAITING = { tracking: 'ready', registry: 'ready', jobs: 'waiting for Temporal', evaluations: 'waiting for Temporal', retraining: 'waiting for Temporal' };
const READY = { tracking: 'ready', registry: 'ready', jobs: 'ready', evaluations: 'ready', retraining: 'ready' };

/** A GraphQL call with an API key, as tools make it. */
async function gql<T>(ports: Ports, key: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer<T>> {
  const res = await fetch(`http://127.0.0.1:${ports.web}/api/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLAnswer<T>;
}

/** Another process's build, as the launcher sees it: the tools dir's build lock held by a live pid (ours). */
function holdBuildLock(toolsDir: string): () => void {
  const lock = path.join(toolsDir, '.temporal-build.lock');
  mkdirSync(lock);
  writeFileSync(path.join(lock, 'pid'), String(process.pid));
  return () => rmSync(lock, { recursive: true, force: true });
}

/** Every pid the launcher started: its children from run.json and the PostgreSQL postmaster. */
function startedPids(): number[] {
  const record = recordOf(home);
  const postmaster = Number(readFileSync(path.join(home, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [...record.children.map((c) => c.pid), postmaster];
  for (const pid of pids) seen.add(pid);
  return pids;
}

async function demoOrg(ports: Ports): Promise<string[]> {
  const sql = postgres(`postgres://postgres:gantry-embedded@127.0.0.1:${ports.pg}/gantry`, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string }[]>`
      SELECT o.id FROM organizations o JOIN memberships m ON m.org_id = o.id JOIN users u ON u.id = m.user_id
      WHERE u.email = 'demo@gantry.dev' ORDER BY o.id`;
    return rows.map((r) => r.id);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function expectAllStopped(pids: number[], ports: Ports): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(250);
  expect(pids.filter(isAlive)).toEqual([]);
  for (const port of Object.values(ports)) expect(await canConnect(port)).toBe(false);
}

test.describe('scripts/run.ts, the launcher', () => {
  test('serves sign-up, the UI and the MLflow API while the Temporal CLI builds, switches jobs, evaluations and retraining on without a restart, stops every process on Ctrl-C, keeps the data, and stops when its parent dies', async ({ browser }) => {
    // Up to a full Temporal build when Go's build cache is cold (see above), then two starts.
    test.setTimeout(15 * 60_000);
    const ports = await freePorts();
    const toolsDir = mkdtempSync(path.join(os.tmpdir(), 'gantry-launcher-tools-'));
    const base = `http://127.0.0.1:${ports.web}`;
    try {
      // First start on a machine with no Temporal CLI, while another process holds the build.
      const releaseBuild = holdBuildLock(toolsDir);
      const began = Date.now();
      const first = start(ports, false, { toolsDir, env: { GANTRY_PUBLIC_URL: base } });

      const health = await waitHealthy(first, ports);
      const healthAt = Date.now() - began;
      expect(health).toMatchObject({ ok: true, status: 'degraded', checks: { database: { ok: true }, temporal: { ok: false, state: 'building' } } });
      expect(health.features).toEqual(WAITING);
      // The web app answers while the demo data is still being written; the summary follows the seed.
      await expect.poll(() => first.output.join('\n'), { timeout: 30_000 }).toMatch(/Demo login\s+demo@gantry\.dev \/ \S+/);
      expect(first.output.join('\n')).toContain('Demo data created');
      expect(first.output.join('\n')).toMatch(/Temporal\s+waiting for pid \d+ to build the Temporal CLI \(\d+s so far\); training jobs, evaluations and retraining switch on when it is up/);
      const org = await demoOrg(ports);
      expect(org).toHaveLength(1);
      const webPid = recordOf(home).children.find((c) => c.name === 'web')!.pid;

      // Sign-up and the UI, in a real browser; the shell says what waits for Temporal.
      const context = await browser.newContext({ baseURL: base });
      const page = await context.newPage();
      await signUp(page, { name: 'First Hour', email: uniqueEmail('launcher'), organizationName: 'Launcher Labs' });
      const signUpAt = Date.now() - began;
      const banner = page.getByTestId('platform-status');
      await expect(banner).toContainText('Training jobs, evaluations and retraining switch on in a few minutes.');
      await expect(banner).toContainText('Experiment tracking and model registry work now.');
      const jobsPage = `${new URL(page.url()).pathname}/jobs`;
      await page.goto(jobsPage);
      await expect(banner).toBeVisible();
      await screenshot(page, 'launcher-jobs-while-temporal-builds');

      // The MLflow API, with a key made in the UI's session.
      const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;
      const made = await graphqlInPage(page, orgId, 'mutation { createApiKey(input: { name: "first run", scopes: [read, write] }) { secret } }');
      const key = (made.data as { createApiKey: { secret: string } }).createApiKey.secret;
      const experiment = await fetch(`${base}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'first-hour' }),
      });
      expect(experiment.status, await experiment.clone().text()).toBe(200);
      const mlflowAt = Date.now() - began;

      // A job now is refused with a coded error that says why, and nothing is recorded.
      const team = await gql<{ createTeam: { id: string } }>(ports, key, 'mutation { createTeam(input: { name: "Models" }) { id } }');
      const project = await gql<{ createProject: { slug: string } }>(ports, key, 'mutation($t: ID!) { createProject(input: { teamId: $t, name: "Churn" }) { slug } }', { t: team.data!.createTeam.id });
      const submit = 'mutation($p: String!) { submitTrainingJob(input: { project: $p, command: ["true"] }) { id } }';
      const refused = await gql(ports, key, submit, { p: project.data!.createProject.slug });
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'UNAVAILABLE' }, message: expect.stringMatching(/^Temporal is still starting/) });
      expect((await gql<{ jobs: { edges: unknown[] } }>(ports, key, '{ jobs { edges { node { id } } } }')).data?.jobs.edges).toEqual([]);

      // The other build lets go: the launcher builds the CLI itself, starts Temporal and the worker.
      const released = Date.now();
      releaseBuild();
      const ready = await waitHealthy(first, ports, (h) => h.status === 'ready', 12 * 60_000);
      const readyAt = Date.now() - began;
      expect(ready.features).toEqual(READY);
      expect(existsSync(path.join(toolsDir, 'temporal'))).toBe(true);
      // The same web app, never restarted, now takes jobs; the banner goes by itself.
      expect(recordOf(home).children.find((c) => c.name === 'web')!.pid).toBe(webPid);
      expect(isAlive(webPid)).toBe(true);
      await expect(banner).toHaveCount(0, { timeout: 30_000 });
      await screenshot(page, 'launcher-jobs-once-temporal-is-up');
      const accepted = await gql<{ submitTrainingJob: { id: string } }>(ports, key, submit, { p: project.data!.createProject.slug });
      expect(accepted.errors).toBeUndefined();
      await expect.poll(() => first.output.join('\n'), { timeout: 30_000 }).toMatch(/Temporal and the worker are up, \S+ after start: training jobs, evaluations and retraining are on/);
      await context.close();

      printTable('Launcher on a machine with no Temporal CLI (production build of the web app):', [
        ['web app answers /api/health', formatElapsed(healthAt)],
        ['sign-up done in the browser', formatElapsed(signUpAt)],
        ['MLflow API call answered', formatElapsed(mlflowAt)],
        ['(the other build released its lock)', formatElapsed(released - began)],
        ['Temporal and the worker ready', formatElapsed(readyAt)],
        ['  building and starting them', formatElapsed(readyAt - (released - began))],
      ]);

      const pids = startedPids();
      expect(pids.length).toBeGreaterThanOrEqual(4); // worker, web, Temporal, PostgreSQL

      // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
      process.kill(-first.proc.pid!, 'SIGINT');
      expect(await first.exited).toBe(0);
      await expectAllStopped(pids, ports);

      // Second start, through a parent shell: the CLI built above, the same organization, not a second one.
      const second = start(ports, true, { toolsDir });
      const again = await waitHealthy(second, ports, (h) => h.status === 'ready');
      expect(again.features).toEqual(READY);
      await expect.poll(() => second.output.join('\n'), { timeout: 30_000 }).toMatch(/Demo login\s+demo@gantry\.dev/);
      expect(second.output.join('\n')).toContain('Demo data already present');
      expect(second.output.join('\n')).not.toContain('Building the Temporal CLI');
      expect(await demoOrg(ports)).toEqual(org);
      const launcher = second.launcherPid();
      seen.add(launcher);
      const pids2 = [launcher, ...startedPids()];

      // The parent dies without relaying anything (as npm does on SIGTERM): the launcher stops all.
      process.kill(second.proc.pid!, 'SIGKILL');
      await second.exited;
      await expectAllStopped(pids2, ports);
      expect(second.output.join('\n')).toContain('is gone; stopping');
      passed = true;
    } finally {
      rmSync(toolsDir, { recursive: true, force: true });
    }
  });

  test('Ctrl-C while the Temporal CLI builds stops the build with everything else: no go process is left', async () => {
    test.setTimeout(5 * 60_000);
    const ports = await freePorts();
    const toolsDir = mkdtempSync(path.join(os.tmpdir(), 'gantry-launcher-tools-'));
    try {
      // -a rebuilds every package, so the build is still going when Ctrl-C comes.
      const p = start(ports, false, { toolsDir, env: { GOFLAGS: '-a' } });
      await expect.poll(() => p.output.join('\n'), { timeout: 60_000 }).toContain(`Building the Temporal CLI v1.5.1 with Go into ${toolsDir}`);
      const buildPid = () => recordOf(home).children.find((c) => c.name === 'Temporal CLI build')?.pid ?? 0;
      await expect.poll(buildPid, { timeout: 30_000 }).toBeGreaterThan(0);
      const build = buildPid();
      const { runId } = recordOf(home);
      // The compilers go starts are in the run too.
      await expect.poll(() => processesOfRun(runId).filter((x) => / -p \S+ /.test(x.command) || x.pid === build).length, { timeout: 60_000 }).toBeGreaterThan(1);

      process.kill(-p.proc.pid!, 'SIGINT');
      expect(await p.exited).toBe(0);
      expect(p.output.join('\n')).toMatch(/Stopped building the Temporal CLI after \S+\./);
      await expect.poll(() => processesOfRun(runId), { timeout: 30_000 }).toEqual([]);
      expect(isAlive(build)).toBe(false);
      expect(existsSync(path.join(toolsDir, '.temporal-build.lock'))).toBe(false);
      expect(existsSync(path.join(toolsDir, 'temporal'))).toBe(false);
      for (const port of Object.values(ports)) expect(await canConnect(port)).toBe(false);
      passed = true;
    } finally {
      rmSync(toolsDir, { recursive: true, force: true });
    }
  });
});
