import { eq } from 'drizzle-orm';
import { alerts } from '../../db/schema';
import { triggerRetrainingOnSignal } from '../retraining/trigger-retraining';
import type { SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';

/**
 * Runs the rule's retraining policy for one notification of an alert, as the monitoring process:
 * `retraining/<policyId>-alert-<alertId>-<n>`, so a retried step starts one run. The run's
 * workflow ID is kept on the alert.
 */
export async function retrainOnAlert(ctx: SystemContext, input: { alertId: string; policyId: string; notification: number }): Promise<{ workflowId: string }> {
  const started = await triggerRetrainingOnSignal(ctx, {
    policyId: input.policyId,
    suffix: `alert-${input.alertId}-${input.notification}`,
    trigger: 'drift',
    why: { alertId: input.alertId },
  });
  await withTenant(ctx, (tx) => tx.update(alerts).set({ retrainingWorkflowId: started.workflowId }).where(eq(alerts.id, input.alertId)));
  return started;
}
