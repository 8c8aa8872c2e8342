import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { evaluationPolicies, evaluations, type Evaluation } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { startWorkflow } from '../orchestration/temporal';
import { findVersionById } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { submitTrainingJob } from '../training/submit-training-job';
import { idSchema, parseInput } from '../validation';

export const evaluationWorkflowId = (evaluationId: string) => `evaluation/${evaluationId}`;

export const startEvaluationInput = z.object({ modelVersionId: idSchema('Model version ID') });

/**
 * Records an evaluation of a version under its model's policy and submits the
 * evaluation job (not yet started: the evaluation workflow runs it as its child).
 * The job gets the version to evaluate as `GANTRY_MODEL_URI` (`models:/<name>/<n>`).
 */
export async function createEvaluation(ctx: TenantContext, input: unknown): Promise<Evaluation> {
  assertCan(ctx, 'evaluation:write');
  const data = parseInput(startEvaluationInput, input);
  const { model, version, policy } = await withTenant(ctx, async (tx) => {
    const found = await findVersionById(tx, ctx, data.modelVersionId);
    const [p] = await tx.select().from(evaluationPolicies).where(eq(evaluationPolicies.modelId, found.model.id));
    return { ...found, policy: p ?? null };
  });
  if (!policy) {
    throw new AppError('BAD_USER_INPUT', `'${model.name}' has no evaluation policy: set its checks and evaluation job first`, { fields: [{ path: 'modelVersionId', message: 'No evaluation policy' }] });
  }
  const id = newId('evaluation');
  const job = await submitTrainingJob(
    ctx,
    { ...policy.jobTemplate, name: `evaluate ${model.name} v${version.version}`.slice(0, 200), registerModel: null },
    {
      kind: 'evaluation',
      startWorkflow: false,
      systemEnv: {
        GANTRY_MODEL_URI: `models:/${model.name}/${version.version}`,
        GANTRY_MODEL_NAME: model.name,
        GANTRY_MODEL_VERSION: String(version.version),
        GANTRY_MODEL_VERSION_ID: version.id,
        GANTRY_EVALUATION_ID: id,
      },
    },
  );
  return withTenant(ctx, async (tx) => {
    const [row] = await tx
      .insert(evaluations)
      .values({ id, orgId: ctx.orgId, modelVersionId: version.id, policyId: policy.id, jobId: job.id, status: 'running', checks: policy.checks, createdBy: ctx.actor.userId })
      .returning();
    await recordAudit(tx, ctx, { action: 'evaluation.start', targetType: 'model_version', targetId: version.id, data: { evaluationId: id, jobId: job.id, checks: policy.checks } });
    return row!;
  });
}

/** Starts an evaluation (`evaluation/<id>` workflow: the job, then the checks). */
export async function startEvaluation(ctx: TenantContext, input: unknown): Promise<Evaluation> {
  const evaluation = await createEvaluation(ctx, input);
  await startWorkflow('evaluationWorkflow', evaluationWorkflowId(evaluation.id), [{ evaluationId: evaluation.id, orgId: ctx.orgId, jobId: evaluation.jobId }], {
    staticSummary: `Evaluation of ${evaluation.modelVersionId}`,
  });
  return evaluation;
}

export async function listEvaluations(ctx: TenantContext, modelVersionId: string): Promise<Evaluation[]> {
  assertCan(ctx, 'model:read');
  return withTenant(ctx, async (tx) => {
    const { version } = await findVersionById(tx, ctx, modelVersionId);
    return tx.select().from(evaluations).where(and(eq(evaluations.orgId, ctx.orgId), eq(evaluations.modelVersionId, version.id))).orderBy(desc(evaluations.createdAt), desc(evaluations.id));
  });
}

export async function getEvaluation(ctx: TenantContext, id: string): Promise<Evaluation> {
  assertCan(ctx, 'model:read');
  return withTenant(ctx, async (tx) => {
    const [e] = await tx.select().from(evaluations).where(and(eq(evaluations.orgId, ctx.orgId), eq(evaluations.id, id)));
    if (!e) throw new AppError('NOT_FOUND', `Evaluation '${id.slice(0, 64)}' not found`);
    return e;
  });
}
