/**
 * Where training and evaluation jobs run. `local` runs the job as a child process
 * on the Gantry host; `kubernetes` creates a `batch/v1` Job on a tenant's cluster.
 * Both are driven by the same activities, so every method is idempotent and keyed
 * on the backend job name, which derives from the Gantry job ID and the attempt.
 */

import { ENDED_JOB_STATUSES, type JobStatus } from '../../rules/job-status';

/** A job's status, which backends report in the job's own terms; they map their own states onto these. */
export type JobPhase = JobStatus;

export const TERMINAL_PHASES: ReadonlySet<JobPhase> = new Set(ENDED_JOB_STATUSES);

export interface JobResources {
  /** CPU cores (fractions allowed, e.g. 0.5). */
  cpu: number;
  /** Memory in MiB. */
  memoryMiB: number;
  gpuCount: number;
  /** The GPU type label value (e.g. `nvidia-a100`); null for "any" or when gpuCount is 0. */
  gpuType: string | null;
}

export interface BackendJobSpec {
  /** Backend-safe, unique per Gantry job and attempt: see {@link backendJobName}. */
  name: string;
  jobId: string;
  attempt: number;
  orgId: string;
  teamId: string;
  projectId: string;
  runId: string;
  /** Container image; the local backend records it but runs the command on the host. */
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  /**
   * Credentials for the job (the attempt's API key), kept out of plain job specs: the
   * Kubernetes backend puts them in a Secret owned by the Job; the local backend keeps them
   * with the rest of the environment in the job's owner-only spec file.
   */
  secretEnv: Record<string, string>;
  resources: JobResources;
  /** The backend stops the job after this many seconds of running and reports `failed` with reason `DeadlineExceeded`. */
  maxRuntimeSeconds: number;
  /**
   * pip requirements the job's Python needs (rules/python-requirements.ts). The local backend runs
   * the command in a virtual environment built for them (local-python-env.ts); the Kubernetes
   * backend refuses them, as the image carries its own environment. Absent or empty: none.
   */
  pythonRequirements?: string[];
}

/** The job's Python environment, for a job that named requirements (local backend). */
export interface JobEnvironmentStatus {
  state: 'building' | 'ready' | 'failed';
  /** True when an environment built earlier (by this job or another) was used as it was. */
  cached: boolean;
  /** The environment's key: a hash of the resolved requirements and the Python it was built from. */
  hash: string;
  /** The Python version it runs (`3.11.2`), once known. */
  pythonVersion: string | null;
  requirements: number;
  startedAt: string;
  finishedAt: string | null;
  /** What the timeline says, e.g. `Python environment ready (cached)`. */
  message: string;
}

export interface BackendJobStatus {
  phase: JobPhase;
  /**
   * Why the job is in this phase, in the backend's vocabulary where it has one:
   * `ImagePullBackOff`, `OOMKilled`, `Unschedulable`, `DeadlineExceeded`, `Error`, `Cancelled`…
   */
  reason: string | null;
  /** A human-readable detail, e.g. `0/3 nodes are available: insufficient nvidia.com/gpu`. */
  message: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  exitCode: number | null;
  /** What was measured while the job ran, when the backend can measure it. */
  usage: MeasuredUsage | null;
  /** The Python environment prepared before the command ran; absent when the job named no requirements. */
  environment?: JobEnvironmentStatus | null;
}

export interface MeasuredUsage {
  /** Wall-clock seconds from start to finish (or to now while running). */
  runtimeSeconds: number;
  /** CPU seconds consumed (user + system), when measurable. */
  cpuSeconds: number | null;
  /** Peak resident memory in MiB, when measurable. */
  peakMemoryMiB: number | null;
}

export interface SubmitResult {
  /** False when a job with this name already existed (a retried submit): that counts as success. */
  created: boolean;
}

export interface LogChunk {
  /** Log text from `offset` (bytes, or lines where the backend only counts lines) on. */
  text: string;
  /** Pass back as `offset` to read on from here. */
  nextOffset: number;
}

export interface GpuPool {
  /** The GPU-type label value, or `unlabelled`. */
  gpuType: string;
  /** Allocatable `nvidia.com/gpu` summed over nodes of this type. */
  allocatable: number;
  nodes: number;
  /**
   * The most GPUs of this type one node has: a pod runs on one node, so a job asking for more
   * never schedules, however many GPUs the nodes have together.
   */
  largestNode: number;
}

export interface ClusterCapacity {
  cpuCores: number;
  memoryMiB: number;
  gpus: GpuPool[];
}

export interface ComputeBackend {
  readonly kind: 'local' | 'kubernetes';
  /** Creates the backend job; an existing job with the same name is success with `created: false`. */
  submit(spec: BackendJobSpec): Promise<SubmitResult>;
  /** The job's current status, or null when no job with this name exists. */
  status(name: string): Promise<BackendJobStatus | null>;
  /** Logs from `offset` on (combined stdout and stderr); empty text when there is nothing new. */
  logs(name: string, offset: number): Promise<LogChunk>;
  /** Stops the job and frees its resources; cancelling a finished or missing job is not an error. */
  cancel(name: string): Promise<void>;
  /**
   * Frees what an ended job still holds once its logs are kept elsewhere (the local
   * backend's job directory). A job that has not ended, or is already gone, is left alone.
   */
  release(name: string): Promise<void>;
  capacity(): Promise<ClusterCapacity>;
}

/**
 * The backend job name for a Gantry job attempt: DNS-1123 (lowercase alphanumerics
 * and `-`, at most 63 characters), stable across retries of the same attempt so
 * a repeated submit finds the job it already created.
 */
export function backendJobName(jobId: string, attempt: number): string {
  const base = jobId.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const name = `gantry-${base}-a${attempt}`;
  if (name.length > 63) throw new Error(`Backend job name too long: ${name}`);
  return name;
}

/** Bytes up to the last complete UTF-8 character, so a chunk boundary never splits one. */
export function completeUtf8Length(buf: Buffer): number {
  let i = buf.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && ((buf[i] ?? 0) & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return buf.length;
  const lead = buf[i] ?? 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return buf.length - i >= need ? buf.length : i;
}
