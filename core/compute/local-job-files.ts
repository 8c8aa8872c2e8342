/**
 * The on-disk contract of a `local` backend job, shared by the backend (any process:
 * a worker, a restarted worker, the web process reading live logs) and the detached
 * supervisor that runs the job. Everything about a job lives in `<jobsDir>/<name>/`:
 *
 *   spec.json        the BackendJobSpec as submitted (compared by a repeated submit)
 *   settings.json    how to run it: base environment, limits policy, kill grace
 *   supervisor.json  the claim of the one supervisor that runs the job (PID and start time)
 *   status.json      replaced atomically (write + rename) on every transition and usage sample
 *   cancel           present once cancellation was requested
 *   output.log       the job's stdout and stderr, one file, in write order
 *   supervisor.log   the supervisor's own diagnostics
 *   workdir/         the job's working directory and HOME
 *   tmp/             the job's TMPDIR
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { TERMINAL_PHASES, type JobEnvironmentStatus, type JobPhase, type MeasuredUsage } from './compute-backend';

export const JOB_FILES = {
  spec: 'spec.json',
  settings: 'settings.json',
  claim: 'supervisor.json',
  status: 'status.json',
  cancel: 'cancel',
  log: 'output.log',
  supervisorLog: 'supervisor.log',
  workdir: 'workdir',
  tmp: 'tmp',
} as const;

/** How the job's resource limits are enforced: `auto` tries cgroups, then falls back to rlimits. */
export type LimitsPolicy = 'auto' | 'rlimit' | 'none';

export interface LocalJobSettings {
  /** Host variables the job inherits (PATH, locale, CA bundles): never the worker's whole environment. */
  baseEnv: Record<string, string>;
  /** GPU indices (nvidia-smi order) the job may use; null when the host has no GPUs. */
  gpuIndices: number[] | null;
  limits: LimitsPolicy;
  /** Between SIGTERM and SIGKILL when the job is cancelled or runs past its deadline. */
  killGraceMs: number;
  /** How often the supervisor samples usage and refreshes status.json while the job runs. */
  sampleIntervalMs: number;
  /** Where Python environments are built and shared (local-python-env.ts). */
  envsDir: string;
  /** The host's pip settings (index, certificates, cache, proxies) for building them; never given to the job. */
  pipEnv: Record<string, string>;
}

/** A process identified beyond its PID: the start time (in clock ticks since boot) rules out PID reuse. */
export interface ProcessRef {
  pid: number;
  startTime: number;
}

/** What the supervisor wrote into supervisor.json. */
export interface SupervisorClaim {
  pid: number;
  startTime: number | null;
  claimedAt: string;
}

export interface AppliedLimits {
  mode: 'cgroup-v1' | 'cgroup-v2' | 'rlimit' | 'none';
  memoryMiB: number | null;
  cpu: number | null;
  /** What was applied and, when something could not be, why. */
  detail: string;
  /** The job's cgroup directories (memory first), removed when the job ends. */
  cgroups: string[];
}

export interface LocalJobStatusFile {
  phase: JobPhase;
  reason: string | null;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  usage: MeasuredUsage | null;
  /** The job's main process; its process group has the same ID. */
  job: ProcessRef | null;
  limits: AppliedLimits | null;
  /** The job's Python environment, for a job that named requirements. */
  environment?: JobEnvironmentStatus | null;
  updatedAt: string;
}

export interface JobPaths {
  dir: string;
  spec: string;
  settings: string;
  claim: string;
  status: string;
  cancel: string;
  log: string;
  supervisorLog: string;
  workdir: string;
  tmp: string;
}

export function jobPaths(dir: string): JobPaths {
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    spec: p(JOB_FILES.spec),
    settings: p(JOB_FILES.settings),
    claim: p(JOB_FILES.claim),
    status: p(JOB_FILES.status),
    cancel: p(JOB_FILES.cancel),
    log: p(JOB_FILES.log),
    supervisorLog: p(JOB_FILES.supervisorLog),
    workdir: p(JOB_FILES.workdir),
    tmp: p(JOB_FILES.tmp),
  };
}

/** The same rule as Kubernetes object names (DNS-1123 label), which also keeps names safe as directory names. */
export const JOB_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isCode(e: unknown, ...codes: string[]): boolean {
  return codes.includes((e as NodeJS.ErrnoException | null)?.code ?? '');
}

/**
 * Replaces `file` with `data` atomically: readers see the old or the new content,
 * never a torn write. `durable` also syncs the data before the rename, for
 * transitions that must survive a host crash.
 */
export function writeFileAtomic(file: string, data: string, durable = false): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw e;
  }
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if (isCode(e, 'ENOENT', 'ENOTDIR')) return null;
    throw e;
  }
}

export function writeStatus(paths: JobPaths, status: Omit<LocalJobStatusFile, 'updatedAt'>, durable = false): LocalJobStatusFile {
  const full: LocalJobStatusFile = { ...status, updatedAt: new Date().toISOString() };
  writeFileAtomic(paths.status, `${JSON.stringify(full, null, 2)}\n`, durable);
  return full;
}

export function isTerminal(phase: JobPhase): boolean {
  return TERMINAL_PHASES.has(phase);
}

// ---------------------------------------------------------------------------------------------
// /proc: process identity, liveness and usage (Linux). USER_HZ is 100 on every Linux architecture
// Node runs on, and /proc reports CPU times in those ticks.

const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** User + system CPU seconds of the process itself. */
  cpuSeconds: number;
  /** CPU seconds of its children that it has waited for. */
  childCpuSeconds: number;
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const close = raw.lastIndexOf(')');
  if (close < 0) return null;
  const f = raw.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); field N is f[N - 3].
  const n = (field: number) => Number(f[field - 3]);
  return {
    pid,
    state: f[0] ?? '?',
    ppid: n(4),
    pgrp: n(5),
    cpuSeconds: (n(14) + n(15)) / CLOCK_TICKS_PER_SECOND,
    childCpuSeconds: (n(16) + n(17)) / CLOCK_TICKS_PER_SECOND,
    startTime: n(22),
  };
}

const HAS_PROCFS = existsSync('/proc/self/stat');

/** True while the process exists, is not a zombie, and is the same process (not a reused PID). */
export function isRunning(ref: ProcessRef): boolean {
  if (!HAS_PROCFS) {
    try {
      process.kill(ref.pid, 0);
      return true;
    } catch (e) {
      return isCode(e, 'EPERM');
    }
  }
  const st = readProcStat(ref.pid);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return false;
  return st.startTime === ref.startTime;
}

export function processRef(pid: number): ProcessRef | null {
  const st = readProcStat(pid);
  return st ? { pid, startTime: st.startTime } : null;
}

/** Resident and peak resident memory of one process, in bytes. */
export function readProcMemory(pid: number): { rss: number; hwm: number } | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(raw);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Live (non-zombie) members of a process group. */
export function processGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = readProcStat(Number(e));
    if (st && st.pgrp === pgid && st.state !== 'Z') out.push(st.pid);
  }
  return out;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone.
  }
}
