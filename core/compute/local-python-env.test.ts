import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL_PHASES, type BackendJobSpec, type BackendJobStatus } from './compute-backend';
import { LocalBackend } from './local-backend';
import { ENV_MARKER, environmentHash, type PythonIdentity } from './local-python-env';
import { backendJobSpec, waitForJob, wholeLog } from '../../testing/backend-jobs';

/**
 * Jobs that name Python requirements on the real local backend: the supervisor builds a
 * virtual environment with the host's python3 and pip (from the package index the host's pip
 * is configured with), shares it between jobs, and runs the command in it. The requirements
 * are tiny pure-Python wheels, so a build is the venv's own creation plus a few kilobytes.
 */

const RUN = randomBytes(3).toString('hex');
let seq = 0;
let root: string;
let envsDir: string;
let backend: LocalBackend;
const started: string[] = [];

function spec(label: string, command: string[], overrides: Partial<BackendJobSpec> = {}): BackendJobSpec {
  const name = `t${RUN}-${++seq}-${label}`.slice(0, 63);
  started.push(name);
  return backendJobSpec(name, { jobId: `job_${RUN}${seq}`, runId: `run_${RUN}${seq}` }, command, { image: '', resources: { cpu: 1, memoryMiB: 512, gpuCount: 0, gpuType: null }, maxRuntimeSeconds: 120, ...overrides });
}

const until = (name: string, ok: (s: BackendJobStatus) => boolean) => waitForJob(backend, name, ok, 150_000);
const finished = (name: string) => until(name, (s) => TERMINAL_PHASES.has(s.phase));
const log = (name: string) => wholeLog(backend, name);

/** Prints where the job's python3 lives, its VIRTUAL_ENV, and the version of a package it imports. */
const showPython = (pkg: string) => [
  'python3',
  '-c',
  `import sys, os, importlib.metadata, ${pkg}; print("prefix", sys.prefix); print("venv", os.environ.get("VIRTUAL_ENV")); print("${pkg}", importlib.metadata.version("${pkg}"))`,
];

/**
 * Every phase (with its reason) the job reports from submit to its end, read as often as the
 * status file can be: what a watcher polling at any moment could write to the job's timeline.
 */
async function phasesUntilDone(name: string): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const st = await backend.status(name);
    const step = st ? (st.reason ? `${st.phase}:${st.reason}` : st.phase) : 'missing';
    if (seen.at(-1) !== step) seen.push(step);
    if (st && TERMINAL_PHASES.has(st.phase)) return seen;
    await new Promise((r) => setTimeout(r, 2));
  }
}

const envDirs = () => readdirSync(envsDir).filter((d) => /^[0-9a-f]{24}$/.test(d));

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'gantry-python-env-'));
  envsDir = path.join(root, 'envs');
  backend = new LocalBackend({ jobsDir: path.join(root, 'jobs'), envsDir, killGraceMs: 1_000, sampleIntervalMs: 200 });
});

afterAll(async () => {
  await Promise.all(started.map((n) => backend.cancel(n).catch(() => undefined)));
  rmSync(root, { recursive: true, force: true });
});

describe('a local job with Python requirements', () => {
  let builtDir = '';

  it('builds a virtual environment for them, shows the build in its log, and runs the command with it first on the PATH', async () => {
    const s = spec('build', showPython('six'), { pythonRequirements: ['six==1.17.0'] });
    await backend.submit(s);
    const building = await until(s.name, (st) => st.environment?.state === 'building' || TERMINAL_PHASES.has(st.phase));
    expect(building).toMatchObject({ phase: 'pending', reason: 'BuildingEnvironment', environment: { state: 'building', cached: false, requirements: 1 } });
    expect(building.message).toMatch(/^Building the Python environment: 1 requirement on Python 3\.\d+\.\d+$/);

    const st = await finished(s.name);
    expect(st, await log(s.name)).toMatchObject({ phase: 'succeeded', environment: { state: 'ready', cached: false } });
    expect(st.environment!.message).toMatch(/^Python environment ready: built in \d/);
    // The build's CPU time (seconds of venv and pip) is not the job's: a print is a fraction of a second.
    expect(st.usage!.cpuSeconds).toBeLessThan(1.5);
    builtDir = path.join(envsDir, envDirs()[0]!);
    expect(envDirs()).toEqual([st.environment!.hash]);

    const text = await log(s.name);
    expect(text).toMatch(/gantry: building the Python environment [0-9a-f]{24} \(1 requirement on Python 3/);
    expect(text).toContain('gantry: $ pip install six==1.17.0');
    expect(text).toMatch(/Successfully installed six-1\.17\.0/);
    expect(text).toContain(`prefix ${builtDir}\nvenv ${builtDir}\nsix 1.17.0\n`);
    const marker = JSON.parse(readFileSync(path.join(builtDir, ENV_MARKER), 'utf8')) as { requirements: string[]; python: PythonIdentity; builtBy: string };
    expect(marker).toMatchObject({ requirements: ['six==1.17.0'], builtBy: s.name });
    expect(path.basename(builtDir)).toBe(environmentHash(['six==1.17.0'], marker.python));
  });

  it('reuses it for the same requirements, however spaced and repeated: a cache hit', async () => {
    const again = spec('cached', showPython('six'), { pythonRequirements: ['six == 1.17.0', 'six==1.17.0'] });
    await backend.submit(again);
    // Looking the environment up is no step of its own: the job is queued until its command runs.
    const phases = await phasesUntilDone(again.name);
    expect(phases.filter((p) => !['queued', 'running'].includes(p))).toEqual(['succeeded']);
    const hit = await finished(again.name);
    expect(hit).toMatchObject({ phase: 'succeeded', environment: { state: 'ready', cached: true, message: 'Python environment ready (cached)' } });
    const text = await log(again.name);
    expect(text).toContain(`gantry: Python environment ready (cached): ${builtDir}\n`);
    expect(text).not.toContain('pip install');
    expect(text).toContain(`venv ${builtDir}\n`);
  });

  it('builds one environment for two jobs that need it at once: the second waits for the first and uses its build', async () => {
    const a = spec('same-a', showPython('iniconfig'), { pythonRequirements: ['iniconfig==2.0.0'] });
    const b = spec('same-b', showPython('iniconfig'), { pythonRequirements: ['iniconfig==2.0.0'] });
    const before = new Set(envDirs());
    await Promise.all([backend.submit(a), backend.submit(b)]);
    const [sa, sb] = await Promise.all([finished(a.name), finished(b.name)]);
    expect([sa.phase, sb.phase], (await log(a.name)) + (await log(b.name))).toEqual(['succeeded', 'succeeded']);
    // Exactly one of them built it, once; both ran in it.
    expect([sa.environment!.cached, sb.environment!.cached].sort()).toEqual([false, true]);
    const made = envDirs().filter((d) => !before.has(d));
    expect(made).toEqual([sa.environment!.hash]);
    expect(sb.environment!.hash).toBe(sa.environment!.hash);
    const logs = [await log(a.name), await log(b.name)];
    expect(logs.filter((t) => t.includes('Successfully installed iniconfig'))).toHaveLength(1);
    expect(logs.filter((t) => t.includes('gantry: another job is building this environment; waiting for it\ngantry: the other job built it\n'))).toHaveLength(1);
    expect([sa.environment!.message, sb.environment!.message]).toContain('Python environment ready (cached): another job built it meanwhile');
    for (const t of logs) expect(t).toContain(`venv ${path.join(envsDir, made[0]!)}\n`);
  });

  it('fails the job when a requirement cannot be installed, with pip’s error in the log and nothing half-built left behind', async () => {
    const s = spec('no-such', ['python3', '-c', 'print("never runs")'], { pythonRequirements: ['gantry-no-such-package-q7x==1.0'] });
    await backend.submit(s);
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'failed', reason: 'EnvironmentBuildFailed', startedAt: null, environment: { state: 'failed' } });
    expect(st.message).toBe("Could not build the Python environment: installing 1 requirement failed (exit code 1); pip's output is in the log");
    const text = await log(s.name);
    expect(text).toMatch(/ERROR: No matching distribution found for gantry-no-such-package-q7x==1\.0/);
    expect(text).toContain('gantry: building the Python environment failed: pip install exited with code 1');
    expect(text).not.toContain('never runs');
    expect(existsSync(path.join(envsDir, st.environment!.hash))).toBe(false);
  });

  it('says so when the job’s PATH has no python3 to build from', async () => {
    const s = spec('no-python', ['python3', '-c', 'print(1)'], { pythonRequirements: ['six==1.17.0'], env: { PATH: path.join(root, 'empty-bin') } });
    await backend.submit(s);
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'failed', reason: 'EnvironmentBuildFailed' });
    expect(st.message).toBe(`No python3 on the job's PATH (${path.join(root, 'empty-bin')}) to build its Python environment from. Install Python 3 with its venv module on the Gantry host (Debian: apt-get install python3-venv).`);
  });

  it('stops a build when the job is cancelled; the next job builds the environment afresh', async () => {
    const requirements = ['packaging==24.1'];
    const s = spec('cancel', ['python3', '-c', 'print("never runs")'], { pythonRequirements: requirements });
    await backend.submit(s);
    await until(s.name, (st) => st.environment?.state === 'building');
    await backend.cancel(s.name);
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'cancelled', reason: 'Cancelled' });
    expect(await log(s.name)).not.toContain('never runs');
    const hash = (await backend.status(s.name))!.environment!.hash;
    expect(existsSync(path.join(envsDir, hash, ENV_MARKER))).toBe(false);

    const next = spec('after-cancel', showPython('packaging'), { pythonRequirements: requirements });
    await backend.submit(next);
    const done = await finished(next.name);
    expect(done, await log(next.name)).toMatchObject({ phase: 'succeeded', environment: { hash, cached: false } });
  });

  it('leaves a job without requirements on the host’s Python, with no VIRTUAL_ENV', async () => {
    const s = spec('plain', ['sh', '-c', 'echo "venv=${VIRTUAL_ENV:-none}"']);
    await backend.submit(s);
    expect((await phasesUntilDone(s.name)).filter((p) => !['queued', 'running'].includes(p))).toEqual(['succeeded']);
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'succeeded', environment: null });
    expect(await log(s.name)).toBe('venv=none\n');
  });
});
