import { and, eq, or } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { experiments, projects, trainingJobEvents, trainingJobs, type JobKind } from '../../db/schema';
import { env } from '../../config/env';
import { jobSpecSchema, type JobSpec } from '../../rules/job-spec';
import { findCluster, loadPrices } from '../compute/access';
import { assertPlanAllows } from '../tenancy/plan-limits';
import { reserveJobBudget } from '../costs/budgets';
import { worstCaseJobMicros } from '../../rules/money';
import { AppError, notFound } from '../errors';
import type { AuditInput } from '../governance/audit';
import { newId } from '../ids';
import { recordThenStart } from '../orchestration/record-then-start';
import { workflowStart, type WorkflowStart } from '../orchestration/workflows';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { jobWorkflowId, type JobView } from './access';
import type { ResolvedJobSpec } from './job-spec';

export interface RecordJobOptions {
  kind?: JobKind;
  retrainingPolicyId?: string | null;
  /** Variables Gantry itself passes to the job (e.g. GANTRY_MODEL_URI for an evaluation). */
  systemEnv?: Record<string, string>;
}

export interface RecordedJob {
  row: JobView;
  /** The job's own workflow, for a caller that starts it (a parent workflow may run it as its child instead). */
  start: WorkflowStart<'trainingJobWorkflow'>;
  audits: AuditInput[];
}

async function resolveProject(tx: Tx, ctx: TenantContext, ref: string) {
  const [p] = await tx
    .select()
    .from(projects)
    .where(and(eq(projects.orgId, ctx.orgId), or(eq(projects.id, ref), eq(projects.slug, ref))));
  if (!p) throw notFound(`Project '${ref.slice(0, 64)}'`);
  return p;
}

/** The experiment by ID or name in the project; a name that does not exist yet is created. */
async function resolveExperiment(tx: Tx, ctx: TenantContext, project: { id: string; slug: string }, ref: string | undefined, audits: AuditInput[]) {
  const name = ref ?? `${project.slug}-jobs`;
  const [found] = await tx
    .select()
    .from(experiments)
    .where(and(eq(experiments.orgId, ctx.orgId), or(eq(experiments.id, name), eq(experiments.name, name))));
  if (found) {
    if (found.projectId !== project.id) throw new AppError('BAD_USER_INPUT', `Experiment '${found.name}' belongs to another project`, { fields: [{ path: 'experiment', message: 'In another project' }] });
    if (found.lifecycleStage !== 'active') throw new AppError('BAD_USER_INPUT', `Experiment '${found.name}' is deleted`, { fields: [{ path: 'experiment', message: 'Deleted' }] });
    return found;
  }
  assertCan(ctx, 'experiment:write');
  const now = Date.now();
  const [made] = await tx
    .insert(experiments)
    .values({ id: newId('experiment'), orgId: ctx.orgId, projectId: project.id, name, createdBy: ctx.actor.userId, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  // Jobs submitted at once to a new experiment: one creates it, the others wait for that commit and use it.
  if (!made) return resolveExperiment(tx, ctx, project, name, audits);
  audits.push({ action: 'experiment.create', targetType: 'experiment', targetId: made.id, data: { name, projectId: project.id, reason: 'job' } });
  return made;
}

/**
 * Writes a job (its row and first timeline event, and its experiment when the spec names a new
 * one) in the caller's transaction, and returns the audit events and the workflow start it needs.
 * Callers go through `recordThenStart`, which writes the audits last and makes the start.
 */
export async function recordTrainingJob(tx: Tx, ctx: TenantContext, input: unknown, opts: RecordJobOptions = {}): Promise<RecordedJob> {
  assertCan(ctx, 'job:submit');
  const spec: JobSpec = parseInput(jobSpecSchema, input);
  const id = newId('job');
  const kind = opts.kind ?? 'training';
  const audits: AuditInput[] = [];
  const project = await resolveProject(tx, ctx, spec.project);
  const cluster = await findCluster(tx, ctx, spec.cluster);
  if (cluster.kind === 'local' && !env().LOCAL_JOBS_ENABLED) {
    throw new AppError('BAD_USER_INPUT', 'The local cluster is turned off on this installation (LOCAL_JOBS_ENABLED=false); choose a connected cluster', {
      fields: [{ path: 'cluster', message: 'Local jobs are disabled' }],
    });
  }
  if (cluster.kind === 'kubernetes' && !spec.image) {
    throw new AppError('BAD_USER_INPUT', 'A Kubernetes job needs a container image', { fields: [{ path: 'image', message: 'Required on Kubernetes clusters' }] });
  }
  if (cluster.kind === 'kubernetes' && spec.python) {
    // Installing at container start would need pip and the index in every image and pod, and repeat on every start.
    throw new AppError(
      'BAD_USER_INPUT',
      `Python requirements are installed on the local cluster only: on Kubernetes the job's image carries them (e.g. RUN pip install -r requirements.txt in its Dockerfile). Leave python out of this job's spec.`,
      { fields: [{ path: 'python', message: 'On Kubernetes clusters the image provides the Python environment' }] },
    );
  }
  if (spec.resources.gpu.count === 0 && spec.resources.gpu.type) {
    throw new AppError('BAD_USER_INPUT', 'A GPU type was given without a GPU count', { fields: [{ path: 'resources.gpu.count', message: 'Set a count of at least 1' }] });
  }
  // One more job queued or running, within the plan's limit (held until this transaction ends).
  await assertPlanAllows(tx, ctx.orgId, 'concurrentJobs');
  const experiment = await resolveExperiment(tx, ctx, project, spec.experiment, audits);
  const { project: _p, cluster: _c, experiment: _e, ...rest } = spec;
  const resolved: ResolvedJobSpec = { ...rest, projectId: project.id, clusterId: cluster.id, experimentId: experiment.id, systemEnv: opts.systemEnv ?? {} };
  const name = spec.name ?? [...spec.command, ...spec.args].join(' ').slice(0, 200);
  const [row] = await tx
    .insert(trainingJobs)
    .values({
      id,
      orgId: ctx.orgId,
      teamId: project.teamId,
      projectId: project.id,
      clusterId: cluster.id,
      kind,
      name,
      spec: resolved as unknown as Record<string, unknown>,
      experimentId: experiment.id,
      maxAttempts: spec.retries + 1,
      gpuCount: spec.resources.gpu.count,
      gpuType: spec.resources.gpu.type,
      registerModelName: spec.registerModel?.name ?? null,
      retrainingPolicyId: opts.retrainingPolicyId ?? null,
      createdBy: ctx.actor.userId,
      createdByApiKey: ctx.actor.kind === 'api_key' ? ctx.actor.apiKeyId : null,
    })
    .returning();
  // Its worst case held against the budgets, or the whole submission refused (BUDGET_EXCEEDED) and nothing written.
  const estimateMicros = worstCaseJobMicros(spec.maxRuntimeSeconds, spec.retries + 1, { cpu: spec.resources.cpu, memoryMiB: spec.resources.memoryMiB, gpuCount: spec.resources.gpu.count, gpuType: spec.resources.gpu.type }, await loadPrices(tx, cluster));
  await reserveJobBudget(tx, { orgId: ctx.orgId, teamId: project.teamId, projectId: project.id, jobId: id, estimateMicros });
  await tx.insert(trainingJobEvents).values({ id: newId('jobEvent'), orgId: ctx.orgId, jobId: id, attempt: 1, status: 'queued', message: `Submitted to ${cluster.name}` });
  audits.push({
    action: kind === 'evaluation' ? 'job.submit-evaluation' : kind === 'batch_prediction' ? 'job.submit-batch-prediction' : 'job.submit',
    targetType: 'job',
    targetId: id,
    data: { name, clusterId: cluster.id, projectId: project.id, image: spec.image, gpu: spec.resources.gpu, retrainingPolicyId: opts.retrainingPolicyId ?? null, reservedMicros: estimateMicros },
  });
  const start = workflowStart('trainingJobWorkflow', jobWorkflowId(id), [{ jobId: id, orgId: ctx.orgId }], {
    staticSummary: jobSummary(kind, name, cluster.name),
    staticDetails: jobDetails(ctx.orgId, project.slug, spec),
  });
  return { row: row as JobView, start, audits };
}

/**
 * Records a job that a parent workflow (a retraining) runs as its child: the parent starts
 * `training-job/<id>` itself once this has committed, so nothing is started here.
 */
export async function recordChildTrainingJob(ctx: TenantContext, input: unknown, opts: RecordJobOptions = {}): Promise<JobView> {
  return recordThenStart(ctx, {
    async record(tx) {
      const { row, audits } = await recordTrainingJob(tx, ctx, input, opts);
      return { row, call: null, audits };
    },
  });
}

function jobSummary(kind: JobKind, name: string, clusterName: string): string {
  const what = { training: 'Training', evaluation: 'Evaluation', batch_prediction: 'Batch prediction' }[kind];
  return `${what} job ${name.slice(0, 80)} on ${clusterName}`;
}

function jobDetails(orgId: string, projectSlug: string, spec: JobSpec): string {
  return `org ${orgId} · project ${projectSlug} · ${spec.resources.cpu} CPU, ${spec.resources.memoryMiB} MiB, ${spec.resources.gpu.count} GPU${spec.resources.gpu.type ? ` (${spec.resources.gpu.type})` : ''} · max ${spec.maxRuntimeSeconds}s · ${spec.retries} retries`;
}
