import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ArtifactStore } from '../../core/artifacts/artifact-store';
import type { Cluster } from '../../db/schema';
import type { ComputeBackend } from '../../core/compute/compute-backend';
import { backendForCluster } from '../../core/compute/backend-for-cluster';
import { isAppError } from '../../core/errors';
import {
  cancelAttempt,
  collectLogs,
  endFailedJob,
  finalizeJob,
  prepareJob,
  recordAttemptFailure,
  submitAttempt,
  watchAttempt,
  type AttemptOutcome,
  type JobRef,
  type JobStepDeps,
} from '../../core/training/job-steps';
import { judgeEvaluation } from '../../core/evaluation/judge-evaluation';
import type { RetrainingWorkflowInput } from '../../core/retraining/retraining-schedule';
import { findOrCreateRetrainingEvaluation, promoteRetrainedVersion, startRetrainingJob } from '../../core/retraining/retraining-steps';

export interface TrainingActivityDeps {
  /** Default: the backend each cluster's kind and stored config select. */
  backendFor?: (cluster: Cluster) => Promise<ComputeBackend>;
  artifactStore?: ArtifactStore;
  pollIntervalMs?: number;
}

/** Input mistakes and refusals do not get better with retries; outages do. (Shared by every activity factory.) */
const PERMANENT = new Set(['BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'BUDGET_EXCEEDED', 'PLAN_LIMIT_EXCEEDED']);

export async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isAppError(e)) {
      throw ApplicationFailure.create({ type: `AppError:${e.code}`, message: e.message, nonRetryable: PERMANENT.has(e.code) });
    }
    throw e;
  }
}

export function createTrainingActivities(deps: TrainingActivityDeps = {}) {
  const stepDeps: JobStepDeps = {
    backendFor: deps.backendFor ?? backendForCluster,
    artifactStore: deps.artifactStore,
    pollIntervalMs: deps.pollIntervalMs,
  };
  return {
    prepareJob: (ref: JobRef) => mapped(() => prepareJob(ref, stepDeps)),
    submitAttempt: (ref: JobRef & { attempt: number }) => mapped(() => submitAttempt(ref, stepDeps)),
    /** Heartbeats on every poll; after a worker crash the retry on another worker simply resumes watching. */
    watchAttempt: (ref: JobRef & { attempt: number }) =>
      mapped(() => {
        const ctx = Context.current();
        let reason: unknown = null;
        const cancelled = ctx.cancelled.catch((e: unknown) => (reason = e));
        return watchAttempt(ref, stepDeps, {
          heartbeat: (d) => ctx.heartbeat(d),
          cancelled,
          // Rethrowing the SDK's CancelledFailure reports the activity cancelled, not failed.
          stopped: () => (reason instanceof Error ? reason : new Error('watch stopped')),
        });
      }),
    cancelAttempt: (ref: JobRef & { attempt: number }) => mapped(() => cancelAttempt(ref, stepDeps)),
    recordAttemptFailure: (ref: JobRef & { attempt: number; outcome: AttemptOutcome }) => mapped(() => recordAttemptFailure(ref, ref.outcome, stepDeps)),
    collectLogs: (ref: JobRef & { attempt: number }) => mapped(() => collectLogs(ref, stepDeps)),
    finalizeJob: (ref: JobRef & { attempt: number; outcome: AttemptOutcome }) => mapped(() => finalizeJob(ref, stepDeps)),
    endFailedJob: (ref: JobRef & { attempt: number; stage: string; error: string; cancelled: boolean }) => mapped(() => endFailedJob(ref, stepDeps)),
    judgeEvaluation: (ref: { evaluationId: string; orgId: string; jobStatus: string; jobReason: string | null }) =>
      mapped(async () => {
        const e = await judgeEvaluation(ref);
        return e ? { status: e.status, message: e.message } : { status: 'error', message: 'The evaluation was never recorded: the request that started it failed' };
      }),
    startRetrainingJob: (input: RetrainingWorkflowInput & { firingId: string }) => mapped(() => startRetrainingJob(input)),
    findOrCreateRetrainingEvaluation: (input: { orgId: string; policyId: string; modelVersionId: string }) => mapped(() => findOrCreateRetrainingEvaluation(input)),
    promoteRetrainedVersion: (input: { orgId: string; policyId: string; modelVersionId: string }) => mapped(() => promoteRetrainedVersion(input)),
  };
}
