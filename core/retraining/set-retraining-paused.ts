import { eq } from 'drizzle-orm';
import { registeredModels, retrainingPolicies, type RetrainingPolicy } from '../../db/schema';
import { recordThenStart } from '../orchestration/record-then-start';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findLivePolicy, retrainingScheduleId, syncScheduleCall } from './retraining-schedule';
import { setRetrainingPausedInput } from './retraining.schemas';

/**
 * Pauses or resumes the policy: the row and its schedule as one unit. Asking for the state the
 * policy is already in changes and audits nothing, but still brings the schedule into line, so
 * repeating the request repairs a schedule that fell out of step.
 */
export async function setRetrainingPaused(ctx: TenantContext, input: unknown): Promise<RetrainingPolicy> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(setRetrainingPausedInput, input);
  return recordThenStart(ctx, {
    key: retrainingScheduleId(data.policyId),
    async record(tx) {
      const policy = await findLivePolicy(tx, ctx, data.policyId, { forUpdate: true });
      const [model] = await tx.select({ name: registeredModels.name }).from(registeredModels).where(eq(registeredModels.id, policy.modelId));
      const note = `${data.paused ? 'paused' : 'resumed'} by ${ctx.actor.email}`;
      if (policy.paused === data.paused) return { row: policy, call: syncScheduleCall(policy, { modelName: model?.name, note }), audits: [] };
      const [row] = await tx.update(retrainingPolicies).set({ paused: data.paused, updatedAt: new Date() }).where(eq(retrainingPolicies.id, policy.id)).returning();
      return {
        row: row!,
        call: syncScheduleCall(row!, { modelName: model?.name, note }),
        audits: [{ action: data.paused ? 'retraining_policy.pause' : 'retraining_policy.resume', targetType: 'registered_model', targetId: policy.modelId, data: { policyId: policy.id } }],
      };
    },
  });
}
