import { eq } from 'drizzle-orm';
import { evaluationPolicies, retrainingPolicies, type RetrainingPolicy } from '../../db/schema';
import { jobSpecSchema } from '../../rules/job-spec';
import { AppError } from '../errors';
import { newId } from '../ids';
import { recordThenStart } from '../orchestration/record-then-start';
import { findModel } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { syncScheduleCall } from './retraining-schedule';
import { createRetrainingPolicyInput } from './retraining.schemas';

/**
 * Creates the policy and its schedule as one unit: the schedule is created inside the
 * transaction (before the audit event), so a policy never exists without its schedule, and a
 * cron Temporal cannot read refuses the policy.
 */
export async function createRetrainingPolicy(ctx: TenantContext, input: unknown): Promise<RetrainingPolicy> {
  assertCan(ctx, 'retraining:manage');
  const data = parseInput(createRetrainingPolicyInput, input);
  const id = newId('retrainingPolicy');
  return recordThenStart(ctx, {
    async record(tx) {
      const model = await findModel(tx, ctx, data.model);
      if (data.evaluate) {
        const [p] = await tx.select({ id: evaluationPolicies.id }).from(evaluationPolicies).where(eq(evaluationPolicies.modelId, model.id));
        if (!p) throw new AppError('BAD_USER_INPUT', `'${model.name}' has no evaluation policy; set one, or turn evaluation off for this policy`, { fields: [{ path: 'evaluate', message: 'No evaluation policy' }] });
      }
      const jobTemplate = { ...data.jobTemplate, project: data.jobTemplate.project ?? model.projectId, registerModel: { name: model.name, artifactPath: data.artifactPath } };
      // Validate the template as a job now, so a broken one fails here and not at 3 a.m.
      parseInput(jobSpecSchema, jobTemplate);
      const [row] = await tx
        .insert(retrainingPolicies)
        .values({ id, orgId: ctx.orgId, modelId: model.id, name: data.name, jobTemplate, cron: data.cron, timezone: data.timezone, evaluate: data.evaluate, autoPromote: data.autoPromote, createdBy: ctx.actor.userId })
        .returning();
      return {
        row: row!,
        call: syncScheduleCall(row!, { modelName: model.name, note: `created by ${ctx.actor.email}` }),
        audits: [{ action: 'retraining_policy.create', targetType: 'registered_model', targetId: model.id, data: { policyId: id, cron: data.cron, evaluate: data.evaluate, autoPromote: data.autoPromote } }],
      };
    },
  });
}
