import { Readable } from 'node:stream';
import { and, eq, sql } from 'drizzle-orm';
import { runTags, runs, trainingJobEvents, trainingJobs, type Cluster, type JobStatus } from '../../db/schema';
import { hyperparameterEnvName } from '../../rules/env-names';
import { ENVIRONMENT_REASONS, LOG_REASONS } from '../../rules/job-status';
import { withTenant } from '../tenancy/with-tenant';
import { runArtifactKey } from '../artifacts/artifact-path';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { storeOf } from '../artifacts/run-access';
import { uploadArtifact } from '../artifacts/upload-artifact';
import { createApiKey } from '../auth/create-api-key';
import { getUser } from '../auth/get-user';
import { revokeRunApiKey } from '../auth/revoke-run-api-key';
import { findCluster, loadPrices } from '../compute/access';
import { ClusterApiError } from '../compute/kubernetes/client';
import {
  backendJobName,
  TERMINAL_PHASES,
  type BackendJobStatus,
  type ClusterCapacity,
  type ComputeBackend,
  type JobPhase,
  type JobResources,
  type MeasuredUsage,
} from '../compute/compute-backend';
import { env } from '../../config/env';
import { settleJobCost } from '../costs/ledger';
import { jobCostMicros } from '../../rules/money';
import { AppError, isAppError } from '../errors';
import { newId } from '../ids';
import { createLogger } from '../observability/logger';
import { awaitRecorded } from '../orchestration/record-then-start';
import { createModelVersion } from '../registry/create-model-version';
import { createRegisteredModel } from '../registry/create-registered-model';
import { systemContext, systemMeta, type TenantContext } from '../tenancy/context';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { createRun } from '../tracking/create-run';
import { logBatch } from '../tracking/log-batch';
import { logInputs } from '../tracking/log-inputs';
import { updateRun } from '../tracking/update-run';
import { findJob, jobWorkflowId, type JobView } from './access';
import { EXCERPT_LOG_TAIL_BYTES, failureExcerpt } from './failure-excerpt';

/**
 * The steps of `trainingJobWorkflow`, each run as one Temporal activity. Every
 * step is idempotent and keyed on the job ID (and attempt): a step retried after a
 * crash finds what its earlier try did and carries on from there.
 */

export interface JobStepDeps {
  /** The compute backend for a cluster (local child processes, or a Kubernetes API). */
  backendFor(cluster: Cluster): Promise<ComputeBackend>;
  artifactStore?: ArtifactStore;
  /** How often the watch step polls the backend, in ms. */
  pollIntervalMs?: number;
}

export interface JobRef {
  jobId: string;
  orgId: string;
}

export interface PrepareResult {
  /** False when the job must not run (missing, already ended, cancelled, or it cannot run on its cluster). */
  proceed: boolean;
  maxAttempts: number;
  maxRuntimeSeconds: number;
  /** The attempt to start with (a workflow retried after a crash resumes where it was). */
  attempt: number;
}

export interface AttemptOutcome {
  phase: JobPhase;
  reason: string | null;
  message: string | null;
  exitCode: number | null;
  usage: MeasuredUsage | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export const JOB_ID_TAG = 'gantry.job_id';

const log = createLogger('training');

/** The context a job's own steps read and update its rows in. */
const jobSystem = (ref: JobRef) => systemContext(ref.orgId, 'training-job', ref.jobId);

const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** The tenant context a job acts in: the user who submitted it, in the job's organization. */
export async function jobContext(orgId: string, userId: string | null, jobId: string): Promise<TenantContext> {
  if (!userId) throw new AppError('FORBIDDEN', 'The job has no submitting user');
  const user = await getUser(userId);
  return resolveTenantContext({ kind: 'user', userId, email: user.email }, orgId, systemMeta(`job/${jobId}`));
}

/**
 * The submitter's context, or null when the submitter is gone (deleted, or no longer a member).
 * Any other failure (the database, say) is thrown, so the step is retried rather than the job
 * failed for a reason that is not true.
 */
async function submitterContext(job: JobView): Promise<TenantContext | null> {
  try {
    return await jobContext(job.orgId, job.createdBy, job.id);
  } catch (e) {
    if (isAppError(e) && (e.code === 'NOT_FOUND' || e.code === 'FORBIDDEN')) return null;
    throw e;
  }
}

/** Revokes the key of an attempt that has ended; a failure fails the step, which Temporal retries. */
async function revokeAttemptKey(ref: JobRef, keyId: string): Promise<void> {
  try {
    await revokeRunApiKey(jobSystem(ref), keyId);
  } catch (e) {
    log.warn('revoking a job attempt key failed; the step will be retried', { jobId: ref.jobId, apiKeyId: keyId, err: e });
    throw e;
  }
}

async function loadJob(ref: JobRef): Promise<{ job: JobView; cluster: Cluster }> {
  return withTenant(jobSystem(ref), async (tx) => {
    const job = await findJob(tx, ref, ref.jobId);
    const cluster = await findCluster(tx, ref, job.clusterId);
    return { job, cluster };
  });
}

async function tryLoadJob(ref: JobRef): Promise<{ job: JobView; cluster: Cluster } | null> {
  try {
    return await loadJob(ref);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') return null;
    throw e;
  }
}

export const resourcesOf = (job: JobView): JobResources => ({
  cpu: job.spec.resources.cpu,
  memoryMiB: job.spec.resources.memoryMiB,
  gpuCount: job.spec.resources.gpu.count,
  gpuType: job.spec.resources.gpu.type,
});

/**
 * Moves the job row to `status` and appends it to the timeline, unless the job
 * already shows exactly this (so repeated observations write nothing).
 */
async function recordStatus(
  ref: JobRef,
  attempt: number,
  status: JobStatus,
  reason: string | null,
  message: string | null,
  extra: Partial<typeof trainingJobs.$inferInsert> = {},
  /** A failed attempt's excerpt of its log, kept with the event. */
  detail: string | null = null,
) {
  await withTenant(jobSystem(ref), async (tx) => {
    const job = await findJob(tx, ref, ref.jobId, { forUpdate: true });
    if (TERMINAL_STATUSES.has(job.status) && job.attempt >= attempt && !TERMINAL_STATUSES.has(status)) return;
    const same = job.status === status && job.attempt === attempt && job.reason === reason && job.message === message;
    await tx
      .update(trainingJobs)
      .set({ status, reason, message, attempt, ...extra })
      .where(eq(trainingJobs.id, job.id));
    if (!same) {
      await tx.insert(trainingJobEvents).values({ id: newId('jobEvent'), orgId: ref.orgId, jobId: job.id, attempt, status, reason, message, detail });
    }
    // The job's end and its charge commit together: its ledger line (once, keyed by the job) and its reservation released.
    if (TERMINAL_STATUSES.has(status)) {
      await settleJobCost(
        tx,
        { ...job, modelVersionId: extra.modelVersionId ?? job.modelVersionId },
        { amountMicros: extra.costMicros ?? 0, startedAt: extra.startedAt ?? job.startedAt, endedAt: extra.finishedAt ?? new Date(), seconds: extra.runtimeSeconds ?? 0 },
      );
    }
  });
}

/**
 * Adds a step of the attempt to the timeline (status `pending`, e.g. the Python environment
 * ready) without moving the job: the backend may already have moved on, and the step must
 * still show, once, before what followed it.
 */
async function recordStep(ref: JobRef & { attempt: number }, reason: string, message: string) {
  await withTenant(jobSystem(ref), async (tx) => {
    const job = await findJob(tx, ref, ref.jobId, { forUpdate: true });
    const [seen] = await tx
      .select({ id: trainingJobEvents.id })
      .from(trainingJobEvents)
      .where(and(eq(trainingJobEvents.jobId, job.id), eq(trainingJobEvents.attempt, ref.attempt), eq(trainingJobEvents.reason, reason)))
      .limit(1);
    if (!seen) await tx.insert(trainingJobEvents).values({ id: newId('jobEvent'), orgId: ref.orgId, jobId: job.id, attempt: ref.attempt, status: 'pending', reason, message });
  });
}

/** Validate → capacity check → tracking run (with params and inputs). The budget was reserved when the job was recorded. */
export async function prepareJob(ref: JobRef, deps: JobStepDeps): Promise<PrepareResult> {
  // The workflow was started inside the submitting transaction, which may not have committed yet.
  await withTenant(jobSystem(ref), (tx) => awaitRecorded(tx, jobWorkflowId(ref.jobId)));
  const loaded = await tryLoadJob(ref);
  if (!loaded) return { proceed: false, maxAttempts: 0, maxRuntimeSeconds: 0, attempt: 0 };
  const { job, cluster } = loaded;
  const base = { maxAttempts: job.maxAttempts, maxRuntimeSeconds: job.spec.maxRuntimeSeconds, attempt: job.attempt };
  if (TERMINAL_STATUSES.has(job.status)) return { proceed: false, ...base };
  if (job.cancelRequestedAt) {
    await recordStatus(ref, job.attempt, 'cancelled', 'Cancelled', 'Cancelled before it started', { finishedAt: new Date() });
    return { proceed: false, ...base };
  }

  const ctx = await submitterContext(job);
  if (!ctx) {
    await recordStatus(ref, job.attempt, 'failed', 'SubmitterRemoved', 'The user who submitted the job is no longer a member of the organization', { finishedAt: new Date() });
    return { proceed: false, ...base };
  }

  // Capacity: a GPU job that no node of the cluster can hold would wait until its deadline.
  if (job.spec.resources.gpu.count > 0) {
    const refusal = await gpuCapacityRefusal(job, cluster, deps);
    if (refusal) {
      await recordStatus(ref, job.attempt, 'failed', 'Unschedulable', refusal, { finishedAt: new Date() });
      return { proceed: false, ...base };
    }
  }

  if (!job.runId) await ensureRun(ctx, job);
  return { proceed: true, ...base };
}

/**
 * Why the cluster can never run the GPU job, in words, or null when it can (or cannot say).
 * A pod runs on one node, so the job needs one node with that many GPUs of its type. Credentials
 * that may not list nodes (optional when connecting) leave the capacity unknown: the job goes
 * on and the cluster's scheduler decides.
 */
async function gpuCapacityRefusal(job: JobView, cluster: Cluster, deps: JobStepDeps): Promise<string | null> {
  const { count, type } = job.spec.resources.gpu;
  let capacity: ClusterCapacity;
  try {
    capacity = await (await deps.backendFor(cluster)).capacity();
  } catch (e) {
    if (e instanceof ClusterApiError && e.reason === 'cluster-forbidden') {
      log.info('GPU capacity unknown (the cluster credentials may not list nodes); leaving it to the scheduler', { jobId: job.id, clusterId: cluster.id });
      return null;
    }
    throw e;
  }
  const pools = capacity.gpus.filter((g) => !type || g.gpuType === type);
  const largest = Math.max(0, ...pools.map((g) => g.largestNode));
  if (largest >= count) return null;
  const what = `${count} × ${type ?? 'GPU'}`;
  if (largest === 0) return `Cluster ${cluster.name} has no node with ${type ? `${type} GPUs` : 'GPUs'} for ${what}: insufficient nvidia.com/gpu`;
  const total = pools.reduce((n, g) => n + g.allocatable, 0);
  return (
    `Cluster ${cluster.name} has no node with ${count} GPUs${type ? ` of type ${type}` : ''}: insufficient nvidia.com/gpu. ` +
    `A job runs on one node, and the largest has ${largest}${total > largest ? ` (${total} across all nodes)` : ''}; ask for ${largest} or fewer.`
  );
}

/** The job's tracking run: found by its job tag when an earlier try created it, else created now. */
async function ensureRun(ctx: TenantContext, job: JobView): Promise<string> {
  const existing = await withTenant(ctx, async (tx) => {
    const [r] = await tx
      .select({ id: runs.id })
      .from(runTags)
      .innerJoin(runs, eq(runs.id, runTags.runId))
      .where(and(eq(runTags.orgId, ctx.orgId), eq(runTags.key, JOB_ID_TAG), eq(runTags.value, job.id), eq(runs.experimentId, job.experimentId)));
    return r?.id ?? null;
  });
  const runId =
    existing ??
    (
      await createRun(ctx, {
        experimentId: job.experimentId,
        runName: job.name.slice(0, 250),
        tags: [
          { key: JOB_ID_TAG, value: job.id },
          { key: 'gantry.cluster_id', value: job.clusterId },
          { key: 'mlflow.source.name', value: [...job.spec.command, ...job.spec.args].join(' ').slice(0, 5000) },
          { key: 'mlflow.source.type', value: 'JOB' },
          ...(job.spec.image ? [{ key: 'gantry.image', value: job.spec.image.slice(0, 5000) }] : []),
        ],
      })
    ).id;
  const params = Object.entries(job.spec.hyperparameters).map(([key, value]) => ({ key, value }));
  // Params are immutable once set: re-logging the same values on a retry is accepted, as in MLflow.
  for (let i = 0; i < params.length; i += 100) await logBatch(ctx, { runId, params: params.slice(i, i + 100) });
  if (job.spec.inputs.length) {
    await logInputs(ctx, {
      runId,
      datasets: job.spec.inputs.map((d) => ({
        dataset: { name: d.name, digest: (d.digest || 'unknown').slice(0, 36), sourceType: d.source.includes('://') ? d.source.split('://')[0]! : 'path', source: d.source },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      })),
    });
  }
  await withTenant(ctx, (tx) => tx.update(trainingJobs).set({ runId }).where(eq(trainingJobs.id, job.id)));
  return runId;
}

/** Where the job's code reaches Gantry from: the public URL, as the backend's network sees it. */
function trackingUri(): string {
  return env().GANTRY_PUBLIC_URL.replace(/\/$/, '');
}

/**
 * Starts one attempt on the backend. The backend job name derives from the job
 * ID and attempt, so a retried submit finds the job it created; only a fresh
 * submit mints the attempt's API key (the previous attempt's key is revoked).
 */
export async function submitAttempt(ref: JobRef & { attempt: number }, deps: JobStepDeps): Promise<{ name: string; created: boolean }> {
  const { job, cluster } = await loadJob(ref);
  const backend = await deps.backendFor(cluster);
  const name = backendJobName(job.id, ref.attempt);
  if (await backend.status(name)) {
    await withTenant(jobSystem(ref), (tx) => tx.update(trainingJobs).set({ backendName: name, attempt: ref.attempt }).where(eq(trainingJobs.id, job.id)));
    return { name, created: false };
  }
  if (!job.runId) throw new AppError('INTERNAL', 'The job has no tracking run yet');
  const ctx = await jobContext(ref.orgId, job.createdBy, job.id);
  if (job.runApiKeyId) await revokeAttemptKey(ref, job.runApiKeyId);
  const days = Math.min(730, Math.max(1, Math.ceil((job.spec.maxRuntimeSeconds + 3600) / 86_400)));
  const { apiKey, secret } = await createApiKey(ctx, { name: `job ${job.id} attempt ${ref.attempt}`.slice(0, 80), scopes: ['write'], expiresInDays: days }, { runId: job.runId });
  await withTenant(jobSystem(ref), (tx) => tx.update(trainingJobs).set({ runApiKeyId: apiKey.id, backendName: name }).where(eq(trainingJobs.id, job.id)));

  const uri = trackingUri();
  const jobEnv: Record<string, string> = {
    ...job.spec.env,
    ...(job.spec.systemEnv ?? {}),
    ...Object.fromEntries(Object.entries(job.spec.hyperparameters).map(([k, v]) => [hyperparameterEnvName(k), v])),
    GANTRY_TRACKING_URI: uri,
    GANTRY_RUN_ID: job.runId,
    GANTRY_JOB_ID: job.id,
    GANTRY_JOB_ATTEMPT: String(ref.attempt),
    GANTRY_EXPERIMENT_ID: job.experimentId,
    MLFLOW_TRACKING_URI: uri,
    MLFLOW_RUN_ID: job.runId,
    MLFLOW_EXPERIMENT_ID: job.experimentId,
  };
  const result = await backend.submit({
    name,
    jobId: job.id,
    attempt: ref.attempt,
    orgId: ref.orgId,
    teamId: job.teamId,
    projectId: job.projectId,
    runId: job.runId,
    image: job.spec.image,
    command: job.spec.command,
    args: job.spec.args,
    env: jobEnv,
    secretEnv: { GANTRY_API_KEY: secret, MLFLOW_TRACKING_TOKEN: secret },
    resources: resourcesOf(job),
    maxRuntimeSeconds: job.spec.maxRuntimeSeconds,
    // Stored specs from before jobs named requirements have no `python`.
    ...(job.spec.python?.requirements.length ? { pythonRequirements: job.spec.python.requirements } : {}),
  });
  await recordStatus(ref, ref.attempt, 'pending', null, `Submitted to ${cluster.name} as ${name}`);
  return { name, created: result.created };
}

const toOutcome = (s: BackendJobStatus): AttemptOutcome => ({
  phase: s.phase,
  reason: s.reason,
  message: s.message,
  exitCode: s.exitCode,
  usage: s.usage,
  startedAt: s.startedAt?.toISOString() ?? null,
  finishedAt: s.finishedAt?.toISOString() ?? null,
});

export interface WatchHooks {
  heartbeat(details: unknown): void;
  /** Resolves when the watch should stop early (activity cancelled or worker shutting down). */
  cancelled: Promise<unknown>;
  /** What to throw when it stops early (the activity's own cancellation error). */
  stopped(): Error;
}

/**
 * Follows one attempt until it ends, writing each change of phase to the job's
 * timeline and heartbeating on every poll. A job that runs past its max runtime
 * (plus a minute of grace for the backend's own deadline) is stopped here.
 */
export async function watchAttempt(ref: JobRef & { attempt: number }, deps: JobStepDeps, hooks: WatchHooks): Promise<AttemptOutcome> {
  const { job, cluster } = await loadJob(ref);
  const backend = await deps.backendFor(cluster);
  const name = backendJobName(job.id, ref.attempt);
  const interval = deps.pollIntervalMs ?? 1000;
  let stop = false;
  void hooks.cancelled.then(() => (stop = true));
  let last: string | null = null;
  let environmentShown = false;
  let shownSinceSubmit = false;
  let missing = 0;
  for (;;) {
    const s = await backend.status(name);
    // The environment's end is a moment between two polls (a cache hit takes milliseconds), so it is read from what the backend kept.
    if (s?.environment?.state === 'ready' && !environmentShown) {
      await recordStep(ref, ENVIRONMENT_REASONS.ready, s.environment.message);
      environmentShown = true;
    }
    if (!s) {
      // A job that vanished (deleted by hand, TTL'd before we looked) cannot report an end state.
      if (++missing >= 5) {
        return { phase: 'failed', reason: 'Lost', message: `The backend job ${name} no longer exists`, exitCode: null, usage: null, startedAt: null, finishedAt: new Date().toISOString() };
      }
    } else {
      missing = 0;
      const key = `${s.phase}|${s.reason}|${s.message}`;
      // Submit already recorded `pending`: a backend that still says `queued`, or (before anything else
      // was shown) `pending` with nothing to add, as a pod that is created and not yet running, adds
      // nothing to the timeline.
      const nothingNew = s.phase === 'queued' || (s.phase === 'pending' && !s.reason && !s.message && !shownSinceSubmit);
      if (key !== last && !TERMINAL_PHASES.has(s.phase) && !nothingNew) {
        await recordStatus(ref, ref.attempt, s.phase, s.reason, s.message, s.startedAt ? { startedAt: s.startedAt } : {});
        shownSinceSubmit = true;
      }
      last = key;
      if (TERMINAL_PHASES.has(s.phase)) return toOutcome(s);
      const runningFor = s.startedAt ? (Date.now() - s.startedAt.getTime()) / 1000 : 0;
      if (runningFor > job.spec.maxRuntimeSeconds + 60) {
        await stopAttempt(ref, deps);
        return { ...toOutcome(s), phase: 'failed', reason: 'DeadlineExceeded', message: `Stopped after exceeding the max runtime of ${job.spec.maxRuntimeSeconds}s`, finishedAt: new Date().toISOString() };
      }
    }
    hooks.heartbeat({ phase: s?.phase ?? 'missing' });
    if (stop) throw hooks.stopped();
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Stops the attempt's backend job (cancelling an ended or missing job is fine). */
export async function cancelAttempt(ref: JobRef & { attempt: number }, deps: JobStepDeps): Promise<void> {
  await stopAttempt(ref, deps);
}

/**
 * Keeps the attempt's log, then deletes its backend job: deleting it first would take its pods,
 * and their log, with it. Collecting again once it is gone keeps what was kept here.
 */
async function stopAttempt(ref: JobRef & { attempt: number }, deps: JobStepDeps): Promise<void> {
  await keepLogs(ref, deps);
  const { job, cluster } = await loadJob(ref);
  await (await deps.backendFor(cluster)).cancel(backendJobName(job.id, ref.attempt));
}

/** Marks a failed attempt that will be retried, so the timeline shows why (with the lines of its log that say so), and keeps its log. */
export async function recordAttemptFailure(ref: JobRef & { attempt: number }, outcome: AttemptOutcome, deps: JobStepDeps): Promise<void> {
  const { tail } = await keepLogs(ref, deps);
  await recordRetry(ref, outcome.reason, `${outcome.message ?? 'Attempt failed'}; retrying`, failureExcerpt(tail));
}

/**
 * An attempt failed and another follows. The timeline records that attempt as failed, while the job
 * itself goes back to `pending`: it is not over, so nothing that reads its status (a follower, the
 * jobs list, a parent workflow) may take it for ended in the moment before the next attempt is
 * submitted. Repeated (a retried activity), it writes the event once.
 */
async function recordRetry(ref: JobRef & { attempt: number }, reason: string | null, message: string, detail: string | null) {
  await withTenant(jobSystem(ref), async (tx) => {
    const job = await findJob(tx, ref, ref.jobId, { forUpdate: true });
    if (TERMINAL_STATUSES.has(job.status) || job.attempt > ref.attempt) return;
    const [logged] = await tx
      .select({ id: trainingJobEvents.id })
      .from(trainingJobEvents)
      .where(and(eq(trainingJobEvents.jobId, job.id), eq(trainingJobEvents.attempt, ref.attempt), eq(trainingJobEvents.status, 'failed')))
      .limit(1);
    if (!logged) {
      await tx.insert(trainingJobEvents).values({ id: newId('jobEvent'), orgId: ref.orgId, jobId: job.id, attempt: ref.attempt, status: 'failed', reason, message, detail });
    }
    await tx.update(trainingJobs).set({ status: 'pending', reason, message, attempt: ref.attempt }).where(eq(trainingJobs.id, job.id));
  });
}

/**
 * Keeps the attempt's log as a run artifact (`gantry/logs/attempt-<n>.log`), so it outlives
 * the backend job, then lets the backend free what the ended attempt still holds there.
 * Where the log could not be kept (the run was deleted), the backend keeps it.
 */
export async function collectLogs(ref: JobRef & { attempt: number }, deps: JobStepDeps): Promise<{ bytes: number; path: string | null }> {
  const { bytes, path } = await keepLogs(ref, deps);
  return { bytes, path };
}

/** Reads of a log that fail are tried this many times in all, waiting 1, 2, 4… poll intervals between. */
const LOG_READ_TRIES = 4;

/**
 * The whole log the backend still has for an attempt (empty once it is gone). A read that keeps
 * failing (a node's kubelet unreachable, say) ends the collection: `problem` says why, and `text`
 * holds what was read before.
 */
async function readBackendLog(backend: ComputeBackend, name: string, ref: JobRef & { attempt: number }, deps: Pick<JobStepDeps, 'pollIntervalMs'>): Promise<{ text: string; problem: string | null }> {
  const parts: string[] = [];
  let offset = 0;
  for (let i = 0; i < 100_000; i++) {
    let chunk: Awaited<ReturnType<ComputeBackend['logs']>> | null = null;
    for (let tries = 1; ; tries++) {
      try {
        chunk = await backend.logs(name, offset);
        break;
      } catch (e) {
        if (tries >= LOG_READ_TRIES) {
          log.warn('reading the job log from the backend kept failing; keeping what was read', { jobId: ref.jobId, attempt: ref.attempt, bytesRead: offset, err: e });
          return { text: parts.join(''), problem: isAppError(e) ? e.message : 'the backend could not be read' };
        }
        await new Promise((r) => setTimeout(r, (deps.pollIntervalMs ?? 1000) * 2 ** (tries - 1)));
      }
    }
    if (!chunk.text || chunk.nextOffset === offset) break;
    parts.push(chunk.text);
    offset = chunk.nextOffset;
  }
  return { text: parts.join(''), problem: null };
}

/** The line a kept log ends with when it could not be read whole, so the file says so wherever it is read. */
const notCollectedLine = (problem: string) => `[gantry] This log could not be collected from the cluster: ${problem}\n`;

/** {@link collectLogs}, also giving the end of the log (for a failure's excerpt). */
async function keepLogs(ref: JobRef & { attempt: number }, deps: JobStepDeps): Promise<{ bytes: number; path: string | null; tail: string }> {
  const { job, cluster } = await loadJob(ref);
  if (!job.runId) return { bytes: 0, path: null, tail: '' };
  const backend = await deps.backendFor(cluster);
  const name = backendJobName(job.id, ref.attempt);
  const path = `gantry/logs/attempt-${ref.attempt}.log`;
  // An earlier try of this step (or a stop that kept the log first) kept it: once the backend job is gone, the kept log is the whole log, not the nothing the backend has left.
  const keptBefore = job.logArtifactPath === path;
  if (keptBefore && !(await backend.status(name))) {
    const kept = await keptLogTail(job, cluster, ref.attempt, deps);
    return { bytes: kept.bytes, path, tail: kept.tail };
  }
  const read = await readBackendLog(backend, name, ref, deps);
  if (keptBefore) {
    // A log only grows: a read that got less than was kept (the pods going with a deleted Job) keeps the earlier one.
    const kept = await keptLogTail(job, cluster, ref.attempt, deps);
    if (read.problem || Buffer.byteLength(read.text) < kept.bytes) {
      if (!read.problem) await backend.release(name);
      return { bytes: kept.bytes, path, tail: kept.tail };
    }
  }
  let text = read.text;
  if (read.problem) {
    text += `${text && !text.endsWith('\n') ? '\n' : ''}${notCollectedLine(read.problem)}`;
    await recordStep(ref, LOG_REASONS.notCollected, `The log could not be collected from the cluster: ${read.problem}`);
  }
  const ctx = await jobContext(ref.orgId, job.createdBy, job.id);
  const kept = await uploadArtifact(ctx, { runId: job.runId, path, body: Readable.from([Buffer.from(text)]), contentType: 'text/plain; charset=utf-8' }, { store: deps.artifactStore }).then(
    () => true,
    (e: unknown) => {
      // A run deleted meanwhile takes no artifacts; the log stays readable from the backend while it exists.
      if (!(isAppError(e) && e.code === 'BAD_USER_INPUT')) throw e;
      return false;
    },
  );
  await withTenant(jobSystem(ref), (tx) => tx.update(trainingJobs).set({ logArtifactPath: path }).where(eq(trainingJobs.id, job.id)));
  // A log that could not be read whole stays with the backend while it lasts.
  if (kept && !read.problem) await backend.release(name);
  return { bytes: Buffer.byteLength(text), path, tail: text.slice(-EXCERPT_LOG_TAIL_BYTES) };
}

/**
 * The end of an attempt's log once it has been collected: from its run artifact, else from the
 * backend (which keeps it when the run could not take it). Read by the job's own steps, so the
 * store is read directly rather than as the submitter, who may be gone.
 */
async function keptLogTail(job: JobView, cluster: Cluster, attempt: number, deps: JobStepDeps): Promise<{ tail: string; bytes: number }> {
  if (job.runId) {
    const store = storeOf({ store: deps.artifactStore });
    const key = runArtifactKey(job.orgId, job.runId, `gantry/logs/attempt-${attempt}.log`);
    const info = await store.head(key);
    if (info) {
      const offset = Math.max(0, info.size - EXCERPT_LOG_TAIL_BYTES);
      const found = await store.get(key, { range: { offset, length: info.size - offset } });
      if (found) {
        const chunks: Buffer[] = [];
        for await (const c of found.body) chunks.push(Buffer.from(c as Buffer));
        return { tail: Buffer.concat(chunks).toString('utf8'), bytes: info.size };
      }
    }
  }
  const { text } = await readBackendLog(await deps.backendFor(cluster), backendJobName(job.id, attempt), { jobId: job.id, orgId: job.orgId, attempt }, deps);
  return { tail: text.slice(-EXCERPT_LOG_TAIL_BYTES), bytes: Buffer.byteLength(text) };
}

export interface FinalResult {
  status: JobStatus;
  reason: string | null;
  costMicros: number;
  modelVersionId: string | null;
  runId: string | null;
}

const RUN_STATUS_FOR: Record<'succeeded' | 'failed' | 'cancelled', 'FINISHED' | 'FAILED' | 'KILLED'> = {
  succeeded: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
};

/**
 * Ends the job: measured usage and cost, the model version (when asked and the
 * job succeeded), the run's end state, the attempt key revoked, and the final
 * status. A second call returns what the first recorded.
 */
export async function finalizeJob(ref: JobRef & { attempt: number; outcome: AttemptOutcome }, deps: JobStepDeps): Promise<FinalResult> {
  const { job, cluster } = await loadJob(ref);
  // First, so a failure here is retried before anything else is done; also when an earlier try finished the rest.
  if (job.runApiKeyId) await revokeAttemptKey(ref, job.runApiKeyId);
  if (TERMINAL_STATUSES.has(job.status) && job.finishedAt) {
    return { status: job.status, reason: job.reason, costMicros: job.costMicros ?? 0, modelVersionId: job.modelVersionId, runId: job.runId };
  }
  const outcome = ref.outcome;
  const final = (TERMINAL_PHASES.has(outcome.phase) ? outcome.phase : 'failed') as 'succeeded' | 'failed' | 'cancelled';
  let status: JobStatus = final;
  let reason = outcome.reason;
  let message = outcome.message;

  const prices = await withTenant(jobSystem(ref), (tx) => loadPrices(tx, cluster));
  // A job cancelled mid-run has no final usage from the backend: it ran from its recorded start until now.
  const startedAt = outcome.startedAt ? Date.parse(outcome.startedAt) : (job.startedAt?.getTime() ?? null);
  const endedAt = outcome.finishedAt ? Date.parse(outcome.finishedAt) : Date.now();
  const runtime = outcome.usage?.runtimeSeconds ?? (startedAt !== null ? Math.max(0, (endedAt - startedAt) / 1000) : 0);
  const costMicros = jobCostMicros(runtime, resourcesOf(job), prices);

  const ctx = await submitterContext(job);

  let modelVersionId = job.modelVersionId;
  if (status === 'succeeded' && job.spec.registerModel && job.runId && ctx && !modelVersionId) {
    try {
      modelVersionId = await registerJobModel(ctx, job);
    } catch (e) {
      status = 'failed';
      reason = 'ModelRegistrationFailed';
      message = isAppError(e) ? e.message : 'The model version could not be registered';
      log.warn('model registration after job failed', { jobId: job.id, err: (e as Error).message });
    }
  }

  if (job.runId && ctx) {
    await updateRun(ctx, { runId: job.runId, status: RUN_STATUS_FOR[status as 'succeeded' | 'failed' | 'cancelled'], endTime: outcome.finishedAt ? Date.parse(outcome.finishedAt) : Date.now() }).catch((e) => {
      if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
    });
  }

  // Why the attempt failed, in its own words: what its log ended with (not for a failure after it ran, e.g. registering its model).
  const detail = outcome.phase === 'failed' ? failureExcerpt((await keptLogTail(job, cluster, ref.attempt, deps)).tail) : null;
  await recordStatus(ref, ref.attempt, status, reason, message ?? (status === 'succeeded' ? 'Completed' : null), {
    finishedAt: outcome.finishedAt ? new Date(outcome.finishedAt) : new Date(),
    startedAt: job.startedAt ?? (outcome.startedAt ? new Date(outcome.startedAt) : null),
    runtimeSeconds: runtime,
    cpuSeconds: outcome.usage?.cpuSeconds ?? null,
    peakMemoryMib: outcome.usage?.peakMemoryMiB ?? null,
    costMicros,
    modelVersionId,
  }, detail);
  return { status, reason, costMicros, modelVersionId, runId: job.runId };
}

/** Where the job's workflow was when a step failed, as the workflow names its stages. */
const STAGE_FAILURE: Record<string, { reason: string; words: string }> = {
  preparing: { reason: 'PreparationFailed', words: 'Preparing the job failed' },
  submitting: { reason: 'SubmitFailed', words: 'Submitting the job to the cluster failed' },
  watching: { reason: 'WatchFailed', words: 'Following the job on the cluster failed' },
  'collecting-logs': { reason: 'LogCollectionFailed', words: "Keeping the job's log failed" },
  finalizing: { reason: 'FinalizationFailed', words: 'Finishing the job failed' },
};

/**
 * Ends a job whose workflow could not go on: a step failed for good (refused by the cluster, say)
 * or the workflow was cancelled outside a step that handles it. Nothing of the job may stay behind:
 * the attempt's backend job is deleted (its log kept first), the attempt's key revoked, the run
 * ended, and the job ends `failed` (or `cancelled`) with what went wrong in words. Repeated, it
 * returns what the first call recorded.
 */
export async function endFailedJob(
  ref: JobRef & { attempt: number; stage: string; error: string; cancelled: boolean },
  deps: JobStepDeps,
): Promise<FinalResult | null> {
  const loaded = await tryLoadJob(ref);
  if (!loaded) return null;
  const { job, cluster } = loaded;
  if (job.runApiKeyId) await revokeAttemptKey(ref, job.runApiKeyId);
  if (TERMINAL_STATUSES.has(job.status) && job.finishedAt) {
    return { status: job.status, reason: job.reason, costMicros: job.costMicros ?? 0, modelVersionId: job.modelVersionId, runId: job.runId };
  }
  const attempt = Math.max(ref.attempt, job.attempt);
  const stage = STAGE_FAILURE[ref.stage] ?? { reason: 'Failed', words: 'The job failed' };
  const problems: string[] = [];
  if (job.backendName && attempt >= 1) {
    const name = backendJobName(job.id, attempt);
    try {
      await stopAttempt({ ...ref, attempt }, deps);
    } catch (e) {
      // Said on the job rather than retried: the cause (a permission lost, say) is often the same one.
      problems.push(`the backend job ${name} could not be deleted (${isAppError(e) ? e.message : String(e)}); delete it on the cluster`);
      log.warn('deleting the backend job of a failed job failed', { jobId: job.id, attempt, name, err: e });
    }
  }

  const prices = await withTenant(jobSystem(ref), (tx) => loadPrices(tx, cluster));
  const runtime = job.startedAt ? Math.max(0, (Date.now() - job.startedAt.getTime()) / 1000) : 0;
  const costMicros = jobCostMicros(runtime, resourcesOf(job), prices);

  const status: JobStatus = ref.cancelled ? 'cancelled' : 'failed';
  const ctx = await submitterContext(job);
  if (job.runId && ctx) {
    await updateRun(ctx, { runId: job.runId, status: RUN_STATUS_FOR[status as 'failed' | 'cancelled'], endTime: Date.now() }).catch((e) => {
      if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
    });
  }
  const reason = ref.cancelled ? 'Cancelled' : stage.reason;
  const message = ref.cancelled ? 'Cancelled by request' : `${stage.words}: ${ref.error}${problems.length ? `. Also, ${problems.join('; ')}` : ''}`;
  await recordStatus(ref, attempt, status, reason, message, { finishedAt: new Date(), runtimeSeconds: runtime, costMicros });
  return { status, reason, costMicros, modelVersionId: job.modelVersionId, runId: job.runId };
}

/** Registers `runs:/<run>/<artifactPath>` under the job's model name, creating the model in the job's project if needed. */
async function registerJobModel(ctx: TenantContext, job: JobView): Promise<string> {
  const reg = job.spec.registerModel!;
  try {
    await createRegisteredModel(ctx, { name: reg.name, projectId: job.projectId });
  } catch (e) {
    if (!(isAppError(e) && e.code === 'CONFLICT')) throw e;
  }
  const version = await createModelVersion(ctx, {
    model: { name: reg.name },
    source: `runs:/${job.runId}/${reg.artifactPath}`,
    runId: job.runId,
    description: `Trained by job ${job.id}`,
    tags: [{ key: JOB_ID_TAG, value: job.id }],
  });
  return version.id;
}

/** Counts used by the job list: how many attempts were made, from the timeline. */
export async function attemptsMade(orgId: string, jobId: string): Promise<number> {
  const [r] = await withTenant(systemContext(orgId, 'training-job', jobId), (tx) =>
    tx.select({ n: sql<number>`coalesce(max(${trainingJobEvents.attempt}), 0)::int` }).from(trainingJobEvents).where(eq(trainingJobEvents.jobId, jobId)),
  );
  return r?.n ?? 0;
}
