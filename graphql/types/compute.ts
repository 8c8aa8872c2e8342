import type { ClusterView } from '../../core/compute/access';
import { checkClusterConnection } from '../../core/compute/check-cluster-connection';
import { connectCluster } from '../../core/compute/connect-cluster';
import { recheckCluster } from '../../core/compute/recheck-cluster';
import { removeCluster } from '../../core/compute/remove-cluster';
import type { ClusterValidationReport, PermissionResult, ValidationCheck } from '../../core/compute/probe-kubernetes';
import { getCluster, listClusters } from '../../core/compute/list-clusters';
import { updateClusterPrices } from '../../core/compute/update-cluster-prices';
import { getEvaluationPolicy, setEvaluationPolicy } from '../../core/evaluation/evaluation-policy';
import { getEvaluation, listEvaluations, startEvaluation } from '../../core/evaluation/start-evaluation';
import type { JobView } from '../../core/training/access';
import { listExampleJobs, type ExampleJob } from '../../core/training/example-jobs';
import { cancelTrainingJob } from '../../core/training/cancel-training-job';
import { getTrainingJob, listJobEvents, listTrainingJobs } from '../../core/training/list-training-jobs';
import { readJobLogs } from '../../core/training/read-job-logs';
import {
  createRetrainingPolicy,
  deleteRetrainingPolicy,
  listRetrainingPolicies,
  setRetrainingPaused,
  triggerRetraining,
  type RetrainingPolicyView,
} from '../../core/training/retraining';
import { submitTrainingJob } from '../../core/training/submit-training-job';
import { getRun } from '../../core/tracking/get-run';
import type { Evaluation, EvaluationCheckResult, EvaluationPolicy, TrainingJobEvent } from '../../db/schema';
import { sharedRef, type Builder } from '../builder';
import { pageArgs, toConnection } from '../pagination';
import { KeyValueInput, KeyValueRef, RunRef } from './tracking';

const JOB_STATUSES = ['queued', 'pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** `{key, value}` pairs from GraphQL as the record the job spec takes. */
const record = (pairs: readonly { key: string; value: string }[] | null | undefined) => Object.fromEntries((pairs ?? []).map((p) => [p.key, p.value]));

/** Shared with the registry's lineage, which shows the job and cluster a version came from. */
export const ClusterTypeRef = sharedRef((builder) => builder.objectRef<ClusterView>('Cluster'));
export const JobTypeRef = sharedRef((builder) => builder.objectRef<JobView>('Job'));

export function register(builder: Builder) {
  const JobStatusEnum = builder.enumType('JobStatus', { values: JOB_STATUSES });
  const ClusterKindEnum = builder.enumType('ClusterKind', { values: ['local', 'kubernetes'] as const });
  const ClusterStatusEnum = builder.enumType('ClusterStatus', { values: ['ready', 'degraded', 'unreachable'] as const });
  const EvaluationStatusEnum = builder.enumType('EvaluationStatus', { values: ['running', 'passed', 'failed', 'error'] as const });

  const GpuPrice = builder.objectRef<{ gpuType: string; hourMicros: number }>('GpuPrice').implement({
    fields: (t) => ({ gpuType: t.exposeString('gpuType'), hourMicros: t.exposeFloat('hourMicros', { description: 'Micro-dollars per GPU-hour' }) }),
  });
  const PriceCatalog = builder.objectRef<ClusterView['prices']>('PriceCatalog').implement({
    description: 'Prices in micro-dollars (1 USD = 1,000,000)',
    fields: (t) => ({
      cpuCoreHourMicros: t.exposeFloat('cpuCoreHourMicros'),
      memoryGibHourMicros: t.exposeFloat('memoryGibHourMicros'),
      gpu: t.field({ type: [GpuPrice], resolve: (p) => p.gpu }),
    }),
  });
  const GpuPool = builder.objectRef<{ gpuType: string; allocatable: number; nodes: number }>('GpuPool').implement({
    fields: (t) => ({ gpuType: t.exposeString('gpuType'), allocatable: t.exposeInt('allocatable'), nodes: t.exposeInt('nodes') }),
  });
  type Capacity = { cpuCores: number; memoryMiB: number; gpus: { gpuType: string; allocatable: number; nodes: number }[] };
  const ClusterCapacity = builder.objectRef<Capacity>('ClusterCapacity').implement({
    fields: (t) => ({ cpuCores: t.exposeFloat('cpuCores'), memoryMiB: t.exposeFloat('memoryMiB'), gpus: t.field({ type: [GpuPool], resolve: (c) => c.gpus }) }),
  });
  const ClusterCheck = builder.objectRef<ValidationCheck>('ClusterCheck').implement({
    description: 'One line of a connection check: address, reachability, credentials, permissions, namespace, GPU capacity',
    fields: (t) => ({
      id: t.exposeString('id'),
      title: t.exposeString('title'),
      status: t.exposeString('status', { description: 'passed, warning, failed or skipped' }),
      message: t.exposeString('message'),
    }),
  });
  const ClusterPermission = builder.objectRef<PermissionResult>('ClusterPermission').implement({
    fields: (t) => ({
      verb: t.exposeString('verb'),
      group: t.exposeString('group'),
      resource: t.exposeString('resource'),
      required: t.exposeBoolean('required'),
      allowed: t.exposeBoolean('allowed', { nullable: true }),
      purpose: t.exposeString('purpose'),
    }),
  });
  const ClusterReport = builder.objectRef<ClusterValidationReport>('ClusterValidationReport').implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      server: t.exposeString('server'),
      namespace: t.exposeString('namespace'),
      serverVersion: t.exposeString('serverVersion', { nullable: true }),
      checks: t.field({ type: [ClusterCheck], resolve: (r) => r.checks }),
      permissions: t.field({ type: [ClusterPermission], resolve: (r) => r.permissions }),
      capacity: t.field({ type: ClusterCapacity, nullable: true, resolve: (r) => r.capacity }),
    }),
  });
  const reportOf = (c: ClusterView) => c.validation as unknown as ClusterValidationReport | null;

  const ClusterRef = ClusterTypeRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      kind: t.expose('kind', { type: ClusterKindEnum }),
      namespace: t.exposeString('namespace', { nullable: true }),
      server: t.exposeString('server', { nullable: true }),
      status: t.expose('status', { type: ClusterStatusEnum }),
      checkedAt: t.expose('checkedAt', { type: 'DateTime', nullable: true }),
      checks: t.field({ type: [ClusterCheck], description: 'The last connection check, line by line', resolve: (c) => reportOf(c)?.checks ?? [] }),
      permissions: t.field({ type: [ClusterPermission], resolve: (c) => reportOf(c)?.permissions ?? [] }),
      capacity: t.field({ type: ClusterCapacity, nullable: true, resolve: (c) => (c.capacity as Capacity | null) ?? null }),
      prices: t.field({ type: PriceCatalog, resolve: (c) => c.prices }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
    }),
  });

  const JobEventRef = builder.objectRef<TrainingJobEvent>('JobEvent').implement({
    fields: (t) => ({
      status: t.expose('status', { type: JobStatusEnum }),
      attempt: t.exposeInt('attempt'),
      reason: t.exposeString('reason', { nullable: true }),
      message: t.exposeString('message', { nullable: true }),
      occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    }),
  });

  const JobResources = builder.objectRef<JobView['spec']['resources']>('JobResources').implement({
    fields: (t) => ({
      cpu: t.exposeFloat('cpu'),
      memoryMiB: t.exposeInt('memoryMiB'),
      gpuCount: t.int({ resolve: (r) => r.gpu.count }),
      gpuType: t.string({ nullable: true, resolve: (r) => r.gpu.type }),
    }),
  });

  const JobRef = JobTypeRef(builder).implement({
    description: 'A training or evaluation job; moved by the workflow `training-job/<id>`',
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      kind: t.exposeString('kind'),
      status: t.expose('status', { type: JobStatusEnum }),
      reason: t.exposeString('reason', { nullable: true, description: 'e.g. OOMKilled, ImagePullBackOff, Unschedulable, DeadlineExceeded' }),
      message: t.exposeString('message', { nullable: true }),
      attempt: t.exposeInt('attempt'),
      maxAttempts: t.exposeInt('maxAttempts'),
      projectId: t.exposeID('projectId'),
      teamId: t.exposeID('teamId'),
      cluster: t.field({ type: ClusterRef, resolve: async (j, _a, ctx) => ctx.once('cluster', j.clusterId, async () => getCluster(await ctx.tenant(), j.clusterId)) }),
      image: t.string({ resolve: (j) => j.spec.image }),
      command: t.stringList({ resolve: (j) => [...j.spec.command, ...j.spec.args] }),
      resources: t.field({ type: JobResources, resolve: (j) => j.spec.resources }),
      maxRuntimeSeconds: t.int({ resolve: (j) => j.spec.maxRuntimeSeconds }),
      hyperparameters: t.field({ type: [KeyValueRef(builder)], resolve: (j) => Object.entries(j.spec.hyperparameters).map(([key, value]) => ({ key, value })) }),
      experimentId: t.exposeID('experimentId'),
      runId: t.exposeID('runId', { nullable: true }),
      run: t.field({ type: RunRef(builder), nullable: true, resolve: async (j, _a, ctx) => (j.runId ? getRun(await ctx.tenant(), j.runId).catch(() => null) : null) }),
      registerModelName: t.exposeString('registerModelName', { nullable: true }),
      modelVersionId: t.exposeID('modelVersionId', { nullable: true }),
      retrainingPolicyId: t.exposeID('retrainingPolicyId', { nullable: true }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
      finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
      runtimeSeconds: t.exposeFloat('runtimeSeconds', { nullable: true }),
      cpuSeconds: t.exposeFloat('cpuSeconds', { nullable: true }),
      peakMemoryMiB: t.exposeFloat('peakMemoryMib', { nullable: true }),
      costMicros: t.exposeFloat('costMicros', { nullable: true, description: 'Measured runtime × requested resources × the cluster’s prices' }),
      cancelRequested: t.boolean({ resolve: (j) => j.cancelRequestedAt !== null }),
      events: t.field({
        type: [JobEventRef],
        description: 'The status timeline',
        resolve: async (j, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('jobEvents', j.id, (ids) => listJobEvents(tenant, ids))) ?? (await getTrainingJob(tenant, j.id)).events;
        },
      }),
    }),
  });

  const JobLogs = builder.objectRef<{ text: string; nextOffset: number; attempt: number; complete: boolean }>('JobLogs').implement({
    fields: (t) => ({
      text: t.exposeString('text'),
      nextOffset: t.exposeFloat('nextOffset', { description: 'Pass as `offset` to read on' }),
      attempt: t.exposeInt('attempt'),
      complete: t.exposeBoolean('complete', { description: 'The job has ended and every byte has been read' }),
    }),
  });

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
      job: t.field({ type: JobRef, nullable: true, resolve: async (e, _a, ctx) => (e.jobId ? (await getTrainingJob(await ctx.tenant(), e.jobId)).job : null) }),
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

  const RetrainingPolicyRef = builder.objectRef<RetrainingPolicyView>('RetrainingPolicy').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      modelId: t.exposeID('modelId'),
      name: t.exposeString('name'),
      cron: t.exposeString('cron'),
      timezone: t.exposeString('timezone'),
      evaluate: t.exposeBoolean('evaluate'),
      autoPromote: t.exposeBoolean('autoPromote'),
      paused: t.exposeBoolean('paused'),
      nextRunTimes: t.field({ type: ['DateTime'], resolve: (p) => p.nextRunTimes }),
      lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
      command: t.stringList({ resolve: (p) => [...((p.jobTemplate.command as string[]) ?? []), ...((p.jobTemplate.args as string[]) ?? [])] }),
      jobs: t.connection({
        type: JobRef,
        description: 'The jobs this policy started, newest first',
        resolve: async (p, args, ctx) => {
          const page = pageArgs(args);
          const r = await listTrainingJobs(await ctx.tenant(), { first: page.first, after: page.after, retrainingPolicyId: p.id });
          return toConnection(r.rows, page.first, (j) => j.id);
        },
      }),
    }),
  });

  // ---- inputs -------------------------------------------------------------------------------
  const ResourcesInput = builder.inputType('JobResourcesInput', {
    fields: (t) => ({
      cpu: t.float({ description: 'CPU cores (default 1)' }),
      memoryMiB: t.int({ description: 'Default 1024' }),
      gpuCount: t.int(),
      gpuType: t.string(),
    }),
  });
  const DatasetRefInput = builder.inputType('JobDatasetInput', {
    fields: (t) => ({ name: t.string({ required: true }), source: t.string({ required: true }), digest: t.string() }),
  });
  const RegisterModelInput = builder.inputType('RegisterModelInput', {
    fields: (t) => ({ name: t.string({ required: true }), artifactPath: t.string({ description: "Default 'model'" }) }),
  });
  const jobSpecFields = (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
    name: t.string(),
    project: t.string({ required: true, description: 'Project ID or slug' }),
    cluster: t.string({ description: "Cluster ID or name (default 'local')" }),
    image: t.string(),
    command: t.stringList({ required: true }),
    args: t.stringList(),
    env: t.field({ type: [KeyValueInput(builder)] }),
    resources: t.field({ type: ResourcesInput }),
    maxRuntimeSeconds: t.int(),
    retries: t.int(),
    hyperparameters: t.field({ type: [KeyValueInput(builder)], description: 'Passed as GANTRY_PARAM_<NAME> and logged as run params' }),
    inputs: t.field({ type: [DatasetRefInput] }),
    experiment: t.string({ description: 'Experiment ID or name in the project (created when missing)' }),
  });
  const SubmitJobInput = builder.inputType('SubmitTrainingJobInput', {
    fields: (t) => ({ ...jobSpecFields(t), registerModel: t.field({ type: RegisterModelInput }) }),
  });
  const JobTemplateInput = builder.inputType('JobTemplateInput', {
    description: 'A job spec without model registration, for evaluation and retraining policies (project defaults to the model’s)',
    fields: (t) => ({ ...jobSpecFields(t), project: t.string() }),
  });

  type SpecIn = {
    name?: string | null;
    project?: string | null;
    cluster?: string | null;
    image?: string | null;
    command: string[];
    args?: string[] | null;
    env?: { key: string; value: string }[] | null;
    resources?: { cpu?: number | null; memoryMiB?: number | null; gpuCount?: number | null; gpuType?: string | null } | null;
    maxRuntimeSeconds?: number | null;
    retries?: number | null;
    hyperparameters?: { key: string; value: string }[] | null;
    inputs?: { name: string; source: string; digest?: string | null }[] | null;
    experiment?: string | null;
  };
  /** GraphQL's nulls become absent fields, so the job spec's defaults apply. */
  const toSpec = (i: SpecIn) => {
    const clean = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
    return clean({
      name: i.name,
      project: i.project,
      cluster: i.cluster,
      image: i.image,
      command: i.command,
      args: i.args,
      env: i.env ? record(i.env) : undefined,
      resources: i.resources
        ? clean({ cpu: i.resources.cpu, memoryMiB: i.resources.memoryMiB, gpu: clean({ count: i.resources.gpuCount ?? 0, type: i.resources.gpuType }) })
        : undefined,
      maxRuntimeSeconds: i.maxRuntimeSeconds,
      retries: i.retries,
      hyperparameters: i.hyperparameters ? record(i.hyperparameters) : undefined,
      inputs: i.inputs?.map((d) => clean({ name: d.name, source: d.source, digest: d.digest })),
      experiment: i.experiment,
    });
  };

  const ConnectClusterInput = builder.inputType('ConnectClusterInput', {
    fields: (t) => ({
      name: t.string({ required: true }),
      kubeconfig: t.string({ required: true, description: 'Inline credentials only: no exec, auth-provider, file paths or proxies' }),
      namespace: t.string({ required: true }),
      gpuTypeLabel: t.string({ description: "The node label naming the GPU type (default 'nvidia.com/gpu.product')" }),
    }),
  });
  const GpuPriceInput = builder.inputType('GpuPriceInput', { fields: (t) => ({ gpuType: t.string({ required: true }), hourMicros: t.float({ required: true }) }) });
  const PricesInput = builder.inputType('UpdateClusterPricesInput', {
    fields: (t) => ({
      clusterId: t.id({ required: true }),
      cpuCoreHourMicros: t.float({ required: true }),
      memoryGibHourMicros: t.float({ required: true }),
      gpu: t.field({ type: [GpuPriceInput] }),
    }),
  });
  const RetrainingInput = builder.inputType('CreateRetrainingPolicyInput', {
    fields: (t) => ({
      modelId: t.id({ required: true }),
      name: t.string(),
      jobTemplate: t.field({ type: JobTemplateInput, required: true }),
      artifactPath: t.string(),
      cron: t.string({ required: true, description: 'Five-field cron, e.g. "0 3 * * 1"' }),
      timezone: t.string(),
      evaluate: t.boolean(),
      autoPromote: t.boolean(),
    }),
  });

  const ExampleJobRef = builder.objectRef<ExampleJob>('ExampleJob').implement({
    description: 'A job spec from the examples bundled with this installation, with local paths filled in',
    fields: (t) => ({
      id: t.exposeID('id'),
      title: t.exposeString('title'),
      kind: t.exposeString('kind'),
      specJson: t.string({ description: 'The spec in the job file format (examples/README.md), as JSON', resolve: (e) => JSON.stringify(e.spec) }),
    }),
  });

  // ---- queries ------------------------------------------------------------------------------
  builder.queryFields((t) => ({
    exampleJobs: t.field({ type: [ExampleJobRef], authScopes: { permission: 'job:read' }, resolve: async (_r, _a, ctx) => listExampleJobs(await ctx.tenant()) }),
    clusters: t.field({ type: [ClusterRef], authScopes: { permission: 'cluster:read' }, resolve: async (_r, _a, ctx) => listClusters(await ctx.tenant()) }),
    cluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:read' },
      args: { id: t.arg.id({ required: true, description: 'ID or name' }) },
      resolve: async (_r, { id }, ctx) => getCluster(await ctx.tenant(), String(id)),
    }),
    jobs: t.connection({
      type: JobRef,
      authScopes: { permission: 'job:read' },
      args: {
        projectId: t.arg.id(),
        clusterId: t.arg.id(),
        status: t.arg({ type: [JobStatusEnum] }),
        kind: t.arg.string(),
      },
      resolve: async (_r, args, ctx) => {
        const page = pageArgs(args);
        const r = await listTrainingJobs(await ctx.tenant(), {
          first: page.first,
          after: page.after,
          projectId: args.projectId ? String(args.projectId) : null,
          clusterId: args.clusterId ? String(args.clusterId) : null,
          status: args.status ?? null,
          kind: args.kind ?? null,
        });
        return toConnection(r.rows, page.first, (j) => j.id);
      },
    }),
    job: t.field({
      type: JobRef,
      authScopes: { permission: 'job:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => (await getTrainingJob(await ctx.tenant(), String(id))).job,
    }),
    jobLogs: t.field({
      type: JobLogs,
      authScopes: { permission: 'job:read' },
      description: 'Combined stdout/stderr from `offset` on; poll with `nextOffset` to follow',
      args: { jobId: t.arg.id({ required: true }), offset: t.arg.float(), attempt: t.arg.int() },
      resolve: async (_r, args, ctx) => readJobLogs(await ctx.tenant(), { jobId: String(args.jobId), offset: args.offset ?? 0, attempt: args.attempt ?? null }),
    }),
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
    retrainingPolicies: t.field({
      type: [RetrainingPolicyRef],
      authScopes: { permission: 'model:read' },
      args: { modelId: t.arg.id({ required: true }) },
      resolve: async (_r, { modelId }, ctx) => listRetrainingPolicies(await ctx.tenant(), String(modelId)),
    }),
  }));

  // ---- mutations ----------------------------------------------------------------------------
  builder.mutationFields((t) => ({
    checkClusterConnection: t.field({
      type: ClusterReport,
      authScopes: { permission: 'cluster:manage' },
      description: 'Checks a kubeconfig against its cluster without storing anything',
      args: { input: t.arg({ type: ConnectClusterInput, required: true }) },
      resolve: async (_r, { input }, ctx) => checkClusterConnection(await ctx.tenant(), { ...input, gpuTypeLabel: input.gpuTypeLabel ?? undefined }),
    }),
    connectCluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      description: 'Checks the kubeconfig (hostile input), reachability, namespace, RBAC and GPUs, then stores it encrypted',
      args: { input: t.arg({ type: ConnectClusterInput, required: true }) },
      resolve: async (_r, { input }, ctx) => connectCluster(await ctx.tenant(), { ...input, gpuTypeLabel: input.gpuTypeLabel ?? undefined }),
    }),
    recheckCluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => recheckCluster(await ctx.tenant(), { clusterId: String(id) }),
    }),
    removeCluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => removeCluster(await ctx.tenant(), { clusterId: String(id) }),
    }),
    updateClusterPrices: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      args: { input: t.arg({ type: PricesInput, required: true }) },
      resolve: async (_r, { input }, ctx) => updateClusterPrices(await ctx.tenant(), { ...input, gpu: input.gpu ?? [] }),
    }),
    submitTrainingJob: t.field({
      type: JobRef,
      authScopes: { permission: 'job:submit' },
      args: { input: t.arg({ type: SubmitJobInput, required: true }) },
      resolve: async (_r, { input }, ctx) =>
        submitTrainingJob(await ctx.tenant(), {
          ...toSpec(input),
          ...(input.registerModel ? { registerModel: { name: input.registerModel.name, ...(input.registerModel.artifactPath ? { artifactPath: input.registerModel.artifactPath } : {}) } } : {}),
        }),
    }),
    cancelJob: t.field({
      type: JobRef,
      authScopes: { permission: 'job:cancel' },
      args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
      resolve: async (_r, { id, reason }, ctx) => cancelTrainingJob(await ctx.tenant(), { jobId: String(id), reason }),
    }),
    setEvaluationPolicy: t.field({
      type: EvaluationPolicyRef,
      authScopes: { permission: 'evaluation:write' },
      args: { modelId: t.arg.id({ required: true }), checks: t.arg.stringList({ required: true }), jobTemplate: t.arg({ type: JobTemplateInput, required: true }) },
      resolve: async (_r, args, ctx) => setEvaluationPolicy(await ctx.tenant(), { model: { modelId: String(args.modelId) }, checks: args.checks, jobTemplate: toSpec(args.jobTemplate) }),
    }),
    startEvaluation: t.field({
      type: EvaluationRef,
      authScopes: { permission: 'evaluation:write' },
      args: { modelVersionId: t.arg.id({ required: true }) },
      resolve: async (_r, { modelVersionId }, ctx) => startEvaluation(await ctx.tenant(), { modelVersionId: String(modelVersionId) }),
    }),
    createRetrainingPolicy: t.field({
      type: RetrainingPolicyRef,
      authScopes: { permission: 'retraining:manage' },
      args: { input: t.arg({ type: RetrainingInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const c = await ctx.tenant();
        const p = await createRetrainingPolicy(c, {
          model: { modelId: String(input.modelId) },
          jobTemplate: toSpec(input.jobTemplate),
          cron: input.cron,
          ...(input.name ? { name: input.name } : {}),
          ...(input.artifactPath ? { artifactPath: input.artifactPath } : {}),
          ...(input.timezone ? { timezone: input.timezone } : {}),
          ...(input.evaluate != null ? { evaluate: input.evaluate } : {}),
          ...(input.autoPromote != null ? { autoPromote: input.autoPromote } : {}),
        });
        return (await listRetrainingPolicies(c, p.modelId)).find((x) => x.id === p.id) ?? { ...p, nextRunTimes: [], lastRunAt: null };
      },
    }),
    setRetrainingPaused: t.field({
      type: RetrainingPolicyRef,
      authScopes: { permission: 'retraining:manage' },
      args: { policyId: t.arg.id({ required: true }), paused: t.arg.boolean({ required: true }) },
      resolve: async (_r, args, ctx) => {
        const c = await ctx.tenant();
        const p = await setRetrainingPaused(c, { policyId: String(args.policyId), paused: args.paused });
        return (await listRetrainingPolicies(c, p.modelId)).find((x) => x.id === p.id) ?? { ...p, nextRunTimes: [], lastRunAt: null };
      },
    }),
    triggerRetraining: t.boolean({
      authScopes: { permission: 'retraining:manage' },
      description: 'Runs the policy now, outside its schedule',
      args: { policyId: t.arg.id({ required: true }) },
      resolve: async (_r, { policyId }, ctx) => {
        await triggerRetraining(await ctx.tenant(), { policyId: String(policyId) });
        return true;
      },
    }),
    deleteRetrainingPolicy: t.boolean({
      authScopes: { permission: 'retraining:manage' },
      args: { policyId: t.arg.id({ required: true }) },
      resolve: async (_r, { policyId }, ctx) => {
        await deleteRetrainingPolicy(await ctx.tenant(), { policyId: String(policyId) });
        return true;
      },
    }),
  }));
}
