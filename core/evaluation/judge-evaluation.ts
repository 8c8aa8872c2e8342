import { and, desc, eq, ne } from 'drizzle-orm';
import { evaluations, modelAliases, modelVersions, runLatestMetrics, trainingJobs, type Evaluation } from '../../db/schema';
import { awaitRecorded } from '../orchestration/record-then-start';
import { systemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { evaluateChecks, parseChecks } from './checks';
import { evaluationWorkflowId } from './start-evaluation';

export const CHAMPION_ALIAS = 'champion';

const numbers = (rows: { key: string; value: number | string }[]) =>
  Object.fromEntries(rows.map((r) => [r.key, typeof r.value === 'number' ? r.value : Number(r.value)]).filter(([, v]) => Number.isFinite(v as number)));

/**
 * The step after the evaluation job: reads the metrics its run logged, the
 * champion's (from the champion's latest passing evaluation under the same
 * policy, else the metrics snapshotted when the champion was registered), applies
 * the checks and records pass or fail per check. Idempotent: an evaluation
 * already judged is returned as it is. Null when the evaluation was never recorded
 * (the request that started the workflow failed to commit): there is nothing to judge.
 */
export async function judgeEvaluation(ref: { evaluationId: string; orgId: string; jobStatus: string; jobReason: string | null }): Promise<Evaluation | null> {
  const system = systemContext(ref.orgId, 'evaluation', ref.evaluationId);
  await withTenant(system, (tx) => awaitRecorded(tx, evaluationWorkflowId(ref.evaluationId)));
  return withTenant(system, async (tx) => {
    const [ev] = await tx.select().from(evaluations).where(and(eq(evaluations.orgId, ref.orgId), eq(evaluations.id, ref.evaluationId))).for('update');
    if (!ev) return null;
    if (ev.status !== 'running') return ev;
    const finish = async (patch: Partial<Evaluation>) =>
      (await tx.update(evaluations).set({ ...patch, finishedAt: new Date() }).where(eq(evaluations.id, ev.id)).returning())[0]!;

    const [job] = ev.jobId ? await tx.select().from(trainingJobs).where(eq(trainingJobs.id, ev.jobId)) : [];
    if (!job || ref.jobStatus !== 'succeeded' || !job.runId) {
      return finish({ status: 'error', message: `The evaluation job ${ref.jobStatus}${ref.jobReason ? ` (${ref.jobReason})` : ''}` });
    }
    const metrics = numbers(await tx.select({ key: runLatestMetrics.key, value: runLatestMetrics.value }).from(runLatestMetrics).where(eq(runLatestMetrics.runId, job.runId)));

    const [candidate] = await tx.select().from(modelVersions).where(eq(modelVersions.id, ev.modelVersionId));
    const [champ] = candidate
      ? await tx
          .select({ version: modelVersions })
          .from(modelAliases)
          .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
          .where(and(eq(modelAliases.modelId, candidate.modelId), eq(modelAliases.alias, CHAMPION_ALIAS)))
      : [];
    let championMetrics: Record<string, number> | null = null;
    if (champ && champ.version.id !== ev.modelVersionId) {
      const [champEval] = await tx
        .select({ metrics: evaluations.metrics })
        .from(evaluations)
        .where(and(eq(evaluations.modelVersionId, champ.version.id), eq(evaluations.status, 'passed'), ev.policyId ? eq(evaluations.policyId, ev.policyId) : ne(evaluations.id, ev.id)))
        .orderBy(desc(evaluations.createdAt))
        .limit(1);
      championMetrics = champEval?.metrics ?? numbers(champ.version.metricsSnapshot);
    }
    const verdict = evaluateChecks(parseChecks(ev.checks), metrics, championMetrics);
    const failed = verdict.results.filter((r) => !r.passed);
    return finish({
      status: verdict.passed ? 'passed' : 'failed',
      metrics,
      championMetrics,
      championVersionId: champ && champ.version.id !== ev.modelVersionId ? champ.version.id : null,
      results: verdict.results,
      message: verdict.passed ? `All ${verdict.results.length} checks passed` : failed.map((r) => `${r.expression}: ${r.detail}`).join('; '),
    });
  });
}
