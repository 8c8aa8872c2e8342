import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../../core/artifacts/artifact-store';
import { computeDrift } from '../../core/monitoring/compute-drift';
import { deliverWebhook } from '../../core/monitoring/deliver-webhook';
import { driftMonitorScheduleId } from '../../core/monitoring/drift-monitor-schedule';
import { evaluateAlertRules } from '../../core/monitoring/evaluate-alert-rules';
import { retrainOnAlert } from '../../core/monitoring/retrain-on-alert';
import { deleteSchedule } from '../../core/orchestration/schedules';
import { systemContext } from '../../core/tenancy/context';
import { mapped } from './training';

/** Attempts a webhook message gets (the workflow's retry policy for `deliverWebhook` allows exactly these). */
export const WEBHOOK_MAX_ATTEMPTS = 6;

export interface MonitoringActivityDeps {
  artifactStore?: ArtifactStore;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

interface DeploymentWindow {
  orgId: string;
  deploymentId: string;
  /** ISO time the window ends at: the run's business key. */
  windowEnd: string;
}

/**
 * The drift monitor's steps, each under the `monitoring` system context and keyed by the deployment
 * and window end (or the delivery's message ID), so a retried step repeats nothing.
 */
export function createMonitoringActivities(deps: MonitoringActivityDeps = {}) {
  const ctxOf = (orgId: string, key: string) => systemContext(orgId, 'monitoring', key);
  return {
    computeDrift: (w: DeploymentWindow) => mapped(() => computeDrift(ctxOf(w.orgId, driftMonitorScheduleId(w.deploymentId)), w, { store: deps.artifactStore })),
    evaluateAlertRules: (w: DeploymentWindow) => mapped(() => evaluateAlertRules(ctxOf(w.orgId, driftMonitorScheduleId(w.deploymentId)), w)),
    /** One attempt per activity attempt; the last one records the message as failed instead of throwing. */
    deliverWebhook: (input: { orgId: string; deliveryId: string }) =>
      mapped(() => deliverWebhook(ctxOf(input.orgId, input.deliveryId), { deliveryId: input.deliveryId, last: Context.current().info.attempt >= WEBHOOK_MAX_ATTEMPTS }, { fetch: deps.fetch })),
    retrainOnAlert: (input: { orgId: string; alertId: string; policyId: string; notification: number }) => mapped(() => retrainOnAlert(ctxOf(input.orgId, input.alertId), input)),
    /** A firing for a deployment with no monitor (deleted, or turned off by a change whose schedule call was lost) removes its schedule. */
    removeDriftMonitorSchedule: (input: { deploymentId: string }) => mapped(() => deleteSchedule(driftMonitorScheduleId(input.deploymentId))),
  };
}
