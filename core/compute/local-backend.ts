import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { env } from '../../config/env';
import { isEnvName } from '../../rules/env-names';
import { AppError } from '../errors';
import { completeUtf8Length, type BackendJobSpec, type BackendJobStatus, type ClusterCapacity, type ComputeBackend, type GpuPool, type LogChunk, type SubmitResult } from './compute-backend';
import {
  isCode,
  isRunning,
  isTerminal,
  JOB_NAME,
  jobPaths,
  readJson,
  signalGroup,
  writeFileAtomic,
  writeStatus,
  type JobPaths,
  type LimitsPolicy,
  type LocalJobSettings,
  type LocalJobStatusFile,
  type SupervisorClaim,
} from './local-job-files';
import { releaseCgroups } from './local-limits';
import { PIP_PASS_ENV } from './local-python-env';
import { supervisorCommand } from './local-supervisor-entry';

const MiB = 1024 * 1024;

/**
 * Host variables a job inherits. Everything else in the worker's environment (database
 * URLs, AUTH_SECRET, encryption keys, cloud credentials) stays out of the job.
 */
export const DEFAULT_PASS_ENV = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'];

export interface LocalBackendOptions {
  /** Where job directories live (`GANTRY_JOBS_DIR`, default `$GANTRY_HOME/jobs`). */
  jobsDir: string;
  /** The nvidia-smi executable (a name on PATH or a path); when it is missing or fails, the host has no GPUs. */
  nvidiaSmi?: string;
  /** `auto` (default): cgroups where writable, else RLIMIT_DATA. See local-limits.ts. */
  limits?: LimitsPolicy;
  /** Between SIGTERM and SIGKILL when a job is cancelled or exceeds its runtime (default 10 s). */
  killGraceMs?: number;
  /** How often a running job's usage is sampled and its status refreshed (default 1 s). */
  sampleIntervalMs?: number;
  /** Host variables jobs inherit (default {@link DEFAULT_PASS_ENV}). */
  passEnv?: string[];
  /** How long submit waits for the job's supervisor to take the job (default 30 s). */
  startTimeoutMs?: number;
  /** Where jobs' Python environments are built and shared (`GANTRY_ENVS_DIR`; default `<jobsDir>/.envs`). */
  envsDir?: string;
}

export interface HostGpu {
  /** nvidia-smi's index: the order CUDA uses with CUDA_DEVICE_ORDER=PCI_BUS_ID. */
  index: number;
  name: string;
  memoryMiB: number | null;
  gpuType: string;
}

const VENDOR_WORDS = new Set(['nvidia', 'tesla', 'geforce', 'quadro']);

/**
 * The GPU-type label for an nvidia-smi product name, in the form jobs request
 * (`nvidia-a100`): vendor and product-line words, form factors and memory sizes
 * dropped. `NVIDIA A100-SXM4-80GB` → `nvidia-a100`, `NVIDIA GeForce RTX 4090` →
 * `nvidia-rtx-4090`, `Tesla T4` → `nvidia-t4`, `NVIDIA H100 80GB HBM3` → `nvidia-h100`.
 */
export function gpuTypeLabel(productName: string): string {
  const words = productName
    .toLowerCase()
    .split(/[\s-]+/)
    .filter((w) => w && !VENDOR_WORDS.has(w))
    .filter((w) => !/^(\d+gb|hbm\d*e?|sxm\d*|pcie|nvl|mig.*|\d+g\.\d+gb)$/.test(w));
  const model = words.join('-').replace(/[^a-z0-9-]/g, '');
  return model ? `nvidia-${model}` : 'unlabelled';
}

/** Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader` output. */
export function parseNvidiaSmi(output: string): HostGpu[] {
  const gpus: HostGpu[] = [];
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const comma = trimmed.lastIndexOf(',');
    const name = (comma >= 0 ? trimmed.slice(0, comma) : trimmed).trim();
    const mem = comma >= 0 ? /(\d+)\s*MiB/i.exec(trimmed.slice(comma + 1)) : null;
    if (!name) continue;
    gpus.push({ index: gpus.length, name, memoryMiB: mem ? Number(mem[1]) : null, gpuType: gpuTypeLabel(name) });
  }
  return gpus;
}

/** JSON with sorted keys, so two equal specs compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Job directories are prepared here, on the same filesystem, and renamed into place. */
const STAGING_DIR = '.staging';
/** Python environments when no other place is configured. */
const ENVS_DIR = '.envs';
/** The bundled supervisor (local-supervisor-entry.ts). */
const SUPERVISOR_DIR = '.supervisor';
const STALE_STAGING_MS = 3600_000;

/** Leftovers of submits (or supervisors) that died while preparing a job: nothing refers to them. */
async function removeStaleStaging(staging: string): Promise<void> {
  const entries = await readdir(staging).catch(() => [] as string[]);
  const cutoff = Date.now() - STALE_STAGING_MS;
  for (const e of entries) {
    const full = path.join(staging, e);
    const st = await stat(full).catch(() => null);
    if (st && st.mtimeMs < cutoff) await rm(full, { recursive: true, force: true });
  }
}

function assertSpec(spec: BackendJobSpec): void {
  const bad = (msg: string) => new AppError('BAD_USER_INPUT', msg);
  if (!JOB_NAME.test(spec.name)) throw bad(`Invalid backend job name: ${spec.name}`);
  if (!spec.command.length || spec.command.some((c) => typeof c !== 'string' || c.includes('\0'))) throw bad('The job needs a command');
  if (spec.args.some((a) => typeof a !== 'string' || a.includes('\0'))) throw bad('Job arguments must be strings');
  if (!(spec.maxRuntimeSeconds >= 0)) throw bad('maxRuntimeSeconds must be zero or more');
  const r = spec.resources;
  if (!(r.cpu >= 0) || !(r.memoryMiB >= 0) || !Number.isInteger(r.gpuCount) || r.gpuCount < 0) throw bad('Invalid job resources');
  for (const [k, v] of Object.entries({ ...spec.env, ...spec.secretEnv })) {
    if (!isEnvName(k) || typeof v !== 'string' || v.includes('\0')) throw bad(`Invalid environment variable: ${k}`);
  }
}

/**
 * The built-in `local` cluster: each job runs as a process on the Gantry host under a
 * detached supervisor (local-supervisor.ts), with its state in `<jobsDir>/<name>/`
 * (local-job-files.ts). Every method works from any process and any instance: the
 * files are the only state, so a worker restarted mid-job picks the job up by name.
 */
export class LocalBackend implements ComputeBackend {
  readonly kind = 'local' as const;
  readonly jobsDir: string;
  private readonly opts: Required<Omit<LocalBackendOptions, 'jobsDir'>>;

  constructor(options: LocalBackendOptions) {
    this.jobsDir = path.resolve(options.jobsDir);
    this.opts = {
      nvidiaSmi: options.nvidiaSmi ?? 'nvidia-smi',
      limits: options.limits ?? 'auto',
      killGraceMs: options.killGraceMs ?? 10_000,
      sampleIntervalMs: options.sampleIntervalMs ?? 1_000,
      passEnv: options.passEnv ?? DEFAULT_PASS_ENV,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      envsDir: path.resolve(options.envsDir ?? path.join(this.jobsDir, ENVS_DIR)),
    };
  }

  /** Null for a name that cannot be a job (so it is never used as a path). */
  private paths(name: string): JobPaths | null {
    return JOB_NAME.test(name) ? jobPaths(path.join(this.jobsDir, name)) : null;
  }

  /**
   * The job directory is prepared aside (in `.staging/`) and appears complete or not
   * at all. For a job that can run, the supervisor itself claims the prepared directory
   * and renames it into place, so a job directory never exists without the supervisor
   * that runs it, whenever the submitting process dies. Of concurrent submits of one
   * job, one rename wins; the others find the job and report `created: false`.
   */
  async submit(spec: BackendJobSpec): Promise<SubmitResult> {
    assertSpec(spec);
    const paths = jobPaths(path.join(this.jobsDir, spec.name));
    const staging = path.join(this.jobsDir, STAGING_DIR);
    await mkdir(staging, { recursive: true, mode: 0o700 });
    if (existsSync(paths.spec)) return this.existing(paths, spec);
    await removeStaleStaging(staging);

    const { unschedulable, gpuIndices } = await this.place(spec);
    const tmp = await mkdtemp(path.join(staging, `${spec.name}-`));
    // Left in place for a supervisor that is still starting (it may yet move it); stale ones go later.
    const keep = { staging: false };
    let created: boolean;
    try {
      const t = jobPaths(tmp);
      const settings: LocalJobSettings = {
        baseEnv: this.hostEnv(),
        gpuIndices,
        limits: this.opts.limits,
        killGraceMs: this.opts.killGraceMs,
        sampleIntervalMs: this.opts.sampleIntervalMs,
        envsDir: this.opts.envsDir,
        pipEnv: this.pipEnv(),
      };
      // spec.json holds the run's API key: readable by the Gantry user only.
      await writeFile(t.spec, `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o600 });
      await writeFile(t.settings, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
      await writeFile(t.log, '', { mode: 0o600 });
      await mkdir(t.workdir, { mode: 0o700 });
      await mkdir(t.tmp, { mode: 0o700 });
      writeStatus(t, {
        phase: unschedulable ? 'failed' : 'queued',
        reason: unschedulable ? 'Unschedulable' : null,
        message: unschedulable,
        startedAt: null,
        finishedAt: unschedulable ? new Date().toISOString() : null,
        exitCode: null,
        usage: null,
        job: null,
        limits: null,
      });
      if (unschedulable) created = await rename(tmp, paths.dir).then(() => true, (e: unknown) => (isCode(e, 'EEXIST', 'ENOTEMPTY') ? false : Promise.reject(e)));
      else created = await this.startSupervisor(tmp, paths, keep);
    } finally {
      if (!keep.staging) await rm(tmp, { recursive: true, force: true });
    }
    return created ? { created: true } : this.existing(paths, spec);
  }

  /** A job by this name exists: success if it is this job, a conflict if it is another. */
  private existing(paths: JobPaths, spec: BackendJobSpec): SubmitResult {
    if (canonical(readJson<BackendJobSpec>(paths.spec)) !== canonical(spec)) {
      throw new AppError('CONFLICT', `A different job named ${spec.name} already exists on the local cluster`);
    }
    return { created: false };
  }

  /** Whether the host can ever run the job (a local job cannot wait for a bigger node), and which GPUs it gets. */
  private async place(spec: BackendJobSpec): Promise<{ unschedulable: string | null; gpuIndices: number[] | null }> {
    const r = spec.resources;
    const gpus = await this.hostGpus();
    const cap = hostCapacity(gpus);
    const problems: string[] = [];
    if (r.cpu > cap.cpuCores) problems.push(`insufficient cpu (requested ${r.cpu}, the host has ${cap.cpuCores})`);
    if (r.memoryMiB > cap.memoryMiB) problems.push(`insufficient memory (requested ${r.memoryMiB} MiB, the host has ${cap.memoryMiB} MiB)`);
    const matching = gpus.filter((g) => !r.gpuType || g.gpuType === r.gpuType);
    if (r.gpuCount > matching.length) {
      problems.push(`insufficient nvidia.com/gpu (requested ${r.gpuCount}${r.gpuType ? ` ${r.gpuType}` : ''}, the host has ${matching.length})`);
    }
    return {
      unschedulable: problems.length ? `The local cluster cannot run this job: ${problems.join('; ')}` : null,
      gpuIndices: gpus.length ? matching.slice(0, r.gpuCount).map((g) => g.index) : null,
    };
  }

  private hostEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    // Pass-through of host variables to the job, not configuration of Gantry.
    for (const k of this.opts.passEnv) {
      const v = process.env[k];
      if (v !== undefined) out[k] = v;
    }
    out.PATH ??= '/usr/local/bin:/usr/bin:/bin';
    return out;
  }

  /**
   * The operator's pip configuration for building jobs' Python environments (PIP_* and proxy
   * variables of this process), with pip's cache shared by every build on this host by default.
   */
  private pipEnv(): Record<string, string> {
    const out: Record<string, string> = {};
    // Pass-through of the host's pip settings to environment builds, not configuration of Gantry.
    for (const [k, v] of Object.entries(process.env)) if (PIP_PASS_ENV.test(k) && v !== undefined) out[k] = v;
    out.PIP_CACHE_DIR ??= path.join(this.opts.envsDir, '.pip-cache');
    return out;
  }

  /** For the helper processes Gantry itself starts (supervisor, nvidia-smi): PATH and nothing else. */
  private pathOnlyEnv(): NodeJS.ProcessEnv {
    const env: Record<string, string> = { PATH: this.hostEnv().PATH ?? '/usr/bin:/bin' };
    return env as NodeJS.ProcessEnv;
  }

  /**
   * Starts the job's supervisor on the prepared directory and waits until it has put
   * the job in place (true) or found another job there already (false).
   */
  private async startSupervisor(prepared: string, paths: JobPaths, keep: { staging: boolean }): Promise<boolean> {
    // Only the worker starts supervisors; the web process reads job files and never gets here.
    const command = await supervisorCommand(path.join(this.jobsDir, SUPERVISOR_DIR));
    const supervisorLog = jobPaths(prepared).supervisorLog;
    const out = openSync(supervisorLog, 'a', 0o600);
    const state: { exited: boolean; pid: number | undefined } = { exited: false, pid: undefined };
    try {
      const child = spawn(process.execPath, [...command.args, paths.dir, prepared], {
        cwd: this.jobsDir,
        // The supervisor needs nothing from the worker's environment; its /proc environ is readable by the job.
        env: this.pathOnlyEnv(),
        stdio: ['ignore', out, out],
        detached: true,
      });
      state.pid = child.pid;
      child.once('exit', () => (state.exited = true));
      child.once('error', () => (state.exited = true));
      child.unref();
    } finally {
      closeSync(out);
    }
    const deadline = Date.now() + this.opts.startTimeoutMs;
    for (;;) {
      const exited = state.exited;
      const claim = readJson<SupervisorClaim>(paths.claim);
      if (claim && claim.pid === state.pid) return true;
      if (exited) {
        if (existsSync(paths.spec)) return false;
        const tail = (await readFile(supervisorLog, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
        throw new Error(`The local job supervisor for ${path.basename(paths.dir)} failed to start: ${tail || 'no output'}`);
      }
      if (Date.now() > deadline) {
        // It may still start the job; a repeated submit then finds it.
        keep.staging = true;
        throw new Error(`The local job supervisor for ${path.basename(paths.dir)} did not start within ${this.opts.startTimeoutMs} ms`);
      }
      await sleep(25);
    }
  }

  async status(name: string): Promise<BackendJobStatus | null> {
    const paths = this.paths(name);
    if (!paths) return null;
    const st = readJson<LocalJobStatusFile>(paths.status);
    if (!st) return null;
    if (isTerminal(st.phase)) return toPublic(st);
    const claim = readJson<SupervisorClaim>(paths.claim);
    if (!claim) return toPublic(st);
    if (supervisorAlive(claim)) return toPublic(st);
    // The supervisor is gone: either it just wrote its final state, or it died without one.
    const again = readJson<LocalJobStatusFile>(paths.status) ?? st;
    if (isTerminal(again.phase)) return toPublic(again);
    return toPublic(await this.markLost(paths, again, claim));
  }

  /** A job whose supervisor died without an end state: stop what it left running and record `Lost`. */
  private async markLost(paths: JobPaths, st: LocalJobStatusFile, claim: SupervisorClaim): Promise<LocalJobStatusFile> {
    if (st.job && isRunning(st.job)) signalGroup(st.job.pid, 'SIGKILL');
    await releaseCgroups(st.limits?.cgroups ?? []);
    const now = new Date();
    const runtimeSeconds = st.startedAt ? (now.getTime() - Date.parse(st.startedAt)) / 1000 : null;
    return writeStatus(
      paths,
      {
        ...st,
        phase: 'failed',
        reason: 'Lost',
        message: `The job's supervisor (pid ${claim.pid}) exited without recording an end state`,
        finishedAt: now.toISOString(),
        usage: runtimeSeconds === null ? st.usage : { cpuSeconds: null, peakMemoryMiB: null, ...st.usage, runtimeSeconds },
      },
      true,
    );
  }

  async logs(name: string, offset: number, maxBytes = MiB): Promise<LogChunk> {
    const from = Number.isFinite(offset) && offset > 0 ? Math.floor(offset) : 0;
    const paths = this.paths(name);
    if (!paths) return { text: '', nextOffset: from };
    let fh;
    try {
      fh = await open(paths.log, 'r');
    } catch (e) {
      if (isCode(e, 'ENOENT')) return { text: '', nextOffset: from };
      throw e;
    }
    try {
      const { size } = await fh.stat();
      if (from >= size) return { text: '', nextOffset: from };
      // At least one whole character (up to 4 bytes), so a reader always moves on.
      const buf = Buffer.alloc(Math.min(size - from, Math.max(maxBytes, 4)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, from);
      const read = buf.subarray(0, bytesRead);
      const complete = completeUtf8Length(read) || read.length;
      return { text: read.subarray(0, complete).toString('utf8'), nextOffset: from + complete };
    } finally {
      await fh.close();
    }
  }

  async cancel(name: string): Promise<void> {
    const paths = this.paths(name);
    if (!paths) return;
    const st = readJson<LocalJobStatusFile>(paths.status);
    if (!st || isTerminal(st.phase)) return;
    // The file backs up the signal: the supervisor also checks for it while it runs.
    writeFileAtomic(paths.cancel, `${new Date().toISOString()}\n`);
    const claim = readJson<SupervisorClaim>(paths.claim);
    if (claim && supervisorAlive(claim)) {
      // The supervisor leads its own process group; it stops the job and records `Cancelled`.
      signalGroup(claim.pid, 'SIGTERM');
      const deadline = Date.now() + this.opts.killGraceMs + 10_000;
      while (Date.now() < deadline) {
        const now = readJson<LocalJobStatusFile>(paths.status);
        if (!now || isTerminal(now.phase) || !supervisorAlive(claim)) break;
        await sleep(50);
      }
    }
    // A supervisor that died instead is reconciled here (`Lost`).
    await this.status(name);
  }

  /**
   * Removes an ended job's directory (its log, workdir and spec, which holds the attempt's
   * key). It waits briefly for the supervisor to exit after recording the end state; a job
   * that has not ended, or whose supervisor is still alive, keeps its directory.
   */
  async release(name: string): Promise<void> {
    const paths = this.paths(name);
    if (!paths) return;
    const st = readJson<LocalJobStatusFile>(paths.status);
    if (!st || !isTerminal(st.phase)) return;
    const claim = readJson<SupervisorClaim>(paths.claim);
    const deadline = Date.now() + 10_000;
    while (claim && supervisorAlive(claim)) {
      if (Date.now() > deadline) return;
      await sleep(50);
    }
    // Out of the jobs directory in one step, so no reader sees half a job; then removed.
    const staging = path.join(this.jobsDir, STAGING_DIR);
    await mkdir(staging, { recursive: true });
    const doomed = path.join(staging, `${name}.released-${process.pid}-${Date.now()}`);
    try {
      await rename(paths.dir, doomed);
    } catch (e) {
      if (isCode(e, 'ENOENT')) return;
      throw e;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  async capacity(): Promise<ClusterCapacity> {
    return hostCapacity(await this.hostGpus());
  }

  /** The host's GPUs per nvidia-smi; none when it is missing or fails (no driver). */
  hostGpus(): Promise<HostGpu[]> {
    return new Promise((resolve) => {
      execFile(
        this.opts.nvidiaSmi,
        ['--query-gpu=name,memory.total', '--format=csv,noheader'],
        { timeout: 10_000, env: this.pathOnlyEnv() },
        (err, stdout: string) => resolve(err ? [] : parseNvidiaSmi(stdout)),
      );
    });
  }
}

/** CPU cores and memory available to this process (a cgroup limit counts), and the GPUs grouped by type. */
function hostCapacity(gpus: HostGpu[]): ClusterCapacity {
  const constrained = process.constrainedMemory?.() || Infinity;
  const memoryMiB = Math.floor(Math.min(os.totalmem(), constrained) / MiB);
  const pools = new Map<string, GpuPool>();
  for (const g of gpus) {
    const pool = pools.get(g.gpuType) ?? { gpuType: g.gpuType, allocatable: 0, nodes: 1, largestNode: 0 };
    pool.allocatable += 1;
    pool.largestNode = pool.allocatable;
    pools.set(g.gpuType, pool);
  }
  return { cpuCores: os.availableParallelism(), memoryMiB, gpus: [...pools.values()] };
}

function supervisorAlive(claim: SupervisorClaim): boolean {
  return isRunning({ pid: claim.pid, startTime: claim.startTime ?? -1 });
}

function toPublic(st: LocalJobStatusFile): BackendJobStatus {
  const startedAt = st.startedAt ? new Date(st.startedAt) : null;
  let usage = st.usage;
  if (st.phase === 'running' && startedAt) {
    usage = { cpuSeconds: null, peakMemoryMiB: null, ...usage, runtimeSeconds: Math.max(0, (Date.now() - startedAt.getTime()) / 1000) };
  }
  return {
    phase: st.phase,
    reason: st.reason,
    message: st.message,
    startedAt,
    finishedAt: st.finishedAt ? new Date(st.finishedAt) : null,
    exitCode: st.exitCode,
    usage,
    environment: st.environment ?? null,
  };
}

/**
 * The backend for this process's configuration: jobs under `GANTRY_JOBS_DIR` (default
 * `$GANTRY_HOME/jobs`), Python environments under `GANTRY_ENVS_DIR` (default `$GANTRY_HOME/envs`).
 */
export function localBackendFromConfig(): LocalBackend {
  const e = env();
  return new LocalBackend({ jobsDir: e.GANTRY_JOBS_DIR ?? path.join(e.GANTRY_HOME, 'jobs'), envsDir: e.GANTRY_ENVS_DIR ?? path.join(e.GANTRY_HOME, 'envs') });
}
