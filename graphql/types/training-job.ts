import type { JobView } from '../../core/training/access';
import { listExampleJobs, type ExampleJob } from '../../core/training/example-jobs';
import { cancelTrainingJob } from '../../core/training/cancel-training-job';
import { getJobsOfRuns, getTrainingJob, listJobEvents, listTrainingJobs } from '../../core/training/list-training-jobs';
import { readJobLogs } from '../../core/training/read-job-logs';
import { submitTrainingJob } from '../../core/training/submit-training-job';
import { getCluster, getClusters } from '../../core/compute/list-clusters';
import { getRuns } from '../../core/tracking/get-run';
import type { TrainingJobEvent } from '../../db/schema';
import { JOB_STATUSES } from '../../rules/job-status';
import { sharedRef, type Builder } from '../builder';
import type { GraphQLContext } from '../context';
import { pageArgs, toConnection } from '../pagination';
import { ClusterTypeRef } from './cluster';
import { KeyValueInput, KeyValueRef, RunRef } from './tracking';

/** `{key, value}` pairs from GraphQL as the record the job spec takes. */
const record = (pairs: readonly { key: string; value: string }[] | null | undefined) => Object.fromEntries((pairs ?? []).map((p) => [p.key, p.value]));

/** Shared with evaluations, retraining policies and the registry's lineage, which shows the job a version came from. */
export const JobTypeRef = sharedRef((builder) => builder.objectRef<JobView>('Job'));

/**
 * The job spec (rules/job-spec.ts) as GraphQL input: a submitted job, and the job template
 * evaluation and retraining policies keep. graphql/job-spec-input.test.ts holds these fields
 * to the spec's, so a field added to one and not the other fails there.
 */
export const JobSpecInputs = sharedRef((builder) => {
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
  const PythonInput = builder.inputType('JobPythonInput', {
    description: 'Python packages the local cluster installs into a virtual environment for the job (a Kubernetes job’s image carries its own)',
    fields: (t) => ({ requirements: t.stringList({ required: true, description: "pip requirement specifiers, e.g. 'numpy==2.1.3'; no options, URLs or files" }) }),
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
    python: t.field({ type: PythonInput }),
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
  return { SubmitJobInput, JobTemplateInput };
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
  python?: { requirements: string[] } | null;
};
/** GraphQL's nulls become absent fields, so the job spec's defaults apply. */
export const toSpec = (i: SpecIn) => {
  const clean = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
  return clean({
    name: i.name,
    project: i.project,
    cluster: i.cluster,
    image: i.image,
    command: i.command,
    args: i.args,
    env: i.env ? record(i.env) : undefined,
    python: i.python ? { requirements: i.python.requirements } : undefined,
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

/** A job's timeline, loaded once per request for all the jobs it asks about. */
async function eventsOf(j: JobView, ctx: GraphQLContext): Promise<TrainingJobEvent[]> {
  const tenant = await ctx.tenant();
  return (await ctx.batch('jobEvents', j.id, (ids) => listJobEvents(tenant, ids))) ?? (await getTrainingJob(tenant, j.id)).events;
}

export function register(builder: Builder) {
  const JobStatusEnum = builder.enumType('JobStatus', { values: JOB_STATUSES });

  const JobEventRef = builder.objectRef<TrainingJobEvent>('JobEvent').implement({
    fields: (t) => ({
      status: t.expose('status', { type: JobStatusEnum }),
      attempt: t.exposeInt('attempt'),
      reason: t.exposeString('reason', { nullable: true }),
      message: t.exposeString('message', { nullable: true }),
      detail: t.exposeString('detail', {
        nullable: true,
        description: 'On a failed attempt: the lines of its log that say why (the Python exception and the end of its traceback, or the last error lines)',
      }),
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
      cluster: t.field({
        type: ClusterTypeRef(builder),
        resolve: async (j, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('clusters', j.clusterId, (ids) => getClusters(tenant, ids))) ?? getCluster(tenant, j.clusterId);
        },
      }),
      image: t.string({ resolve: (j) => j.spec.image }),
      command: t.stringList({ resolve: (j) => [...j.spec.command, ...j.spec.args] }),
      pythonRequirements: t.stringList({
        description: 'The pip requirements the local cluster builds the job’s Python environment from; empty when it names none',
        resolve: (j) => j.spec.python?.requirements ?? [],
      }),
      resources: t.field({ type: JobResources, resolve: (j) => j.spec.resources }),
      maxRuntimeSeconds: t.int({ resolve: (j) => j.spec.maxRuntimeSeconds }),
      hyperparameters: t.field({ type: [KeyValueRef(builder)], resolve: (j) => Object.entries(j.spec.hyperparameters).map(([key, value]) => ({ key, value })) }),
      experimentId: t.exposeID('experimentId'),
      runId: t.exposeID('runId', { nullable: true }),
      run: t.field({
        type: RunRef(builder),
        nullable: true,
        description: 'Null until the job has started a run, and after the run is deleted',
        resolve: async (j, _a, ctx) => {
          if (!j.runId) return null;
          const tenant = await ctx.tenant();
          // Only a run that is gone reads as null; a failed load is the field's error.
          return (await ctx.batch('runs', j.runId, (ids) => getRuns(tenant, ids))) ?? null;
        },
      }),
      registerModelName: t.exposeString('registerModelName', { nullable: true }),
      modelVersionId: t.exposeID('modelVersionId', { nullable: true }),
      retrainingPolicyId: t.exposeID('retrainingPolicyId', { nullable: true }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
      finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
      runtimeSeconds: t.exposeFloat('runtimeSeconds', { nullable: true }),
      cpuSeconds: t.exposeFloat('cpuSeconds', { nullable: true }),
      peakMemoryMiB: t.exposeFloat('peakMemoryMib', { nullable: true }),
      costMicros: t.expose('costMicros', { type: 'Micros', nullable: true, description: 'Measured runtime × requested resources × the cluster’s prices' }),
      cancelRequested: t.boolean({ resolve: (j) => j.cancelRequestedAt !== null }),
      events: t.field({
        type: [JobEventRef],
        description: 'The status timeline',
        resolve: async (j, _a, ctx) => eventsOf(j, ctx),
      }),
      failureDetail: t.string({
        nullable: true,
        description: "The last failed attempt's lines of log that say why it failed (its timeline event's `detail`)",
        resolve: async (j, _a, ctx) => (await eventsOf(j, ctx)).findLast((e) => e.status === 'failed' && e.detail)?.detail ?? null,
      }),
    }),
  });

  // Provenance from the run's side; it lives here because Job does.
  builder.objectField(RunRef(builder), 'job', (t) =>
    t.field({
      type: JobTypeRef(builder),
      nullable: true,
      description: 'The training job whose code logged to this run; null for runs logged from elsewhere',
      resolve: async (r, _a, ctx) => {
        const tenant = await ctx.tenant();
        return (await ctx.batch('jobsOfRuns', r.id, (ids) => getJobsOfRuns(tenant, ids))) ?? null;
      },
    }),
  );

  const JobLogs = builder.objectRef<{ text: string; nextOffset: number; attempt: number; complete: boolean }>('JobLogs').implement({
    fields: (t) => ({
      text: t.exposeString('text'),
      nextOffset: t.exposeFloat('nextOffset', { description: 'Pass as `offset` to read on' }),
      attempt: t.exposeInt('attempt'),
      complete: t.exposeBoolean('complete', { description: 'The job has ended and every byte has been read' }),
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

  const { SubmitJobInput } = JobSpecInputs(builder);

  // ---- queries ------------------------------------------------------------------------------
  builder.queryFields((t) => ({
    exampleJobs: t.field({ type: [ExampleJobRef], authScopes: { permission: 'job:read' }, resolve: async (_r, _a, ctx) => listExampleJobs(await ctx.tenant()) }),
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
  }));

  // ---- mutations ----------------------------------------------------------------------------
  builder.mutationFields((t) => ({
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
  }));
}
