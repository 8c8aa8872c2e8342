import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

type JobRef = Parameters<Activities['prepareJob']>[0];
type AttemptOutcome = Parameters<Activities['finalizeJob']>[0]['outcome'];
export type FinalResult = Awaited<ReturnType<Activities['finalizeJob']>>;

/** Stops the job: the backend job is deleted and the job ends `cancelled`. The name is a literal type, so core's typed reference must match it. */
export const cancelJobSignal = defineSignal<[{ reason?: string }?], 'cancel'>('cancel');

export interface TrainingJobProgress {
  stage: 'preparing' | 'submitting' | 'watching' | 'collecting-logs' | 'finalizing' | 'done';
  attempt: number;
  maxAttempts: number;
  phase: string | null;
  reason: string | null;
  cancelRequested: boolean;
  result: FinalResult | null;
}

/** What the UI and CLI read while the job runs. */
export const jobProgressQuery = defineQuery<TrainingJobProgress>('progress');

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20, nonRetryableErrorTypes: ['AppError:FORBIDDEN', 'AppError:BAD_USER_INPUT'] },
});

/** Ends a job whose steps failed: retried until it succeeds, since nothing else will end the job. */
const ending = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A training (or evaluation) job from submission to its end state
 * (workflow ID `training-job/<jobId>`): validate and check the budget, create
 * the tracking run, then per attempt submit to the backend and watch it in a
 * heartbeating activity, retrying failed attempts as the spec allows; keep the
 * logs, record usage and cost, register the model version, finish the run.
 * A `cancel` signal (or cancelling the workflow) stops the backend job. A step that fails
 * for good ends the job `failed` with that step's error, its backend job deleted.
 */
export async function trainingJobWorkflow(ref: JobRef): Promise<FinalResult | null> {
  const progress: TrainingJobProgress = { stage: 'preparing', attempt: 0, maxAttempts: 0, phase: 'queued', reason: null, cancelRequested: false, result: null };
  setHandler(jobProgressQuery, () => progress);
  setHandler(cancelJobSignal, () => {
    progress.cancelRequested = true;
  });
  try {
    return await runJob(ref, progress);
  } catch (e) {
    // A step failed for good (refused, or out of retries): the job must still end, with nothing of it left running.
    const error = failureText(e);
    log.warn('a job step failed; ending the job', { jobId: ref.jobId, stage: progress.stage, attempt: progress.attempt, error });
    return CancellationScope.nonCancellable(async () => {
      const result = await ending.endFailedJob({ ...ref, attempt: progress.attempt, stage: progress.stage, error, cancelled: isCancellation(e) });
      progress.stage = 'done';
      progress.phase = result?.status ?? 'failed';
      progress.reason = result?.reason ?? null;
      progress.result = result;
      return result;
    });
  }
}

/** What a failed step said: an activity's own error message rather than Temporal's "Activity task failed". */
function failureText(e: unknown): string {
  let err: unknown = e;
  if (err instanceof ActivityFailure && err.cause) err = err.cause;
  if (err instanceof TimeoutFailure) return 'the step did not finish in time';
  return err instanceof Error && err.message ? err.message : String(err);
}

async function runJob(ref: JobRef, progress: TrainingJobProgress): Promise<FinalResult | null> {
  const prepared = await quick.prepareJob(ref);
  progress.maxAttempts = prepared.maxAttempts;
  if (!prepared.proceed) {
    progress.stage = 'done';
    return null;
  }

  // Watching lasts as long as the job may run; the heartbeat is what proves the watcher alive.
  const watch = proxyActivities<Activities>({
    startToCloseTimeout: `${prepared.maxRuntimeSeconds + 3600} seconds`,
    heartbeatTimeout: '20 seconds',
    // A cancelled watch is awaited until it has stopped, so nothing keeps polling after the job ends.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // No attempt limit: a watcher lost with its worker is simply started again elsewhere.
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
  });

  let outcome: AttemptOutcome | null = null;
  let attempt = Math.max(1, prepared.attempt);
  try {
    for (; attempt <= prepared.maxAttempts; attempt++) {
      progress.attempt = attempt;
      if (progress.cancelRequested) break;
      progress.stage = 'submitting';
      await quick.submitAttempt({ ...ref, attempt });
      progress.stage = 'watching';
      progress.phase = 'pending';
      const scope = new CancellationScope();
      const watching = scope.run(() => watch.watchAttempt({ ...ref, attempt }));
      const finished = await Promise.race([
        watching.then((o) => ({ kind: 'done' as const, o })),
        condition(() => progress.cancelRequested).then(() => ({ kind: 'cancel' as const })),
      ]);
      if (finished.kind === 'cancel') {
        scope.cancel();
        await watching.catch((e) => {
          if (!isCancellation(e)) throw e;
        });
        break;
      }
      outcome = finished.o;
      progress.phase = outcome.phase;
      progress.reason = outcome.reason;
      if (outcome.phase !== 'failed' || attempt >= prepared.maxAttempts) break;
      log.info('attempt failed; retrying', { jobId: ref.jobId, attempt, reason: outcome.reason });
      await quick.recordAttemptFailure({ ...ref, attempt, outcome });
    }
  } catch (e) {
    if (!isCancellation(e)) throw e;
    // The workflow itself was cancelled: treat it as the cancel signal.
    progress.cancelRequested = true;
  }
  attempt = Math.min(attempt, prepared.maxAttempts);

  return CancellationScope.nonCancellable(async () => {
    if (progress.cancelRequested && (!outcome || outcome.phase !== 'succeeded')) {
      await quick.cancelAttempt({ ...ref, attempt });
      outcome = { phase: 'cancelled', reason: 'Cancelled', message: 'Cancelled by request', exitCode: null, usage: outcome?.usage ?? null, startedAt: outcome?.startedAt ?? null, finishedAt: null };
    }
    if (!outcome) throw ApplicationFailure.nonRetryable('the job ended without an outcome');
    progress.stage = 'collecting-logs';
    await quick.collectLogs({ ...ref, attempt });
    progress.stage = 'finalizing';
    const result = await quick.finalizeJob({ ...ref, attempt, outcome });
    progress.stage = 'done';
    progress.phase = result.status;
    progress.reason = result.reason;
    progress.result = result;
    return result;
  });
}
