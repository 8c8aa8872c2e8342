import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { expect, test } from '@playwright/test';
import { canConnect, freePort, sleep } from '../scripts/lib/net';
import { forEachLine, isAlive, stopProcessGroup } from '../scripts/lib/processes';

/**
 * The launcher behind the README's first command (`scripts/run.ts`, here as `npm start` runs
 * it, on the production build the suite has made) on a throwaway GANTRY_HOME: it brings up
 * PostgreSQL, Temporal, the worker and the web app with the demo organization; Ctrl-C (SIGINT
 * to the terminal's process group) stops every process it started; a second start keeps the
 * data; and losing the parent process (npm killed with SIGTERM, which npm does not relay)
 * stops everything too. Production mode, because a `next dev` a developer may be running in
 * this directory holds the directory's dev-server lock.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Made when the test runs: Playwright also loads this module where it only lists the tests.
let home = '';
const started: number[] = [];
/** Everything seen running, killed after a failure so no test leaves processes behind. */
const seen = new Set<number>();
let passed = false;

test.beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-launcher-'));
  chmodSync(home, 0o755);
});

test.afterAll(async () => {
  // A test that passed saw every process stop; killing remembered pids then could only hit reused ones.
  if (!passed) await killLeftovers();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function killLeftovers(): Promise<void> {
  // After a failure the launcher may not have stopped its children: find them as the test does.
  for (const read of [() => startedPids(), () => [launcherPidOf(home)]]) {
    try {
      for (const pid of read()) seen.add(pid);
    } catch {
      // Not started that far.
    }
  }
  for (const pgid of started) await stopProcessGroup(pgid, 'SIGKILL', 5_000).catch(() => {});
  for (const pid of seen) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

interface Platform {
  proc: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  hasExited: () => boolean;
  /** The launcher's own pid (the shell's child when started through a shell). */
  launcherPid: () => number;
}

async function start(ports: Ports, viaShell: boolean): Promise<Platform> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(ports.web),
    GANTRY_HOME: home,
    GANTRY_PG_PORT: String(ports.pg),
    GANTRY_TEMPORAL_PORT: String(ports.temporal),
    GANTRY_TEMPORAL_UI_PORT: String(ports.temporalUi),
    NEXT_TELEMETRY_DISABLED: '1',
    // The demo organization without its background jobs, whose Python processes would outlive a
    // platform stopped seconds after it started (core/demo/seed-demo.test.ts covers those).
    GANTRY_SEED_DEMO: 'data',
  };
  // The embedded defaults are what is under test, whatever database the suite itself uses.
  for (const key of ['DATABASE_URL', 'DATABASE_APP_URL', 'DATABASE_APP_PASSWORD', 'TEMPORAL_ADDRESS', 'NODE_ENV', 'GANTRY_RUN_ID'])
    delete env[key];
  const node = `${JSON.stringify(process.execPath)} --import tsx scripts/run.ts`;
  // `; exit $?` keeps the shell as the launcher's parent, like `npm run dev` does.
  const proc = viaShell
    ? spawn('/bin/sh', ['-c', `${node}; exit $?`], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', 'scripts/run.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc.pid!);
  const output: string[] = [];
  forEachLine(proc.stdout, (l) => output.push(l));
  forEachLine(proc.stderr, (l) => output.push(l));
  let ended = false;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => ((ended = true), resolve(code))));
  return {
    hasExited: () => ended,
    proc,
    output,
    exited,
    launcherPid: () => (viaShell ? launcherPidOf(home) : proc.pid!),
  };
}

interface Ports {
  web: number;
  pg: number;
  temporal: number;
  temporalUi: number;
}

async function waitHealthy(p: Platform, ports: Ports): Promise<void> {
  const deadline = Date.now() + 150_000;
  let last = '';
  while (Date.now() < deadline) {
    if (p.hasExited()) throw new Error(`the launcher exited before it was healthy:\n${p.output.slice(-40).join('\n')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${ports.web}/api/health`, { signal: AbortSignal.timeout(20_000) });
      last = await res.text();
      if (res.ok) return;
    } catch (err) {
      last = String(err);
    }
    await sleep(1000);
  }
  throw new Error(`not healthy: ${last}\n${p.output.slice(-40).join('\n')}`);
}

/** The launcher's own pid, from the record it keeps in its home. */
function launcherPidOf(dir: string): number {
  return Number(readFileSync(path.join(dir, 'run.json'), 'utf8').match(/"pid":\s*(\d+)/)![1]);
}

/** Every pid the launcher started: its children from run.json and the PostgreSQL postmaster. */
function startedPids(): number[] {
  const record = JSON.parse(readFileSync(path.join(home, 'run.json'), 'utf8')) as { children: { pid: number }[] };
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
  test('starts everything with the demo organization, stops every process on Ctrl-C, keeps the data, and stops when its parent dies', async () => {
    test.setTimeout(420_000);
    const ports: Ports = { web: await freePort(), pg: await freePort(), temporal: await freePort(), temporalUi: await freePort() };

    // First start: everything up, demo data created and the login printed.
    const first = await start(ports, false);
    await waitHealthy(first, ports);
    const health = (await (await fetch(`http://127.0.0.1:${ports.web}/api/health`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(health.checks.database?.ok).toBe(true);
    expect(health.checks.temporal?.ok).toBe(true);
    expect(first.output.join('\n')).toContain('Demo data created');
    // The banner follows the launcher's own readiness checks, which may end after health first answers.
    await expect.poll(() => first.output.join('\n'), { timeout: 30_000 }).toMatch(/Demo login\s+demo@gantry\.dev \/ \S+/);
    const org = await demoOrg(ports);
    expect(org).toHaveLength(1);
    const pids = startedPids();
    expect(pids.length).toBeGreaterThanOrEqual(4); // worker, web, Temporal, PostgreSQL

    // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
    process.kill(-first.proc.pid!, 'SIGINT');
    expect(await first.exited).toBe(0);
    await expectAllStopped(pids, ports);

    // Second start, through a parent shell: the same organization, not a second one.
    const second = await start(ports, true);
    await waitHealthy(second, ports);
    expect(second.output.join('\n')).toContain('Demo data already present');
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
  });
});
