import { and, desc, eq } from 'drizzle-orm';
import { evaluations, type Evaluation } from '../../db/schema';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { workflowStart } from '../orchestration/workflows';
import { assertCan, type TenantContext } from '../tenancy/context';
import { jobWorkflowId } from '../training/access';
import { parseInput } from '../validation';
import { evaluationTarget, recordEvaluation } from './create-evaluation';
import { evaluationInput } from './evaluation.schemas';

export const evaluationWorkflowId = (evaluationId: string) => `evaluation/${evaluationId}`;

/**
 * Starts an evaluation of a version under its model's policy: the evaluation, its job and the
 * `evaluation/<id>` workflow (the job as its child, then the checks) as one unit.
 *
 * The business key is the version under its policy: while an evaluation of this version under
 * the current policy is running, starting again returns that evaluation instead of a second one,
 * so a double click or a retried request after a timeout runs the job once. Once it has ended, a
 * new start evaluates again (e.g. against a champion that has moved since).
 */
export async function startEvaluation(ctx: TenantContext, input: unknown): Promise<Evaluation> {
  assertCan(ctx, 'evaluation:write');
  const data = parseInput(evaluationInput, input);
  return recordThenStart(ctx, {
    key: `evaluation/${data.modelVersionId}`,
    async record(tx) {
      const target = await evaluationTarget(tx, ctx, data.modelVersionId);
      const [running] = await tx
        .select()
        .from(evaluations)
        .where(and(eq(evaluations.orgId, ctx.orgId), eq(evaluations.modelVersionId, target.version.id), eq(evaluations.policyId, target.policy.id), eq(evaluations.status, 'running')))
        .orderBy(desc(evaluations.createdAt))
        .limit(1);
      if (running) return { row: running, call: null, audits: [] };
      const { row, job, audits } = await recordEvaluation(tx, ctx, target);
      const start = workflowStart('evaluationWorkflow', evaluationWorkflowId(row.id), [{ evaluationId: row.id, orgId: ctx.orgId, jobId: job.id }], {
        staticSummary: `Evaluation of ${target.model.name} v${target.version.version}`,
      });
      // The workflow's first step is the job's own workflow (its child), which reads the job row.
      return { row, call: startCall(start, [jobWorkflowId(job.id)]), audits };
    },
  });
}
