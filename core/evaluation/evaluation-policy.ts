import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { evaluationPolicies, type EvaluationPolicy } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { jobSpecSchema } from '../../rules/job-spec';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { findModel } from '../registry/access';
import { modelRefSchema } from '../registry/registry.schemas';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { parseChecks } from './checks';

/** An evaluation job is a job spec without model registration; its project defaults to the model's. */
export const evaluationJobTemplateSchema = jobSpecSchema.omit({ registerModel: true }).extend({ project: jobSpecSchema.shape.project.optional() });

export const setEvaluationPolicyInput = z.object({
  model: modelRefSchema,
  checks: z.array(z.string().max(500)).max(50),
  jobTemplate: evaluationJobTemplateSchema,
});

/** Creates or replaces the model's evaluation policy: its checks and the job that computes the metrics. */
export async function setEvaluationPolicy(ctx: TenantContext, input: unknown): Promise<EvaluationPolicy> {
  assertCan(ctx, 'evaluation:write');
  const data = parseInput(setEvaluationPolicyInput, input);
  const checks = parseChecks(data.checks).map((c) => c.text);
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
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

export async function getEvaluationPolicy(ctx: TenantContext, modelId: string): Promise<EvaluationPolicy | null> {
  assertCan(ctx, 'model:read');
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    const model = await findModel(tx, ctx, { modelId });
    const [p] = await tx.select().from(evaluationPolicies).where(eq(evaluationPolicies.modelId, model.id));
    return p ?? null;
  });
}
