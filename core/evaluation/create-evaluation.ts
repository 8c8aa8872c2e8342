import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { evaluationPolicies, evaluations, type Evaluation, type EvaluationPolicy, type ModelVersion, type RegisteredModel } from '../../db/schema';
import { AppError } from '../errors';
import type { AuditInput } from '../governance/audit';
import { newId } from '../ids';
import { recordThenStart } from '../orchestration/record-then-start';
import { findVersionById } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import type { JobView } from '../training/access';
import { recordTrainingJob } from '../training/record-training-job';
import { parseInput } from '../validation';
import { evaluationInput } from './evaluation.schemas';

export interface EvaluationTarget {
  model: RegisteredModel;
  version: ModelVersion;
  policy: EvaluationPolicy;
}

/** The version to evaluate and its model's policy; a model without a policy cannot be evaluated. */
export async function evaluationTarget(tx: Tx, ctx: TenantContext, modelVersionId: string): Promise<EvaluationTarget> {
  const { model, version } = await findVersionById(tx, ctx, modelVersionId);
  const [policy] = await tx.select().from(evaluationPolicies).where(eq(evaluationPolicies.modelId, model.id));
  if (!policy) {
    throw new AppError('BAD_USER_INPUT', `'${model.name}' has no evaluation policy: set its checks and evaluation job first`, { fields: [{ path: 'modelVersionId', message: 'No evaluation policy' }] });
  }
  return { model, version, policy };
}

/**
 * Writes an evaluation of a version under its model's policy, marked running, with its
 * evaluation job (whose workflow the evaluation workflow runs as its child). The job gets the
 * version to evaluate as `GANTRY_MODEL_URI` (`models:/<name>/<n>`).
 */
export async function recordEvaluation(tx: Tx, ctx: TenantContext, { model, version, policy }: EvaluationTarget): Promise<{ row: Evaluation; job: JobView; audits: AuditInput[] }> {
  assertCan(ctx, 'evaluation:write');
  const id = newId('evaluation');
  const job = await recordTrainingJob(
    tx,
    ctx,
    { ...policy.jobTemplate, name: `evaluate ${model.name} v${version.version}`.slice(0, 200), registerModel: null },
    {
      kind: 'evaluation',
      systemEnv: {
        GANTRY_MODEL_URI: `models:/${model.name}/${version.version}`,
        GANTRY_MODEL_NAME: model.name,
        GANTRY_MODEL_VERSION: String(version.version),
        GANTRY_MODEL_VERSION_ID: version.id,
        GANTRY_EVALUATION_ID: id,
      },
    },
  );
  const [row] = await tx
    .insert(evaluations)
    .values({ id, orgId: ctx.orgId, modelVersionId: version.id, policyId: policy.id, jobId: job.row.id, status: 'running', checks: policy.checks, createdBy: ctx.actor.userId })
    .returning();
  const audit: AuditInput = { action: 'evaluation.start', targetType: 'model_version', targetId: version.id, data: { evaluationId: id, jobId: job.row.id, checks: policy.checks } };
  return { row: row!, job: job.row, audits: [...job.audits, audit] };
}

/**
 * Records an evaluation that a parent workflow (a retraining) runs as its child
 * (`evaluation/<id>`): the parent starts it once this has committed, so nothing is started here.
 */
export async function createEvaluation(ctx: TenantContext, input: unknown): Promise<Evaluation> {
  assertCan(ctx, 'evaluation:write');
  const data = parseInput(evaluationInput, input);
  return recordThenStart(ctx, {
    async record(tx) {
      const { row, audits } = await recordEvaluation(tx, ctx, await evaluationTarget(tx, ctx, data.modelVersionId));
      return { row, call: null, audits };
    },
  });
}
