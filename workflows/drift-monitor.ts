import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../workers/activities';

/** Keep equal to WEBHOOK_MAX_ATTEMPTS in workers/activities/monitoring.ts (the last attempt records the failure). */
const WEBHOOK_ATTEMPTS = 6;

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['AppError:FORBIDDEN', 'AppError:BAD_USER_INPUT', 'AppError:NOT_FOUND', 'AppError:CONFLICT'] },
});

const webhooks = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: WEBHOOK_ATTEMPTS },
});

export interface DriftMonitorInput {
  orgId: string;
  deploymentId: string;
  /**
   * The end of the window to look at (ISO); a scheduled firing or a "Check now" takes its own start
   * time, to the second, so a check just after a firing still sees the requests since.
   */
  windowEnd?: string;
}

export interface DriftMonitorOutcome {
  windowEnd: string;
  skipped: string | null;
  versions: number;
  notified: { alertId: string; deliveries: number; retrainingWorkflowId: string | null }[];
}

/**
 * One run of a deployment's drift monitor (fired by the schedule `drift-monitor/<deploymentId>`):
 * drift of each serving version over the window against its baseline, then the alert rules; each
 * notifying alert's webhook messages are delivered (retried with back-off, every attempt logged) and
 * its retraining policy, when the rule names one, is started.
 */
export async function driftMonitorWorkflow(input: DriftMonitorInput): Promise<DriftMonitorOutcome> {
  const windowEnd = input.windowEnd ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const w = { orgId: input.orgId, deploymentId: input.deploymentId, windowEnd };
  const drift = await steps.computeDrift(w);
  if (drift.skipped) {
    await steps.removeDriftMonitorSchedule({ deploymentId: input.deploymentId });
    return { windowEnd, skipped: drift.skipped, versions: 0, notified: [] };
  }
  const dispatches = await steps.evaluateAlertRules(w);
  const notified: DriftMonitorOutcome['notified'] = [];
  for (const d of dispatches) {
    // A message that could not be sent is in the delivery log as failed; it does not hold up the rest.
    await Promise.all(d.deliveryIds.map((deliveryId) => webhooks.deliverWebhook({ orgId: input.orgId, deliveryId }).catch(() => 'failed' as const)));
    const retraining = d.retrainingPolicyId ? await steps.retrainOnAlert({ orgId: input.orgId, alertId: d.alertId, policyId: d.retrainingPolicyId, notification: d.notification }) : null;
    notified.push({ alertId: d.alertId, deliveries: d.deliveryIds.length, retrainingWorkflowId: retraining?.workflowId ?? null });
  }
  return { windowEnd, skipped: null, versions: drift.results.length, notified };
}
