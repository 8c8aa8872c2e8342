import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_NAME_MAX_LENGTH } from '../../rules/env-names';
import { AppError } from '../errors';
import { TERMINAL_PHASES, type BackendJobSpec, type BackendJobStatus } from './compute-backend';
import { gpuTypeLabel, LocalBackend, parseNvidiaSmi } from './local-backend';
import { isRunning, readJson, type LocalJobStatusFile, type SupervisorClaim } from './local-job-files';
import { dataLimitKiB, findCgroupMounts, prepareLimits, releaseCgroups } from './local-limits';
import { backendJobSpec, waitForJob, wholeLog } from '../../testing/backend-jobs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUN = randomBytes(3).toString('hex');
let seq = 0;
/** Unique across concurrent test runs on one host: job cgroups live in a host-wide hierarchy. */
const jobName = (label: string) => `t${RUN}-${++seq}-${label}`.slice(0, 63);

let root: string;
let jobsDir: string;
let backend: LocalBackend;
const started: string[] = [];

function spec(label: string, command: string[], overrides: Partial<BackendJobSpec> = {}): BackendJobSpec {
  const name = jobName(label);
  started.push(name);
  return backendJobSpec(name, { jobId: `job_${RUN}${seq}`, runId: `run_${RUN}${seq}` }, command, overrides);
}

const sh = (script: string) => ['sh', '-c', script];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitFor = (name: string, ok: (s: BackendJobStatus) => boolean, timeoutMs = 30_000, b: LocalBackend = backend) => waitForJob(b, name, ok, timeoutMs);
const finished = (name: string, timeoutMs?: number, b?: LocalBackend) => waitFor(name, (s) => TERMINAL_PHASES.has(s.phase), timeoutMs, b);
const allLogs = (name: string, b: LocalBackend = backend, maxBytes?: number) => wholeLog(b, name, maxBytes);

const statusFile = (name: string) => readJson<LocalJobStatusFile>(path.join(jobsDir, name, 'status.json'))!;
const claimFile = (name: string) => readJson<SupervisorClaim>(path.join(jobsDir, name, 'supervisor.json'))!;

/** Whether this host lets us create a memory cgroup (root with a writable cgroup filesystem). */
function probeCgroups(): { ok: boolean; detail: string } {
  const probe = prepareLimits(`t${RUN}-probe`, { cpu: 0, memoryMiB: 64, gpuCount: 0, gpuType: null }, 'auto');
  void releaseCgroups(probe.applied.cgroups);
  return { ok: probe.applied.mode.startsWith('cgroup'), detail: `${probe.applied.mode}: ${probe.applied.detail}` };
}
const cgroups = probeCgroups();

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'gantry-local-backend-'));
  jobsDir = path.join(root, 'jobs');
  backend = new LocalBackend({ jobsDir, killGraceMs: 1_000, sampleIntervalMs: 200 });
});

afterAll(async () => {
  // Whatever a failed test left running is stopped before its directory goes.
  await Promise.all(started.map((n) => backend.cancel(n).catch(() => undefined)));
  rmSync(root, { recursive: true, force: true });
});

describe('LocalBackend jobs', () => {
  it('runs a command in its working directory and keeps stdout and stderr in one ordered log', async () => {
    const s = spec('ok', sh('pwd; echo one; echo two >&2; sleep 0.3; echo three; printf "é€😀" '));
    expect(await backend.submit(s)).toEqual({ created: true });
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'succeeded', reason: null, exitCode: 0 });
    expect(st.startedAt).toBeInstanceOf(Date);
    expect(st.finishedAt!.getTime()).toBeGreaterThanOrEqual(st.startedAt!.getTime());
    expect(st.usage!.runtimeSeconds).toBeGreaterThanOrEqual(0.3);
    expect(st.usage!.cpuSeconds).not.toBeNull();

    const workdir = path.join(jobsDir, s.name, 'workdir');
    const expected = `${workdir}\none\ntwo\nthree\né€😀`;
    expect(await allLogs(s.name)).toBe(expected);
    // Offsets are bytes; a small page never splits a multi-byte character.
    expect(await allLogs(s.name, backend, 3)).toBe(expected);
    const tail = await backend.logs(s.name, Buffer.byteLength(`${workdir}\none\n`));
    expect(tail.text).toBe('two\nthree\né€😀');
    expect(tail.nextOffset).toBe(Buffer.byteLength(expected));
    expect(await backend.logs(s.name, tail.nextOffset)).toEqual({ text: '', nextOffset: tail.nextOffset });
    // Cancelling a finished job changes nothing.
    await backend.cancel(s.name);
    expect((await backend.status(s.name))!.phase).toBe('succeeded');
  });

  it('reports a non-zero exit as failed with reason Error and the exit code', async () => {
    const s = spec('exit3', sh('echo about to fail >&2; exit 3'));
    await backend.submit(s);
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'failed', reason: 'Error', exitCode: 3, message: 'Exited with code 3' });
    expect(await allLogs(s.name)).toBe('about to fail\n');
  });

  it('reports a command that does not exist as failed, with the shell error in the log', async () => {
    const s = spec('missing', ['gantry-no-such-command-xyz', '--flag']);
    await backend.submit(s);
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'failed', reason: 'Error', exitCode: 127 });
    expect(await allLogs(s.name)).toMatch(/gantry-no-such-command-xyz: not found/);
  });

  it('stops a job at its maximum runtime: SIGTERM, then SIGKILL after the grace period, reason DeadlineExceeded', async () => {
    // The trap makes the shell and its sleep ignore SIGTERM, so only the SIGKILL ends them.
    const s = spec('deadline', sh('trap "" TERM; echo started; sleep 30'), { maxRuntimeSeconds: 1 });
    const t0 = Date.now();
    await backend.submit(s);
    const st = await finished(s.name, 20_000);
    const elapsed = (Date.now() - t0) / 1000;
    expect(st).toMatchObject({ phase: 'failed', reason: 'DeadlineExceeded', exitCode: 137 });
    expect(st.message).toContain('maximum runtime of 1s');
    expect(st.usage!.runtimeSeconds).toBeGreaterThanOrEqual(2); // 1 s runtime + 1 s grace
    expect(elapsed).toBeLessThan(15);
    expect(isRunning(statusFile(s.name).job!)).toBe(false);
  });

  it('cancels a running job: the process group stops and the end state is Cancelled; cancelling again is a no-op', async () => {
    const s = spec('cancel', sh('echo working; sleep 30 & wait'));
    await backend.submit(s);
    await waitFor(s.name, (st) => st.phase === 'running');
    for (let i = 0; i < 100 && !(await allLogs(s.name)).includes('working'); i++) await sleep(50);
    const job = statusFile(s.name).job!;
    expect(isRunning(job)).toBe(true);

    await backend.cancel(s.name);
    const st = await backend.status(s.name);
    expect(st).toMatchObject({ phase: 'cancelled', reason: 'Cancelled' });
    expect(isRunning(job)).toBe(false);
    expect(existsSync(path.join(jobsDir, s.name, 'cancel'))).toBe(true);
    await backend.cancel(s.name);
    expect(await backend.status(s.name)).toEqual(st);
  });

  it('treats a repeated submit of the same job as success without starting it twice, and refuses a different job under the same name', async () => {
    const marker = path.join(root, 'idempotent-runs.txt');
    const s = spec('idem', sh(`echo ran >> '${marker}'; sleep 0.5`));
    const results = await Promise.all([backend.submit(s), backend.submit({ ...s }), backend.submit(JSON.parse(JSON.stringify(s)) as BackendJobSpec)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.filter((r) => !r.created)).toHaveLength(2);
    expect(await backend.submit(s)).toEqual({ created: false });
    await finished(s.name);
    expect(await backend.submit(s)).toEqual({ created: false });
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
    // The losers' prepared directories are gone.
    expect(readdirSync(path.join(jobsDir, '.staging')).filter((e) => e.startsWith(s.name))).toEqual([]);

    const other = { ...s, command: sh('echo something else') };
    await expect(backend.submit(other)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(backend.submit({ ...s, name: '../escape' })).rejects.toBeInstanceOf(AppError);
  });

  it('gives the job the submitted environment and none of the worker secrets', async () => {
    const secrets = {
      DATABASE_URL: 'postgres://gantry:db-secret@127.0.0.1/gantry',
      AUTH_SECRET: 'auth-secret-auth-secret-auth-secret-123',
      GANTRY_ENCRYPTION_KEYS: 'k1:encryption-secret',
      S3_SECRET_ACCESS_KEY: 's3-secret',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
    };
    const saved = Object.fromEntries(Object.keys(secrets).map((k) => [k, process.env[k]]));
    Object.assign(process.env, secrets);
    try {
      const s = spec('env', sh('env; echo ---; tr "\\0" "\\n" < /proc/$PPID/environ'), {
        env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:3000', GANTRY_RUN_ID: 'run_123' },
        secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_scoped_run_key' },
      });
      await backend.submit(s);
      expect(await finished(s.name)).toMatchObject({ phase: 'succeeded' });
      const [jobEnv = '', supervisorEnv = ''] = (await allLogs(s.name)).split('---\n');
      expect(jobEnv).toContain('MLFLOW_TRACKING_URI=http://127.0.0.1:3000\n');
      expect(jobEnv).toContain('MLFLOW_TRACKING_TOKEN=gty_scoped_run_key\n');
      expect(jobEnv).toContain('GANTRY_RUN_ID=run_123\n');
      expect(jobEnv).toContain(`HOME=${path.join(jobsDir, s.name, 'workdir')}\n`);
      expect(jobEnv).toContain(`TMPDIR=${path.join(jobsDir, s.name, 'tmp')}\n`);
      expect(jobEnv).toContain(`PATH=${process.env.PATH}\n`);
      // The job can read its supervisor's environment, so the supervisor carries none of the secrets either.
      expect(supervisorEnv).toContain('PATH=');
      for (const [k, v] of Object.entries(secrets)) {
        expect(jobEnv).not.toContain(k);
        expect(jobEnv).not.toContain(v);
        expect(supervisorEnv).not.toContain(v);
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('keeps running when the process that submitted it is killed, and a new backend instance sees it finish', async () => {
    const s = spec('orphan', sh('echo before; sleep 2; echo after'));
    const submitter = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, '..', '..', 'testing', 'submit-and-wait.ts'), jobsDir, JSON.stringify(s)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      submitter.stdout.on('data', (d: Buffer) => d.toString().includes('submitted') && resolve());
      submitter.once('exit', (code) => reject(new Error(`the submitter exited early (${code})`)));
    });
    submitter.removeAllListeners('exit');
    const gone = new Promise((r) => submitter.once('exit', r));
    submitter.kill('SIGKILL');
    await gone;

    const fresh = new LocalBackend({ jobsDir });
    expect((await fresh.status(s.name))!.phase).toMatch(/^(queued|running)$/);
    const st = await finished(s.name, 30_000, fresh);
    expect(st).toMatchObject({ phase: 'succeeded', exitCode: 0 });
    expect(await allLogs(s.name, fresh)).toBe('before\nafter\n');
    expect(await fresh.submit(s)).toEqual({ created: false });
  });

  it('reports a job whose supervisor died without an end state as failed with reason Lost, and stops what it left running', async () => {
    const s = spec('lost', sh('echo running; sleep 30'));
    await backend.submit(s);
    await waitFor(s.name, (st) => st.phase === 'running');
    const job = statusFile(s.name).job!;
    process.kill(claimFile(s.name).pid!, 'SIGKILL');
    const st = await finished(s.name);
    expect(st).toMatchObject({ phase: 'failed', reason: 'Lost' });
    expect(st.message).toContain('supervisor');
    expect(isRunning(job)).toBe(false);
    // The end state is recorded once: later reads agree.
    expect(await backend.status(s.name)).toEqual(st);
  });

  it('releases an ended job by removing its directory, and leaves a running job alone', async () => {
    const running = spec('release-running', sh('echo started; sleep 30'));
    const ended = spec('release-ended', sh('echo done'));
    await backend.submit(running);
    await backend.submit(ended);
    await waitFor(running.name, (s) => s.phase === 'running');
    await finished(ended.name);

    await backend.release(running.name);
    expect(existsSync(path.join(jobsDir, running.name, 'status.json'))).toBe(true);
    expect((await backend.status(running.name))?.phase).toBe('running');

    await backend.release(ended.name);
    expect(existsSync(path.join(jobsDir, ended.name))).toBe(false);
    expect(await backend.status(ended.name)).toBeNull();
    expect(await backend.logs(ended.name, 0)).toEqual({ text: '', nextOffset: 0 });
    // Nothing is left in staging either, and releasing again (or an unknown name) is a no-op.
    expect(readdirSync(path.join(jobsDir, '.staging')).filter((e) => e.startsWith(ended.name))).toEqual([]);
    await backend.release(ended.name);
    await backend.release('gantry-no-such-job-a1');
    await backend.release('../../etc');

    await backend.cancel(running.name);
    await backend.release(running.name);
    expect(existsSync(path.join(jobsDir, running.name))).toBe(false);
  });

  it('answers for jobs that do not exist', async () => {
    expect(await backend.status('gantry-nothing-here-a1')).toBeNull();
    expect(await backend.logs('gantry-nothing-here-a1', 0)).toEqual({ text: '', nextOffset: 0 });
    await backend.cancel('gantry-nothing-here-a1');
    expect(await backend.status('../../etc')).toBeNull();
  });

  it('refuses an environment variable name a job spec cannot carry, before starting anything', async () => {
    for (const name of ['LOG.LEVEL', '1ST', 'A'.repeat(ENV_NAME_MAX_LENGTH + 1)]) {
      const s = spec('bad-env', ['true'], { env: { [name]: 'x' } });
      await expect(backend.submit(s)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await backend.status(s.name)).toBeNull();
    }
  });
});

describe('LocalBackend limits', () => {
  it('ends a job that exceeds its memory limit: OOMKilled under a cgroup, or stopped by the RLIMIT_DATA fallback', async () => {
    const hog = 'const a = []; for (;;) { a.push(Buffer.alloc(16 * 1024 * 1024, 1)); console.log(a.length * 16, "MiB"); }';
    const s = spec('oom', [process.execPath, '-e', hog], { resources: { cpu: 1, memoryMiB: 128, gpuCount: 0, gpuType: null } });
    await backend.submit(s);
    const st = await finished(s.name);
    if (!cgroups.ok) {
      // A host without writable cgroups gets the data-size limit instead; the hog still cannot run away.
      expect(statusFile(s.name).limits).toMatchObject({ mode: 'rlimit' });
      expect(st.phase).toBe('failed');
      return;
    }
    expect(st).toMatchObject({ phase: 'failed', reason: 'OOMKilled', exitCode: 137 });
    expect(st.message).toContain('128 MiB');
    expect(st.usage!.peakMemoryMiB).toBeGreaterThan(64);
    expect(st.usage!.peakMemoryMiB).toBeLessThanOrEqual(129);
    expect(statusFile(s.name).limits).toMatchObject({ mode: expect.stringMatching(/^cgroup-v[12]$/), memoryMiB: 128 });
    // The job's cgroups are removed once it ends.
    for (const dir of statusFile(s.name).limits!.cgroups) expect(existsSync(dir)).toBe(false);
  });

  it('limits CPU to the requested share where cgroups allow it, and says when they do not', async () => {
    const spin = 'const end = Date.now() + 2000; while (Date.now() < end) {}';
    const s = spec('cpu', [process.execPath, '-e', spin], { resources: { cpu: 0.25, memoryMiB: 256, gpuCount: 0, gpuType: null } });
    await backend.submit(s);
    const st = await finished(s.name);
    expect(st.phase).toBe('succeeded');
    if (!cgroups.ok) {
      // No CPU quota without cgroups: the status file records that none was applied.
      expect(statusFile(s.name).limits).toMatchObject({ mode: 'rlimit', cpu: null });
      return;
    }
    // Two seconds of wall time at a quarter of a core: about half a CPU second, never close to two.
    expect(st.usage!.cpuSeconds).toBeGreaterThan(0);
    expect(st.usage!.cpuSeconds).toBeLessThan(1.2);
  });

  it('falls back to RLIMIT_DATA with headroom where cgroups are not used', async () => {
    const rlimited = new LocalBackend({ jobsDir, limits: 'rlimit', sampleIntervalMs: 200 });
    expect(dataLimitKiB(64)).toBe(1088 * 1024);
    const s = spec('rlimit', sh('ulimit -d'), { resources: { cpu: 1, memoryMiB: 64, gpuCount: 0, gpuType: null } });
    await rlimited.submit(s);
    expect(await finished(s.name, 30_000, rlimited)).toMatchObject({ phase: 'succeeded' });
    expect((await allLogs(s.name)).trim()).toBe(String(1088 * 1024));
    expect(statusFile(s.name).limits).toMatchObject({ mode: 'rlimit', memoryMiB: 1088, cpu: null });

    // Allocating past the limit fails inside the job, which exits with an error.
    const grow = 'const a = []; for (let i = 0; i < 200; i++) a.push(Buffer.alloc(16 * 1024 * 1024, 1)); console.log("not limited");';
    const hog = spec('rlimit-hog', [process.execPath, '-e', grow], { resources: { cpu: 1, memoryMiB: 64, gpuCount: 0, gpuType: null } });
    await rlimited.submit(hog);
    const st = await finished(hog.name, 30_000, rlimited);
    expect(st).toMatchObject({ phase: 'failed', reason: 'Error' });
    expect(await allLogs(hog.name)).not.toContain('not limited');
  });

  it('finds cgroup hierarchies in mountinfo', () => {
    const v1 = [
      '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(findCgroupMounts(v1)).toEqual({ v1Memory: '/sys/fs/cgroup/memory', v1Cpu: '/sys/fs/cgroup/cpu,cpuacct', v2: '/sys/fs/cgroup/unified' });
    expect(findCgroupMounts('30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate')).toEqual({ v1Memory: null, v1Cpu: null, v2: '/sys/fs/cgroup' });
    expect(prepareLimits('x', { cpu: 1, memoryMiB: 100, gpuCount: 0, gpuType: null }, 'auto', { v1Memory: null, v1Cpu: null, v2: null }).applied).toMatchObject({
      mode: 'rlimit',
      detail: expect.stringContaining('no cgroup filesystem'),
    });
  });
});

describe('LocalBackend capacity', () => {
  let bin: string;
  beforeAll(() => {
    bin = path.join(root, 'bin');
    rmSync(bin, { recursive: true, force: true });
    const write = (name: string, body: string) => {
      const file = path.join(bin, name);
      writeFileSync(file, body);
      chmodSync(file, 0o755);
      return file;
    };
    mkdirSync(bin, { recursive: true });
    // What nvidia-smi prints for this query on a host with two A100s and a T4.
    write(
      'nvidia-smi',
      `#!/bin/sh
[ "$1" = "--query-gpu=name,memory.total" ] && [ "$2" = "--format=csv,noheader" ] || { echo "unexpected arguments: $*" >&2; exit 2; }
echo "NVIDIA A100-SXM4-80GB, 81920 MiB"
echo "NVIDIA A100-SXM4-80GB, 81920 MiB"
echo "Tesla T4, 15360 MiB"
`,
    );
    write('nvidia-smi-nodriver', `#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2\nexit 9\n`);
  });

  it('reports host CPU and memory, and GPUs from nvidia-smi grouped by type', async () => {
    const b = new LocalBackend({ jobsDir, nvidiaSmi: path.join(bin, 'nvidia-smi') });
    const cap = await b.capacity();
    expect(cap.cpuCores).toBe(os.availableParallelism());
    expect(cap.memoryMiB).toBeGreaterThan(0);
    expect(cap.memoryMiB).toBeLessThanOrEqual(Math.ceil(os.totalmem() / 1024 / 1024));
    expect(cap.gpus).toEqual([
      { gpuType: 'nvidia-a100', allocatable: 2, nodes: 1, largestNode: 2 },
      { gpuType: 'nvidia-t4', allocatable: 1, nodes: 1, largestNode: 1 },
    ]);
  });

  it('reports no GPUs without nvidia-smi or when it fails', async () => {
    expect((await new LocalBackend({ jobsDir, nvidiaSmi: path.join(bin, 'absent-nvidia-smi') }).capacity()).gpus).toEqual([]);
    expect((await new LocalBackend({ jobsDir, nvidiaSmi: path.join(bin, 'nvidia-smi-nodriver') }).capacity()).gpus).toEqual([]);
  });

  it('gives a GPU job the GPUs of its type, and fails one the host can never run as Unschedulable', async () => {
    const b = new LocalBackend({ jobsDir, nvidiaSmi: path.join(bin, 'nvidia-smi'), sampleIntervalMs: 200 });
    const t4 = spec('gpu', sh('echo "$CUDA_VISIBLE_DEVICES|$CUDA_DEVICE_ORDER"'), { resources: { cpu: 1, memoryMiB: 256, gpuCount: 1, gpuType: 'nvidia-t4' } });
    await b.submit(t4);
    expect(await finished(t4.name, 30_000, b)).toMatchObject({ phase: 'succeeded' });
    expect(await allLogs(t4.name, b)).toBe('2|PCI_BUS_ID\n');

    const cpuOnly = spec('nogpu', sh('echo "[$CUDA_VISIBLE_DEVICES]"'));
    await b.submit(cpuOnly);
    await finished(cpuOnly.name, 30_000, b);
    expect(await allLogs(cpuOnly.name, b)).toBe('[]\n');

    const big = spec('gpu-big', sh('echo never'), { resources: { cpu: 1, memoryMiB: 256, gpuCount: 3, gpuType: 'nvidia-a100' } });
    expect(await b.submit(big)).toEqual({ created: true });
    const st = await b.status(big.name);
    expect(st).toMatchObject({ phase: 'failed', reason: 'Unschedulable', startedAt: null });
    expect(st!.message).toContain('insufficient nvidia.com/gpu (requested 3 nvidia-a100, the host has 2)');
    expect(await b.submit(big)).toEqual({ created: false });
    expect(existsSync(path.join(jobsDir, big.name, 'supervisor.json'))).toBe(false);
  });

  it('names GPU types the way jobs request them', () => {
    expect(gpuTypeLabel('NVIDIA A100-SXM4-80GB')).toBe('nvidia-a100');
    expect(gpuTypeLabel('NVIDIA A100 80GB PCIe')).toBe('nvidia-a100');
    expect(gpuTypeLabel('NVIDIA H100 80GB HBM3')).toBe('nvidia-h100');
    expect(gpuTypeLabel('Tesla T4')).toBe('nvidia-t4');
    expect(gpuTypeLabel('NVIDIA GeForce RTX 4090')).toBe('nvidia-rtx-4090');
    expect(gpuTypeLabel('NVIDIA L4')).toBe('nvidia-l4');
    expect(gpuTypeLabel('NVIDIA A10G')).toBe('nvidia-a10g');
    expect(parseNvidiaSmi('NVIDIA L4, 23034 MiB\n\nTesla T4, 15360 MiB\n')).toEqual([
      { index: 0, name: 'NVIDIA L4', memoryMiB: 23034, gpuType: 'nvidia-l4' },
      { index: 1, name: 'Tesla T4', memoryMiB: 15360, gpuType: 'nvidia-t4' },
    ]);
  });
});
