import { ApplicationFailure, Context } from '@temporalio/activity';
import { isAppError } from '../../core/errors';
import {
  analyseRolloutStep,
  awaitStepTraffic,
  finishRollout,
  prepareRollout,
  provisionRolloutVersion,
  recordRolloutState,
  setRolloutStep,
  type RolloutRef,
  type RolloutStepDeps,
} from '../../core/serving/rollout-steps';
import { PolicyError } from '../../rules/serving/routing';

export type RolloutActivityDeps = RolloutStepDeps;

/** Refusals and broken policies do not get better with retries; outages do. */
const PERMANENT = new Set(['BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT']);

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isAppError(e)) throw ApplicationFailure.create({ type: `AppError:${e.code}`, message: e.message, nonRetryable: PERMANENT.has(e.code) });
    if (e instanceof PolicyError) throw ApplicationFailure.create({ type: 'PolicyError', message: e.message, nonRetryable: true });
    throw e;
  }
}

export function createRolloutActivities(deps: RolloutActivityDeps = {}) {
  return {
    prepareRollout: (ref: RolloutRef & { workflowId: string }) => mapped(() => prepareRollout(ref)),
    provisionRolloutVersion: (ref: RolloutRef) => mapped(() => provisionRolloutVersion(ref, deps)),
    setRolloutStep: (ref: RolloutRef & { step: number }) => mapped(() => setRolloutStep(ref)),
    recordRolloutState: (ref: Parameters<typeof recordRolloutState>[0]) => mapped(() => recordRolloutState(ref)),
    /** Heartbeats on every poll; lost with its worker, it is started again and counts from the step's start. */
    awaitStepTraffic: (ref: Parameters<typeof awaitStepTraffic>[0]) =>
      mapped(() => {
        const ctx = Context.current();
        return awaitStepTraffic(ref, deps, { heartbeat: (d) => ctx.heartbeat(d), signal: ctx.cancellationSignal });
      }),
    analyseRolloutStep: (ref: Parameters<typeof analyseRolloutStep>[0]) => mapped(() => analyseRolloutStep(ref)),
    finishRollout: (ref: Parameters<typeof finishRollout>[0]) => mapped(() => finishRollout(ref)),
  };
}
