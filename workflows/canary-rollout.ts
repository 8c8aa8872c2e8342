import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

type Outcome = Parameters<Activities['finishRollout']>[0]['outcome'];
type Finished = Awaited<ReturnType<Activities['finishRollout']>>;
type StepResult = Awaited<ReturnType<Activities['analyseRolloutStep']>>;

/** Lets the canary take all the traffic at the approval gate (an approval given early is kept). Names are literal types: core's typed references must match them. */
export const approveRolloutSignal = defineSignal<[{ by: string }], 'approve'>('approve');
/** Holds the canary at its weight: no analysis, no next step, until resumed. */
export const pauseRolloutSignal = defineSignal<[{ by: string }], 'pause'>('pause');
export const resumeRolloutSignal = defineSignal<[{ by: string }], 'resume'>('resume');
/** Ends the rollout now, all traffic back on stable. */
export const abortRolloutSignal = defineSignal<[{ by: string; reason?: string | null }], 'abort'>('abort');
/** Ends the current step's wait and passes it without judging it. */
export const skipAnalysisSignal = defineSignal<[{ by: string }], 'skipAnalysis'>('skipAnalysis');

export interface RolloutProgress {
  state: 'provisioning' | 'stepping' | 'analysing' | 'paused' | 'awaiting_approval' | 'promoted' | 'rolled_back' | 'aborted' | 'failed';
  /** Index into the plan's steps; -1 before the first. */
  step: number;
  weight: number;
  stepStartedAt: string | null;
  paused: boolean;
  approvedBy: string | null;
  abortRequestedBy: string | null;
  /** Each judged step's outcome, in order. */
  verdicts: { step: number; outcome: StepResult['outcome']; reason: string | null }[];
  reason: string | null;
}

/** What the UI and tools read while the rollout runs. */
export const rolloutProgressQuery = defineQuery<RolloutProgress>('progress');

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 20, nonRetryableErrorTypes: ['AppError:FORBIDDEN', 'AppError:BAD_USER_INPUT', 'AppError:NOT_FOUND', 'AppError:CONFLICT', 'PolicyError'] },
});

/** Loading a model can take a while (a large ONNX file, a download from S3). */
const provisioning = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** Waiting for a version's model servers on a cluster: heartbeats each poll; a pod that cannot start fails it for good. */
const servingReady = proxyActivities<Activities>({
  startToCloseTimeout: '11 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['ServingStartFailed'] },
});

/** Ending the rollout must happen: retried until it does, since nothing else returns the traffic. */
const ending = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * A canary rollout (workflow ID `rollout/<deploymentId>/<n>`): load the new version as a gateway would
 * (a version that cannot load fails here, before any traffic), then step its weight through the plan;
 * after each step has its minimum requests and duration, compare it with stable over the step's window
 * and go on, or roll back at once. Before 100% the plan may wait for a person's approval; promotion
 * makes the canary stable (and moves the alias the deployment follows). A person can pause, resume,
 * abort or skip an analysis by signal; `progress` tells where it is. Every transition is also written
 * to the rollout's row by the activities, so readers need not ask Temporal.
 */
export async function canaryRolloutWorkflow(input: { rolloutId: string; orgId: string }): Promise<Finished | null> {
  const ref = { rolloutId: input.rolloutId, orgId: input.orgId };
  const progress: RolloutProgress = { state: 'provisioning', step: -1, weight: 0, stepStartedAt: null, paused: false, approvedBy: null, abortRequestedBy: null, verdicts: [], reason: null };
  let abortReason: string | null = null;
  let skipBy: string | null = null;
  setHandler(rolloutProgressQuery, () => progress);
  setHandler(approveRolloutSignal, ({ by }) => {
    progress.approvedBy ??= by;
  });
  setHandler(pauseRolloutSignal, () => {
    progress.paused = true;
  });
  setHandler(resumeRolloutSignal, () => {
    progress.paused = false;
  });
  setHandler(abortRolloutSignal, ({ by, reason }) => {
    progress.abortRequestedBy ??= by;
    abortReason ??= `aborted by ${by}${reason ? `: ${reason}` : ''}`;
  });
  setHandler(skipAnalysisSignal, ({ by }) => {
    skipBy = by;
  });

  const prepared = await quick.prepareRollout({ ...ref, workflowId: workflowInfo().workflowId });
  if (!prepared) return null;
  const { plan } = prepared;
  // Rollouts started before deployments could run on clusters replay without these steps.
  const servingSteps = patched('serving-on-clusters');
  /** Set once the canary has model servers of its own on a cluster: the loser's are removed at the end. */
  let onCluster = false;

  const finish = (outcome: Outcome, reason: string | null) =>
    CancellationScope.nonCancellable(async () => {
      const done = await ending.finishRollout({ ...ref, outcome, reason });
      progress.state = done.state;
      progress.reason = done.reason;
      progress.weight = done.state === 'promoted' ? 100 : 0;
      if (onCluster) {
        // Traffic has left the loser: the old stable after a promotion, the canary otherwise.
        const loser = done.state === 'promoted' ? prepared.fromVersionId : prepared.toVersionId;
        if (loser) await ending.removeServingVersion({ orgId: input.orgId, deploymentId: prepared.deploymentId, versionId: loser });
      }
      return done;
    });

  const aborted = () => progress.abortRequestedBy !== null;

  /** While paused: says so, waits for resume or abort, then goes back to `state`. True when aborted. */
  async function held(state: 'stepping' | 'analysing'): Promise<boolean> {
    if (progress.paused && !aborted()) {
      progress.state = 'paused';
      await quick.recordRolloutState({ ...ref, state: 'paused' });
      await condition(() => !progress.paused || aborted());
      if (!aborted()) {
        progress.state = state;
        await quick.recordRolloutState({ ...ref, state });
      }
    }
    return aborted();
  }

  try {
    const versionRef = { orgId: input.orgId, deploymentId: prepared.deploymentId, versionId: prepared.toVersionId };
    const placed = servingSteps ? await provisioning.provisionServingVersion(versionRef) : null;
    if (placed === null && servingSteps) return await finish('failed', 'the deployment no longer exists');
    if (placed && placed.kind !== 'local') {
      // Its own Deployment and Service on the tenant's cluster, ready before it takes any traffic.
      onCluster = true;
      await servingReady.waitServingVersionReady({ ...versionRef, timeoutSeconds: 600 });
    } else {
      const provisioned = await provisioning.provisionRolloutVersion(ref);
      if (!provisioned.ok) return await finish('failed', `version ${prepared.toVersion} cannot be served: ${provisioned.reason}`);
    }

    for (let i = 0; i < plan.steps.length; i++) {
      const step = plan.steps[i]!;
      if (await held('stepping')) return await finish('aborted', abortReason);

      if (step.weight === 100) {
        if (plan.requireApproval && progress.approvedBy === null) {
          progress.state = 'awaiting_approval';
          await quick.recordRolloutState({ ...ref, state: 'awaiting_approval' });
          await condition(() => progress.approvedBy !== null || aborted());
          if (aborted()) return await finish('aborted', abortReason);
        }
        return await finish('promoted', plan.requireApproval ? `approved by ${progress.approvedBy}` : `every step passed its analysis`);
      }

      const set = await quick.setRolloutStep({ ...ref, step: i });
      Object.assign(progress, { state: 'stepping', step: i, weight: set.weight, stepStartedAt: set.stepStartedAt });
      skipBy = null;

      const waited = await waitForStep(ref, { since: set.stepStartedAt, minRequests: step.minRequests, minDurationSeconds: step.minDurationSeconds, timeoutSeconds: plan.stepTimeoutSeconds }, {
        interrupted: () => aborted() || skipBy !== null || progress.paused,
        held: () => held('stepping'),
        aborted,
        skipped: () => skipBy !== null,
      });
      if (waited.kind === 'aborted') return await finish('aborted', abortReason);
      if (waited.kind !== 'skipped' && (await held('analysing'))) return await finish('aborted', abortReason);

      progress.state = 'analysing';
      const verdict = await quick.analyseRolloutStep({
        ...ref,
        step: i,
        since: set.stepStartedAt,
        skippedBy: waited.kind === 'skipped' ? skipBy : null,
        timedOut: waited.kind === 'done' && !waited.reached ? { canaryRequests: waited.canaryRequests } : null,
      });
      progress.verdicts.push({ step: i, outcome: verdict.outcome, reason: verdict.reason });
      if (!verdict.passed) return await finish('rolled_back', `step ${i + 1} (${step.weight}%) failed its analysis: ${verdict.reason ?? 'no reason given'}`);
      progress.state = 'stepping';
    }
    throw ApplicationFailure.nonRetryable('the plan ended without a 100% step');
  } catch (e) {
    const reason = failureText(e);
    log.warn('a rollout step failed; returning traffic to stable', { rolloutId: input.rolloutId, state: progress.state, error: reason });
    return finish(isCancellation(e) ? 'aborted' : 'failed', isCancellation(e) ? 'the rollout’s workflow was cancelled' : reason);
  }
}

type Waited = { kind: 'done'; reached: boolean; canaryRequests: number } | { kind: 'aborted' } | { kind: 'skipped' };

/**
 * The step's wait (a heartbeating activity) raced against a person: an abort or skip ends it (the
 * activity is cancelled), a pause is sat out without losing the wait's progress.
 */
async function waitForStep(
  ref: { rolloutId: string; orgId: string },
  step: { since: string; minRequests: number; minDurationSeconds: number; timeoutSeconds: number },
  person: { interrupted: () => boolean; held: () => Promise<boolean>; aborted: () => boolean; skipped: () => boolean },
): Promise<Waited> {
  const waiting = proxyActivities<Activities>({
    startToCloseTimeout: `${step.timeoutSeconds + 300} seconds`,
    // The heartbeat is what proves the waiter alive: a worker lost mid-wait is noticed within seconds.
    heartbeatTimeout: '5 seconds',
    retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds' },
  });
  const scope = new CancellationScope();
  const wait = scope.run(() => waiting.awaitStepTraffic({ ...ref, ...step }));
  // A wait cancelled by abort or skip ends with a cancellation, which is expected.
  const stop = async () => {
    scope.cancel();
    await wait.catch((e: unknown) => {
      if (!isCancellation(e)) throw e;
    });
  };
  for (;;) {
    const first = await Promise.race([wait.then((r) => ({ kind: 'done' as const, ...r })), condition(person.interrupted).then(() => ({ kind: 'signal' as const }))]);
    if (first.kind === 'done') return first;
    if (person.aborted()) {
      await stop();
      return { kind: 'aborted' };
    }
    if (person.skipped()) {
      await stop();
      return { kind: 'skipped' };
    }
    if (await person.held()) {
      await stop();
      return { kind: 'aborted' };
    }
  }
}

/** What a failed step said: an activity's own error message rather than Temporal's "Activity task failed". */
function failureText(e: unknown): string {
  let err: unknown = e;
  if (err instanceof ActivityFailure && err.cause) err = err.cause;
  if (err instanceof TimeoutFailure) return 'a rollout step did not finish in time';
  return err instanceof Error && err.message ? err.message : String(err);
}
