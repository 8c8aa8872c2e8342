/**
 * The Python environment of a `local` job that names requirements: a virtual environment
 * built for them once, then shared by every job that needs the same one. As MLflow Projects'
 * virtualenv manager does, an environment is keyed by a hash of the resolved requirements and
 * the Python it is built from (version, implementation, interpreter, machine), and lives in
 * `<envsDir>/<hash>/`. Run by the job's supervisor before the command, so a build outlives a
 * worker restart like the job does, its output goes to the job's log, and cancelling the job
 * stops it.
 *
 * Concurrent builds of one environment: the build runs under an exclusive `flock` on
 * `<hash>.lock`, which the kernel releases when the builder dies however it dies; a job that
 * finds the lock taken waits, then finds the environment ready. An environment is complete once
 * its marker file `gantry-env.json` exists (written last, by rename), and only then used; a
 * directory without one is what a stopped build left, and the next build starts it over.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { JobEnvironmentStatus } from './compute-backend';
import { signalGroup } from './local-job-files';

/** The marker of a complete environment: what it was built for. */
export const ENV_MARKER = 'gantry-env.json';
/** A build (with the wait for another job's build of the same environment) is stopped after this long. */
export const ENV_BUILD_TIMEOUT_MS = 30 * 60_000;
/** The build script's exit status when another job built the environment while this one waited. */
const BUILT_BY_ANOTHER = 3;

/** Host variables the build passes to pip (the operator's index, certificates, cache, proxies); never the job's own `env`. */
export const PIP_PASS_ENV = /^(PIP_[A-Z0-9_]+|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY)$/;

/** What identifies the interpreter an environment is built from. */
export interface PythonIdentity {
  version: string;
  implementation: string;
  /** The base interpreter, symlinks resolved (a venv's python3 names the one it came from). */
  executable: string;
  machine: string;
}

const PROBE = `import json, os, platform, sys
print(json.dumps({"version": platform.python_version(), "implementation": sys.implementation.name,
  "executable": os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable), "machine": platform.machine()}))`;

/**
 * Under an exclusive lock: nothing to do when the environment is complete (exit 3), else
 * remove what a stopped build left, create the venv, install the requirements (given to pip
 * as arguments after `--`, never as a file pip would read options from), write the marker.
 */
const BUILD = `import fcntl, json, os, shutil, subprocess, sys
env_dir, requirements, marker = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
ready = os.path.join(env_dir, ${JSON.stringify(ENV_MARKER)})
with open(env_dir + ".lock", "a") as lock:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("gantry: another job is building this environment; waiting for it", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    if os.path.exists(ready):
        print("gantry: the other job built it", flush=True)
        sys.exit(${BUILT_BY_ANOTHER})
    shutil.rmtree(env_dir, ignore_errors=True)
    try:
        print("gantry: $ python3 -m venv " + env_dir, flush=True)
        subprocess.run([sys.executable, "-m", "venv", env_dir], check=True)
        print("gantry: $ pip install " + " ".join(requirements), flush=True)
        subprocess.run([os.path.join(env_dir, "bin", "python"), "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--", *requirements], check=True)
    except subprocess.CalledProcessError as e:
        shutil.rmtree(env_dir, ignore_errors=True)
        print("gantry: building the Python environment failed: %s exited with code %d" % ("pip install" if "pip" in e.cmd else "python3 -m venv", e.returncode), flush=True)
        sys.exit(e.returncode or 1)
    with open(ready + ".tmp", "w") as f:
        f.write(marker)
    os.replace(ready + ".tmp", ready)
`;

/** The environment's key: the requirements as a set (spaces dropped, sorted, each once) and the interpreter. */
export function environmentHash(requirements: string[], python: PythonIdentity): string {
  const resolved = [...new Set(requirements.map((r) => r.replace(/\s+/g, '')))].sort();
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, python, requirements: resolved }))
    .digest('hex')
    .slice(0, 24);
}

export interface PreparePythonEnvironment {
  requirements: string[];
  envsDir: string;
  /** Decides which `python3` builds the environment: the one the job itself would run. */
  path: string;
  /** The build's whole environment besides PATH: locale, CA bundles, pip settings, HOME and TMPDIR. */
  buildEnv: Record<string, string>;
  /** The job's log (append mode): the build's output goes there. */
  logFd: number;
  jobName: string;
  /** Each state of the environment as it changes (building, then ready or failed). */
  onState(state: JobEnvironmentStatus): void;
  /** Called with a function that stops the build's processes, while a build runs. */
  onStop(stop: (() => void) | null): void;
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL when the build is stopped. */
  killGraceMs: number;
}

export type PreparedEnvironment = { ok: true; dir: string } | { ok: false; message: string; stopped: boolean };

function say(fd: number, line: string): void {
  writeSync(fd, `gantry: ${line}\n`);
}

function run(command: string, args: string[], opts: { env: Record<string, string>; stdout: 'pipe' | number; stderr: 'pipe' | number; cwd?: string }) {
  return spawn(command, args, { env: opts.env as NodeJS.ProcessEnv, stdio: ['ignore', opts.stdout, opts.stderr], detached: true, cwd: opts.cwd });
}

/** The interpreter `python3` on `PATH` names, or why there is none that can build environments. */
async function probePython(env: Record<string, string>): Promise<PythonIdentity | { problem: string }> {
  return new Promise((resolve) => {
    const child = run('python3', ['-c', PROBE], { env, stdout: 'pipe', stderr: 'pipe' });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.once('error', (e: NodeJS.ErrnoException) =>
      resolve({ problem: e.code === 'ENOENT' ? `No python3 on the job's PATH (${env.PATH ?? ''}) to build its Python environment from` : `python3 could not be started: ${e.message}` }),
    );
    child.once('close', (code) => {
      try {
        if (code !== 0) throw new Error(err.trim().split('\n').at(-1) || `exit code ${code}`);
        resolve(JSON.parse(out) as PythonIdentity);
      } catch (e) {
        resolve({ problem: `python3 on the job's PATH did not say which Python it is: ${(e as Error).message}` });
      }
    });
  });
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

/** Finds or builds the job's environment; the job's log says which, and why a build failed. */
export async function preparePythonEnvironment(o: PreparePythonEnvironment): Promise<PreparedEnvironment> {
  const started = new Date();
  const env = { ...o.buildEnv, PATH: o.path };
  const python = await probePython(env);
  const base: Omit<JobEnvironmentStatus, 'state' | 'cached' | 'message' | 'finishedAt'> = {
    hash: 'problem' in python ? '' : environmentHash(o.requirements, python),
    pythonVersion: 'problem' in python ? null : python.version,
    requirements: o.requirements.length,
    startedAt: started.toISOString(),
  };
  const fail = (message: string, stopped = false): PreparedEnvironment => {
    say(o.logFd, message);
    o.onState({ ...base, state: 'failed', cached: false, finishedAt: new Date().toISOString(), message });
    return { ok: false, message, stopped };
  };
  if ('problem' in python) return fail(`${python.problem}. Install Python 3 with its venv module on the Gantry host (Debian: apt-get install python3-venv).`);

  const dir = path.join(o.envsDir, base.hash);
  const ready = (cached: boolean, message: string, built = ''): PreparedEnvironment => {
    say(o.logFd, `Python environment ready${cached ? ' (cached)' : ''}: ${dir}${built ? ` (${built})` : ''}`);
    o.onState({ ...base, state: 'ready', cached, finishedAt: new Date().toISOString(), message });
    return { ok: true, dir };
  };
  if (existsSync(path.join(dir, ENV_MARKER))) return ready(true, 'Python environment ready (cached)');

  const what = `${plural(o.requirements.length, 'requirement')} on Python ${python.version}`;
  o.onState({ ...base, state: 'building', cached: false, finishedAt: null, message: `Building the Python environment: ${what}` });
  say(o.logFd, `building the Python environment ${base.hash} (${what}, ${python.executable})`);
  mkdirSync(o.envsDir, { recursive: true, mode: 0o700 });
  const marker = JSON.stringify({ hash: base.hash, python, requirements: o.requirements, builtAt: new Date().toISOString(), builtBy: o.jobName }, null, 2);

  const child = run('python3', ['-c', BUILD, dir, JSON.stringify(o.requirements), marker], { env, stdout: o.logFd, stderr: o.logFd, cwd: o.envsDir });
  let stopped: 'stop' | 'timeout' | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'stop' | 'timeout') => {
    if (stopped || !child.pid) return;
    stopped = why;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), o.killGraceMs);
  };
  o.onStop(() => stop('stop'));
  const timeoutMs = o.timeoutMs ?? ENV_BUILD_TIMEOUT_MS;
  const timeout = setTimeout(() => stop('timeout'), timeoutMs);
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('exit', (code) => resolve({ code }));
    child.once('error', (error) => resolve({ code: null, error }));
  });
  clearTimeout(timeout);
  clearTimeout(killTimer);
  o.onStop(null);
  // Whatever the build started (pip's own children) goes with it.
  if (child.pid) signalGroup(child.pid, 'SIGKILL');

  if (stopped === 'stop') return fail('Stopped while building the Python environment', true);
  if (stopped === 'timeout') return fail(`Building the Python environment took longer than ${Math.round(timeoutMs / 60_000)} minutes; stopped`);
  if (exit.error) return fail(`Could not start python3 to build the Python environment: ${exit.error.message}`);
  if (exit.code === BUILT_BY_ANOTHER) return ready(true, 'Python environment ready (cached): another job built it meanwhile');
  if (exit.code !== 0) return fail(`Could not build the Python environment: installing ${plural(o.requirements.length, 'requirement')} failed (exit code ${exit.code}); pip's output is in the log`);
  const took = `built in ${seconds(Date.now() - started.getTime())}`;
  return ready(false, `Python environment ready: ${took}`, took);
}
