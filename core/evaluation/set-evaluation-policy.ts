import { evaluationPolicies, type EvaluationPolicy } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { findModel } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { parseChecks } from './checks';
import { setEvaluationPolicyInput } from './evaluation.schemas';

/** Creates or replaces the model's evaluation policy: its checks and the job that computes the metrics. */
export async function setEvaluationPolicy(ctx: TenantContext, input: unknown): Promise<EvaluationPolicy> {
  assertCan(ctx, 'evaluation:write');
  const data = parseInput(setEvaluationPolicyInput, input);
  const checks = parseChecks(data.checks).map((c) => c.text);
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model);
    const jobTemplate = { ...data.jobTemplate, project: data.jobTemplate.project ?? model.projectId };
    const [row] = await tx
      .insert(evaluationPolicies)
      .values({ id: newId('evaluationPolicy'), orgId: ctx.orgId, modelId: model.id, checks, jobTemplate, createdBy: ctx.actor.userId })
      .onConflictDoUpdate({ target: evaluationPolicies.modelId, set: { checks, jobTemplate, updatedAt: new Date() } })
      .returning();
    await recordAudit(tx, ctx, { action: 'evaluation_policy.set', targetType: 'registered_model', targetId: model.id, data: { checks, image: jobTemplate.image, command: jobTemplate.command } });
    return row!;
  });
}
