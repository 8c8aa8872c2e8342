import { eq } from 'drizzle-orm';
import { retrainingPolicies } from '../../db/schema';
import { recordThenStart } from '../orchestration/record-then-start';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findLivePolicy, retrainingScheduleId, syncScheduleCall } from './retraining-schedule';
import { policyIdInput } from './retraining.schemas';

/** Deletes the policy (kept as a row for its jobs' history) and its schedule, as one unit. */
export async function deleteRetrainingPolicy(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(policyIdInput, input);
  await recordThenStart(ctx, {
    key: retrainingScheduleId(data.policyId),
    async record(tx) {
      const policy = await findLivePolicy(tx, ctx, data.policyId, { forUpdate: true });
      const [row] = await tx.update(retrainingPolicies).set({ deletedAt: new Date(), paused: true }).where(eq(retrainingPolicies.id, policy.id)).returning();
      return {
        row: undefined,
        call: syncScheduleCall(row!, { note: `deleted by ${ctx.actor.email}` }),
        audits: [{ action: 'retraining_policy.delete', targetType: 'registered_model', targetId: policy.modelId, data: { policyId: policy.id } }],
      };
    },
  });
}
