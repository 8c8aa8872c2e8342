import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { workflowStart } from '../orchestration/workflows';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findLivePolicy, retrainingScheduleId } from './retraining-schedule';
import { policyIdInput } from './retraining.schemas';

/**
 * Runs the policy now, outside its schedule and whether or not it is paused (also the entry point
 * for retraining on other signals, such as drift). Each call is a new run
 * (`retraining/<policyId>-manual-<time>`), started and audited as one unit.
 */
export async function triggerRetraining(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(policyIdInput, input);
  await recordThenStart(ctx, {
    async record(tx) {
      const policy = await findLivePolicy(tx, ctx, data.policyId);
      const workflowId = `${retrainingScheduleId(policy.id)}-manual-${new Date().toISOString()}`;
      const start = workflowStart('retrainingWorkflow', workflowId, [{ policyId: policy.id, orgId: ctx.orgId, trigger: 'manual' }], { staticSummary: `Retraining ${policy.name} (run now)` });
      return {
        row: undefined,
        call: startCall(start),
        audits: [{ action: 'retraining_policy.trigger', targetType: 'registered_model', targetId: policy.modelId, data: { policyId: policy.id, workflowId } }],
      };
    },
  });
}
