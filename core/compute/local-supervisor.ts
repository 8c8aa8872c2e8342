/**
 * The supervisor of one `local` job: `node --import tsx local-supervisor.ts <jobDir> <preparedDir>`.
 *
 * The backend prepares the job's files in `<preparedDir>` and starts the supervisor
 * detached (its own session, stdio to files), so it outlives the worker that submitted
 * the job: a worker killed mid-job neither kills nor orphans the job, and a new worker
 * (or the web process) follows it through the files in the job directory. The
 * supervisor claims the prepared directory and renames it to `<jobDir>` (so the job
 * directory never exists without its supervisor), applies the limits, runs the
 * command in its own process group with stdout and stderr appended to one log file
 * (first building the job's Python environment when it names requirements: local-python-env.ts),
 * stops it at its deadline or on cancel (SIGTERM, then SIGKILL after a grace period),
 * samples usage from /proc, and records every transition in status.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, linkSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENVIRONMENT_REASONS } from '../../rules/job-status';
import type { BackendJobSpec, MeasuredUsage } from './compute-backend';
import {
  isCode,
  jobPaths,
  processGroupMembers,
  processRef,
  readJson,
  readProcMemory,
  readProcStat,
  signalGroup,
  writeStatus,
  type JobPaths,
  type LocalJobSettings,
  type LocalJobStatusFile,
  type SupervisorClaim,
} from './local-job-files';
import { cgroupMembers, cgroupOomKills, cgroupPeakMemory, prepareLimits, releaseCgroups } from './local-limits';
import { preparePythonEnvironment } from './local-python-env';

const MiB = 1024 * 1024;

/**
 * Run by /bin/sh before the command: joins the job's cgroups and sets RLIMIT_DATA in the
 * process that then execs the command, so the job is limited from its first instruction.
 * Arguments: <data limit KiB or -> <cgroup.procs files…> -- <command> <args…>
 */
const LAUNCH_SCRIPT = `d=$1; shift
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  echo $$ > "$1" || { echo "gantry: cannot join the job's cgroup ($1)" >&2; exit 125; }
  shift
done
shift
if [ "$d" != - ]; then ulimit -d "$d" || { echo "gantry: cannot set the job's memory limit" >&2; exit 125; }; fi
exec "$@"`;

type StopReason = 'Cancelled' | 'DeadlineExceeded';

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

/**
 * The job's environment: the submitted env over a small host base, never the supervisor's or the
 * worker's own. With a Python environment (`venv`), its `bin/` comes first on the PATH and
 * VIRTUAL_ENV names it, as its `activate` script would do.
 */
export function jobEnvironment(spec: BackendJobSpec, settings: LocalJobSettings, paths: JobPaths, venv: string | null = null): Record<string, string> {
  const env: Record<string, string> = {
    ...settings.baseEnv,
    PYTHONUNBUFFERED: '1',
    GANTRY_JOB_ID: spec.jobId,
    GANTRY_JOB_ATTEMPT: String(spec.attempt),
    ...spec.env,
    ...spec.secretEnv,
    HOME: paths.workdir,
    TMPDIR: paths.tmp,
  };
  if (venv) {
    env.VIRTUAL_ENV = venv;
    env.PATH = [path.join(venv, 'bin'), env.PATH].filter(Boolean).join(':');
    delete env.PYTHONHOME;
  }
  if (settings.gpuIndices) {
    env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
    env.CUDA_VISIBLE_DEVICES = settings.gpuIndices.join(',');
  }
  return env;
}

/** Creates supervisor.json exclusively and complete (hard link of a finished temp file). False when another process holds the job. */
function claim(paths: JobPaths): boolean {
  const self = processRef(process.pid);
  const body: SupervisorClaim = { pid: process.pid, startTime: self?.startTime ?? null, claimedAt: new Date().toISOString() };
  const tmp = `${paths.claim}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
  try {
    linkSync(tmp, paths.claim);
    return true;
  } catch (e) {
    if (isCode(e, 'EEXIST')) return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Moves the prepared job directory into place with our claim in it. False when a job
 * by that name already exists (a concurrent submit won) or the submitter gave up on us.
 */
function takeJob(prepared: string, dir: string): boolean {
  if (!claim(jobPaths(prepared))) return false;
  try {
    renameSync(prepared, dir);
    return true;
  } catch (e) {
    if (!isCode(e, 'EEXIST', 'ENOTEMPTY', 'ENOENT')) throw e;
    rmSync(prepared, { recursive: true, force: true });
    return false;
  }
}

export async function superviseJob(dir: string, prepared: string): Promise<void> {
  const paths = jobPaths(dir);
  let stopReason: StopReason | null = null;
  let onStop: (() => void) | null = null;
  const requestStop = (reason: StopReason) => {
    if (stopReason) return;
    stopReason = reason;
    log(`stopping: ${reason}`);
    onStop?.();
  };
  // Installed before the claim: once cancel() can see our PID, its SIGTERM is a request, not our death.
  process.on('SIGTERM', () => requestStop('Cancelled'));
  process.on('SIGINT', () => requestStop('Cancelled'));
  process.on('SIGHUP', () => undefined);

  if (!takeJob(prepared, dir)) {
    log(`${path.basename(dir)} already exists or was withdrawn; exiting`);
    return;
  }
  const spec = readJson<BackendJobSpec>(paths.spec);
  const settings = readJson<LocalJobSettings>(paths.settings);
  if (!spec || !settings) throw new Error(`spec.json or settings.json missing in ${dir}`);
  log(`supervising ${spec.name} (pid ${process.pid})`);

  // `queued` (which the watcher leaves off the timeline, as submitting recorded `pending`) until the
  // command starts, except while an environment builds: a cache hit or no requirements add no step.
  let status: Omit<LocalJobStatusFile, 'updatedAt'> = {
    phase: 'queued',
    reason: null,
    message: null,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    usage: null,
    job: null,
    limits: null,
    environment: null,
  };
  const save = (patch: Partial<LocalJobStatusFile>, durable = false) => {
    status = { ...status, ...patch };
    writeStatus(paths, status, durable);
  };
  const cancelledBeforeStart = () =>
    save({ phase: 'cancelled', reason: 'Cancelled', message: 'Cancelled before it started', finishedAt: new Date().toISOString() }, true);

  if (existsSync(paths.cancel)) requestStop('Cancelled');
  if (stopReason) return cancelledBeforeStart();

  // Looking an environment up keeps the job `queued`, so a cache hit adds no step of its own; a build is one.
  let venv: string | null = null;
  if (spec.pythonRequirements?.length) {
    const envFd = openSync(paths.log, 'a', 0o600);
    let prepared;
    try {
      prepared = await preparePythonEnvironment({
        requirements: spec.pythonRequirements,
        envsDir: settings.envsDir,
        // The python3 the job itself would run builds it.
        path: spec.env.PATH ?? settings.baseEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        buildEnv: { ...settings.baseEnv, ...settings.pipEnv, HOME: paths.tmp, TMPDIR: paths.tmp, PYTHONUNBUFFERED: '1', PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
        logFd: envFd,
        jobName: spec.name,
        killGraceMs: settings.killGraceMs,
        onState: (environment) =>
          save(environment.state === 'building' ? { environment, phase: 'pending', reason: ENVIRONMENT_REASONS.building, message: environment.message } : { environment }, true),
        onStop: (stop) => {
          onStop = stop;
          if (stop && stopReason) stop();
        },
      });
    } finally {
      closeSync(envFd);
    }
    if (stopReason) return cancelledBeforeStart();
    if (!prepared.ok) {
      save({ phase: 'failed', reason: ENVIRONMENT_REASONS.failed, message: prepared.message, finishedAt: new Date().toISOString() }, true);
      return;
    }
    venv = prepared.dir;
  }
  const limits = prepareLimits(spec.name, spec.resources, settings.limits);
  log(`limits: ${limits.applied.mode}: ${limits.applied.detail}`);
  save({ limits: limits.applied });
  const cgroups = limits.applied.cgroups;
  if (stopReason) {
    await releaseCgroups(cgroups);
    return cancelledBeforeStart();
  }

  // What the environment's build (also our child) spent is not the job's.
  const childCpuBeforeJob = readProcStat(process.pid)?.childCpuSeconds ?? 0;
  const argv = ['-c', LAUNCH_SCRIPT, 'gantry-launch', limits.dataLimitKiB === null ? '-' : String(limits.dataLimitKiB), ...limits.procsFiles, '--'];
  const logFd = openSync(paths.log, 'a', 0o600);
  const started = new Date();
  let child: ChildProcess;
  try {
    // detached: the job leads its own process group, so stopping it reaches every process it started.
    child = spawn('/bin/sh', [...argv, ...spec.command, ...spec.args], {
      cwd: paths.workdir,
      env: jobEnvironment(spec, settings, paths, venv) as NodeJS.ProcessEnv,
      stdio: ['ignore', logFd, logFd],
      detached: true,
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  const pid = child.pid;

  let peakRss = 0;
  let sampledCpu = 0;
  const usageNow = (end: Date): MeasuredUsage => ({
    runtimeSeconds: Math.max(0, (end.getTime() - started.getTime()) / 1000),
    cpuSeconds: Math.round(sampledCpu * 100) / 100,
    peakMemoryMiB: Math.round((peakRss / MiB) * 10) / 10,
  });
  const sample = () => {
    if (!pid) return;
    const pids = cgroups.length ? cgroupMembers(cgroups) : processGroupMembers(pid);
    let rss = 0;
    let cpu = 0;
    for (const p of pids) {
      const mem = readProcMemory(p);
      if (mem) {
        rss += mem.rss;
        peakRss = Math.max(peakRss, mem.hwm);
      }
      const st = readProcStat(p);
      if (st) cpu += st.cpuSeconds + st.childCpuSeconds;
    }
    peakRss = Math.max(peakRss, rss);
    sampledCpu = Math.max(sampledCpu, cpu);
  };

  let killTimer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let sampler: NodeJS.Timeout | undefined;
  if (pid) {
    save({ phase: 'running', reason: null, message: null, startedAt: started.toISOString(), job: processRef(pid) ?? { pid, startTime: 0 } }, true);
    onStop = () => {
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        log('grace period over: SIGKILL');
        signalGroup(pid, 'SIGKILL');
        for (const p of cgroupMembers(cgroups)) signalPid(p, 'SIGKILL');
      }, settings.killGraceMs);
    };
    if (stopReason) onStop();
    if (spec.maxRuntimeSeconds > 0) deadline = setTimeout(() => requestStop('DeadlineExceeded'), spec.maxRuntimeSeconds * 1000);
    sampler = setInterval(() => {
      // The cancel file backs up the signal, e.g. when it could not be delivered.
      if (existsSync(paths.cancel)) requestStop('Cancelled');
      sample();
      save({ usage: usageNow(new Date()) });
    }, settings.sampleIntervalMs);
  }

  const exit = await exited;
  const finished = new Date();
  clearTimeout(deadline);
  clearTimeout(killTimer);
  clearInterval(sampler);
  // Like a container, the job ends with its main process: nothing it left behind keeps running.
  if (pid) signalGroup(pid, 'SIGKILL');
  const oomKilled = cgroups.length > 0 && cgroupOomKills(limits.applied) > 0;
  const cgroupPeak = cgroups.length ? cgroupPeakMemory(limits.applied) : null;
  await releaseCgroups(cgroups);

  // Once reaped, the job's CPU time (and that of what it waited for) is counted as ours, after the build's.
  const reaped = Math.max(0, (readProcStat(process.pid)?.childCpuSeconds ?? 0) - childCpuBeforeJob);
  sampledCpu = Math.max(sampledCpu, reaped);
  if (cgroupPeak !== null) peakRss = cgroupPeak;
  const usage = pid ? usageNow(finished) : null;
  const exitCode = exit.code ?? (exit.signal ? 128 + (constants.signals[exit.signal] ?? 0) : null);
  const end = { finishedAt: finished.toISOString(), exitCode, usage };
  const reason = stopReason as StopReason | null;

  if (exit.error) {
    save({ ...end, phase: 'failed', reason: 'Error', message: `Could not start the job: ${exit.error.message}` }, true);
  } else if (reason === 'Cancelled') {
    save({ ...end, phase: 'cancelled', reason: 'Cancelled', message: 'Cancelled' }, true);
  } else if (reason === 'DeadlineExceeded') {
    save({ ...end, phase: 'failed', reason: 'DeadlineExceeded', message: `Exceeded the maximum runtime of ${spec.maxRuntimeSeconds}s` }, true);
  } else if (oomKilled && exitCode !== 0) {
    const limit = limits.applied.memoryMiB;
    save({ ...end, phase: 'failed', reason: 'OOMKilled', message: `Killed for running out of memory (limit ${limit} MiB)` }, true);
  } else if (exitCode === 0) {
    save({ ...end, phase: 'succeeded', reason: null, message: null }, true);
  } else {
    const how = exit.signal ? `Killed by ${exit.signal}` : `Exited with code ${exitCode}`;
    save({ ...end, phase: 'failed', reason: 'Error', message: how }, true);
  }
  log(`finished: ${status.phase}${status.reason ? ` (${status.reason})` : ''}, exit code ${exitCode}`);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Records a supervisor failure so the job does not look alive; the backend would report it `Lost` anyway. */
async function recordCrash(dir: string, error: unknown): Promise<void> {
  const paths = jobPaths(dir);
  const current = readJson<LocalJobStatusFile>(paths.status);
  if (!current || current.phase === 'succeeded' || current.phase === 'failed' || current.phase === 'cancelled') return;
  const claimBy = readJson<SupervisorClaim>(paths.claim);
  if (claimBy?.pid !== process.pid) return;
  if (current.job) signalGroup(current.job.pid, 'SIGKILL');
  await releaseCgroups(current.limits?.cgroups ?? []);
  writeStatus(
    paths,
    { ...current, phase: 'failed', reason: 'Lost', message: `The job's supervisor failed: ${(error as Error)?.message ?? String(error)}`, finishedAt: new Date().toISOString() },
    true,
  );
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(path.resolve(entry)).href) {
  const dir = path.resolve(process.argv[2] ?? '');
  superviseJob(dir, path.resolve(process.argv[3] ?? '')).then(
    () => process.exit(0),
    (err: unknown) => {
      log(`supervisor failed: ${(err as Error)?.stack ?? String(err)}`);
      recordCrash(dir, err)
        .catch((e: unknown) => log(`could not record the failure: ${(e as Error)?.message}`))
        .finally(() => process.exit(1));
    },
  );
}
