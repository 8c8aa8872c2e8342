import { getEvaluation } from '../../core/evaluation/get-evaluation';
import { getEvaluationPolicy } from '../../core/evaluation/get-evaluation-policy';
import { listEvaluations } from '../../core/evaluation/list-evaluations';
import { setEvaluationPolicy } from '../../core/evaluation/set-evaluation-policy';
import { startEvaluation } from '../../core/evaluation/start-evaluation';
import { getTrainingJob, getTrainingJobs } from '../../core/training/list-training-jobs';
import type { Evaluation, EvaluationCheckResult, EvaluationPolicy } from '../../db/schema';
import type { Builder } from '../builder';
import { JobSpecInputs, JobTypeRef, toSpec } from './training-job';

export function register(builder: Builder) {
  const EvaluationStatusEnum = builder.enumType('EvaluationStatus', { values: ['running', 'passed', 'failed', 'error'] as const });

  const CheckResult = builder.objectRef<EvaluationCheckResult>('EvaluationCheckResult').implement({
    fields: (t) => ({
      expression: t.exposeString('expression'),
      metric: t.exposeString('metric'),
      value: t.exposeFloat('value', { nullable: true }),
      target: t.exposeFloat('target', { nullable: true }),
      passed: t.exposeBoolean('passed'),
      detail: t.exposeString('detail'),
    }),
  });
  const MetricValue = builder.objectRef<{ key: string; value: number }>('MetricValue').implement({
    fields: (t) => ({ key: t.exposeString('key'), value: t.exposeFloat('value') }),
  });
  const metricList = (m: Record<string, number> | null) => Object.entries(m ?? {}).map(([key, value]) => ({ key, value }));

  const EvaluationRef = builder.objectRef<Evaluation>('Evaluation').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      modelVersionId: t.exposeID('modelVersionId'),
      status: t.expose('status', { type: EvaluationStatusEnum }),
      checks: t.exposeStringList('checks'),
      results: t.field({ type: [CheckResult], resolve: (e) => e.results ?? [] }),
      metrics: t.field({ type: [MetricValue], resolve: (e) => metricList(e.metrics) }),
      championVersionId: t.exposeID('championVersionId', { nullable: true }),
      championMetrics: t.field({ type: [MetricValue], resolve: (e) => metricList(e.championMetrics) }),
      message: t.exposeString('message', { nullable: true }),
      job: t.field({
        type: JobTypeRef(builder),
        nullable: true,
        resolve: async (e, _a, ctx) => {
          if (!e.jobId) return null;
          const tenant = await ctx.tenant();
          return (await ctx.batch('jobs', e.jobId, (ids) => getTrainingJobs(tenant, ids))) ?? (await getTrainingJob(tenant, e.jobId)).job;
        },
      }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    }),
  });

  const EvaluationPolicyRef = builder.objectRef<EvaluationPolicy>('EvaluationPolicy').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      modelId: t.exposeID('modelId'),
      checks: t.exposeStringList('checks'),
      image: t.string({ resolve: (p) => String(p.jobTemplate.image ?? '') }),
      command: t.stringList({ resolve: (p) => [...((p.jobTemplate.command as string[]) ?? []), ...((p.jobTemplate.args as string[]) ?? [])] }),
      cluster: t.string({ resolve: (p) => String(p.jobTemplate.cluster ?? 'local') }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    }),
  });

  const { JobTemplateInput } = JobSpecInputs(builder);

  // ---- queries ------------------------------------------------------------------------------
  builder.queryFields((t) => ({
    evaluations: t.field({
      type: [EvaluationRef],
      authScopes: { permission: 'model:read' },
      args: { modelVersionId: t.arg.id({ required: true }) },
      resolve: async (_r, { modelVersionId }, ctx) => listEvaluations(await ctx.tenant(), String(modelVersionId)),
    }),
    evaluation: t.field({
      type: EvaluationRef,
      authScopes: { permission: 'model:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => getEvaluation(await ctx.tenant(), String(id)),
    }),
    evaluationPolicy: t.field({
      type: EvaluationPolicyRef,
      nullable: true,
      authScopes: { permission: 'model:read' },
      args: { modelId: t.arg.id({ required: true }) },
      resolve: async (_r, { modelId }, ctx) => getEvaluationPolicy(await ctx.tenant(), String(modelId)),
    }),
  }));

  // ---- mutations ----------------------------------------------------------------------------
  builder.mutationFields((t) => ({
    setEvaluationPolicy: t.field({
      type: EvaluationPolicyRef,
      authScopes: { permission: 'evaluation:write' },
      args: { modelId: t.arg.id({ required: true }), checks: t.arg.stringList({ required: true }), jobTemplate: t.arg({ type: JobTemplateInput, required: true }) },
      resolve: async (_r, args, ctx) => setEvaluationPolicy(await ctx.tenant(), { model: { modelId: String(args.modelId) }, checks: args.checks, jobTemplate: toSpec(args.jobTemplate) }),
    }),
    startEvaluation: t.field({
      type: EvaluationRef,
      description:
        'Evaluates a version under its model’s evaluation policy (the policy’s job, then its checks). While an evaluation of this version under the current policy is running, this returns that evaluation instead of starting a second one, so a retried request is safe; once it has ended, a new call evaluates again. Fails whole (nothing recorded) when the workflow service is unreachable.',
      authScopes: { permission: 'evaluation:write' },
      args: { modelVersionId: t.arg.id({ required: true }) },
      resolve: async (_r, { modelVersionId }, ctx) => startEvaluation(await ctx.tenant(), { modelVersionId: String(modelVersionId) }),
    }),
  }));
}
