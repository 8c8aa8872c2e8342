/**
 * Resource limits for `local` jobs "where the OS allows":
 *
 * 1. A cgroup per job under `<hierarchy>/gantry/<job name>` when the cgroup filesystem is writable
 *    (root, or a delegated hierarchy): cgroup v2 (`memory.max`, `cpu.max`, `memory.swap.max=0`)
 *    when the unified hierarchy offers the memory controller, else cgroup v1 (`memory.limit_in_bytes`
 *    plus `memory.memsw.limit_in_bytes` where swap accounting exists, `cpu.cfs_quota_us`). The
 *    kernel's OOM killer then stops a job that exceeds its memory, and the cgroup's `oom_kill`
 *    counter tells us so (reason `OOMKilled`). CPU is a CFS quota: a 0.5-CPU job gets half a core.
 * 2. Otherwise `RLIMIT_DATA` set by the launch shell (`ulimit -d`). It caps the heap and private
 *    anonymous mappings, not resident memory, and a process over it sees failed allocations
 *    (`MemoryError`), so the limit is a guard against runaway jobs with headroom: twice the request,
 *    at least the request plus 1 GiB. `RLIMIT_AS` is not used: numpy, OpenBLAS and CUDA reserve large
 *    address ranges they never touch, and would fail under it. Without cgroups there is no CPU limit.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobResources } from './compute-backend';
import { isCode, type AppliedLimits, type LimitsPolicy } from './local-job-files';

const MiB = 1024 * 1024;
const CFS_PERIOD_US = 100_000;
/** Parent of every job cgroup, in each hierarchy. */
export const CGROUP_PARENT = 'gantry';

export interface JobLimits {
  applied: AppliedLimits;
  /** Files the launch shell writes its own PID to before exec, so the job starts inside its cgroups. */
  procsFiles: string[];
  /** RLIMIT_DATA for the launch shell (`ulimit -d`, KiB), or null. */
  dataLimitKiB: number | null;
}

interface CgroupMounts {
  v1Memory: string | null;
  v1Cpu: string | null;
  v2: string | null;
}

/** Where the cgroup hierarchies are mounted, from `/proc/self/mountinfo`. */
export function findCgroupMounts(mountinfo?: string): CgroupMounts {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const out: CgroupMounts = { v1Memory: null, v1Cpu: null, v2: null };
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mountPoint = unescapeMount(pre.split(' ')[4] ?? '');
    const [fsType, , superOpts = ''] = post.split(' ');
    if (fsType === 'cgroup2') out.v2 ??= mountPoint;
    if (fsType === 'cgroup') {
      const opts = superOpts.split(',');
      if (opts.includes('memory')) out.v1Memory ??= mountPoint;
      if (opts.includes('cpu')) out.v1Cpu ??= mountPoint;
    }
  }
  return out;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A counter line (`oom_kill 3`) from a flat-keyed cgroup file. */
function counter(file: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(read(file) ?? '');
  return m ? Number(m[1]) : 0;
}

function cpuQuotaUs(cpu: number): number {
  return Math.max(1000, Math.round(cpu * CFS_PERIOD_US));
}

/** RLIMIT_DATA for a memory request: generous on purpose (see the module comment). */
export function dataLimitKiB(memoryMiB: number): number {
  return Math.max(2 * memoryMiB, memoryMiB + 1024) * 1024;
}

function tryV2(root: string, name: string, r: JobResources): JobLimits | string {
  const available = (read(path.join(root, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
  if (!available.includes('memory')) return 'cgroup v2 has no memory controller here';
  const wanted = ['memory', ...(available.includes('cpu') ? ['cpu'] : [])];
  const parent = path.join(root, CGROUP_PARENT);
  const dir = path.join(parent, name);
  try {
    mkdirSync(parent, { recursive: true });
    // Controllers flow down: each level must enable them for its children.
    for (const level of [root, parent]) {
      const enabled = (read(path.join(level, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
      const missing = wanted.filter((c) => !enabled.includes(c));
      if (missing.length) writeFileSync(path.join(level, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
    }
    mkdirSync(dir, { recursive: true });
    if (r.memoryMiB > 0) {
      writeFileSync(path.join(dir, 'memory.max'), String(r.memoryMiB * MiB));
      try {
        writeFileSync(path.join(dir, 'memory.swap.max'), '0');
      } catch {
        // No swap accounting: nothing to disable.
      }
    }
    let cpuNote = '';
    if (r.cpu > 0) {
      try {
        writeFileSync(path.join(dir, 'cpu.max'), `${cpuQuotaUs(r.cpu)} ${CFS_PERIOD_US}`);
      } catch (e) {
        cpuNote = `; CPU not limited (${(e as Error).message})`;
      }
    }
    return {
      applied: {
        mode: 'cgroup-v2',
        memoryMiB: r.memoryMiB > 0 ? r.memoryMiB : null,
        cpu: r.cpu > 0 && !cpuNote ? r.cpu : null,
        detail: `cgroup ${dir}${cpuNote}`,
        cgroups: [dir],
      },
      procsFiles: [path.join(dir, 'cgroup.procs')],
      dataLimitKiB: null,
    };
  } catch (e) {
    removeCgroupDirs([dir]);
    return `cgroup v2 not writable (${(e as Error).message})`;
  }
}

function tryV1(memMount: string, cpuMount: string | null, name: string, r: JobResources): JobLimits | string {
  const memDir = path.join(memMount, CGROUP_PARENT, name);
  const created: string[] = [];
  try {
    mkdirSync(memDir, { recursive: true });
    created.push(memDir);
    if (r.memoryMiB > 0) {
      const bytes = String(r.memoryMiB * MiB);
      writeFileSync(path.join(memDir, 'memory.limit_in_bytes'), bytes);
      // With swap accounting, memory+swap gets the same cap so the job is stopped, not swapped out.
      try {
        writeFileSync(path.join(memDir, 'memory.memsw.limit_in_bytes'), bytes);
      } catch {
        // Swap accounting is off: there is nothing to cap.
      }
      const effective = Number(read(path.join(memDir, 'memory.limit_in_bytes')));
      if (!(effective > 0 && effective <= r.memoryMiB * MiB)) throw new Error(`memory limit did not apply (reads ${effective})`);
    }
    let cpuNote = '';
    let cpuDir: string | null = null;
    if (r.cpu > 0) {
      if (!cpuMount) cpuNote = '; CPU not limited (no cpu controller)';
      else {
        const dir = path.join(cpuMount, CGROUP_PARENT, name);
        try {
          mkdirSync(dir, { recursive: true });
          created.push(dir);
          writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
          writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(cpuQuotaUs(r.cpu)));
          cpuDir = dir;
        } catch (e) {
          cpuNote = `; CPU not limited (${(e as Error).message})`;
        }
      }
    }
    const dirs = cpuDir ? [memDir, cpuDir] : [memDir];
    removeCgroupDirs(created.filter((d) => !dirs.includes(d)));
    return {
      applied: {
        mode: 'cgroup-v1',
        memoryMiB: r.memoryMiB > 0 ? r.memoryMiB : null,
        cpu: cpuDir ? r.cpu : null,
        detail: `cgroups ${dirs.join(', ')}${cpuNote}`,
        cgroups: dirs,
      },
      procsFiles: dirs.map((d) => path.join(d, 'cgroup.procs')),
      dataLimitKiB: null,
    };
  } catch (e) {
    removeCgroupDirs(created);
    return `cgroup v1 not writable (${(e as Error).message})`;
  }
}

/**
 * Sets up the limits for one job. Never throws for an OS that does not allow a
 * mechanism: the result says what was applied and why something was not.
 */
export function prepareLimits(name: string, r: JobResources, policy: LimitsPolicy, mounts = findCgroupMounts()): JobLimits {
  const none = (detail: string): JobLimits => ({
    applied: { mode: 'none', memoryMiB: null, cpu: null, detail, cgroups: [] },
    procsFiles: [],
    dataLimitKiB: null,
  });
  if (policy === 'none') return none('limits disabled by configuration');
  if (r.memoryMiB <= 0 && r.cpu <= 0) return none('no limits requested');

  const notes: string[] = [];
  if (policy === 'auto') {
    if (mounts.v2) {
      const v2 = tryV2(mounts.v2, name, r);
      if (typeof v2 !== 'string') return v2;
      notes.push(v2);
    }
    if (mounts.v1Memory) {
      const v1 = tryV1(mounts.v1Memory, mounts.v1Cpu, name, r);
      if (typeof v1 !== 'string') return v1;
      notes.push(v1);
    }
    if (!mounts.v2 && !mounts.v1Memory) notes.push('no cgroup filesystem');
  }
  if (r.memoryMiB <= 0) return none([...notes, 'no memory limit requested; CPU not limited without cgroups'].join('; '));
  const kib = dataLimitKiB(r.memoryMiB);
  return {
    applied: {
      mode: 'rlimit',
      memoryMiB: Math.floor(kib / 1024),
      cpu: null,
      detail: [...notes, `RLIMIT_DATA ${Math.floor(kib / 1024)} MiB; CPU not limited without cgroups`].join('; '),
      cgroups: [],
    },
    procsFiles: [],
    dataLimitKiB: kib,
  };
}

/** PIDs in the job's cgroups (the first directory holds every process of the job). */
export function cgroupMembers(dirs: string[]): number[] {
  const first = dirs[0];
  if (!first) return [];
  return (read(path.join(first, 'cgroup.procs')) ?? '')
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

/** How many times the kernel's OOM killer stopped a process of this job. */
export function cgroupOomKills(applied: AppliedLimits): number {
  const dir = applied.cgroups[0];
  if (!dir) return 0;
  if (applied.mode === 'cgroup-v2') return counter(path.join(dir, 'memory.events'), 'oom_kill');
  return counter(path.join(dir, 'memory.oom_control'), 'oom_kill');
}

/** Peak memory charged to the job's cgroup, in bytes, where the kernel records it. */
export function cgroupPeakMemory(applied: AppliedLimits): number | null {
  const dir = applied.cgroups[0];
  if (!dir) return null;
  const file = applied.mode === 'cgroup-v2' ? 'memory.peak' : 'memory.max_usage_in_bytes';
  const v = Number(read(path.join(dir, file)));
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** SIGKILLs whatever is left in the cgroups, then removes them (best effort, bounded). */
export async function releaseCgroups(dirs: string[]): Promise<void> {
  if (!dirs.length) return;
  for (let i = 0; i < 50; i++) {
    const pids = dirs.flatMap((d) => cgroupMembers([d]));
    if (!pids.length) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; i < 20; i++) {
    if (removeCgroupDirs(dirs)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when every directory is gone. A cgroup can be removed once its last process has exited. */
function removeCgroupDirs(dirs: string[]): boolean {
  let ok = true;
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch (e) {
      if (!isCode(e, 'ENOENT')) ok = false;
    }
  }
  return ok;
}
