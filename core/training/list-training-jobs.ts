import { and, asc, desc, eq, getTableColumns, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { jobKind, trainingJobEvents, trainingJobs, type TrainingJobEvent } from '../../db/schema';
import { JOB_STATUSES } from '../../rules/job-status';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { findJob, jobEvents, type JobView } from './access';

export const listTrainingJobsInput = z.object({
  first: z.number().int().min(1).max(100).default(25),
  /** The last job ID of the previous page (IDs sort by creation time). */
  after: z.string().max(64).nullish(),
  projectId: idSchema('Project ID').nullish(),
  clusterId: idSchema('Cluster ID').nullish(),
  status: z.array(z.enum(JOB_STATUSES)).max(JOB_STATUSES.length).nullish(),
  kind: z.enum(jobKind.enumValues).nullish(),
  retrainingPolicyId: idSchema('Retraining policy ID').nullish(),
});

/** Newest first, keyset-paged by ID; returns up to `first + 1` rows so callers can tell whether more follow. */
export async function listTrainingJobs(ctx: TenantContext, input: unknown): Promise<{ rows: JobView[] }> {
  assertCan(ctx, 'job:read');
  const data = parseInput(listTrainingJobsInput, input);
  return withTenant(ctx, async (tx) => {
    const where: SQL[] = [eq(trainingJobs.orgId, ctx.orgId)];
    if (data.after) where.push(lt(trainingJobs.id, data.after));
    if (data.projectId) where.push(eq(trainingJobs.projectId, data.projectId));
    if (data.clusterId) where.push(eq(trainingJobs.clusterId, data.clusterId));
    if (data.status?.length) where.push(inArray(trainingJobs.status, data.status));
    if (data.kind) where.push(eq(trainingJobs.kind, data.kind));
    if (data.retrainingPolicyId) where.push(eq(trainingJobs.retrainingPolicyId, data.retrainingPolicyId));
    const rows = await tx.select().from(trainingJobs).where(and(...where)).orderBy(desc(trainingJobs.id)).limit(data.first + 1);
    return { rows: rows as JobView[] };
  });
}

/**
 * The jobs of many retraining policies in one query: each policy's page (up to `first + 1`
 * jobs before `after`, newest first), as {@link listTrainingJobs} gives one policy's.
 */
export async function listJobsOfRetrainingPolicies(ctx: TenantContext, policyIds: readonly string[], page: { first: number; after?: string | null }): Promise<Map<string, JobView[]>> {
  assertCan(ctx, 'job:read');
  const ids = [...new Set(policyIds)];
  const out = new Map<string, JobView[]>();
  if (ids.length === 0) return out;
  return withTenant(ctx, async (tx) => {
    const ranked = tx
      .select({ ...getTableColumns(trainingJobs), n: sql<number>`row_number() over (partition by ${trainingJobs.retrainingPolicyId} order by ${trainingJobs.id} desc)`.as('n') })
      .from(trainingJobs)
      .where(and(eq(trainingJobs.orgId, ctx.orgId), inArray(trainingJobs.retrainingPolicyId, ids), page.after ? lt(trainingJobs.id, page.after) : undefined))
      .as('ranked');
    const rows = await tx.select().from(ranked).where(lte(ranked.n, page.first + 1)).orderBy(desc(ranked.id));
    for (const { n: _n, ...j } of rows) out.set(j.retrainingPolicyId!, [...(out.get(j.retrainingPolicyId!) ?? []), j as JobView]);
    return out;
  });
}

/** The status timelines of many jobs in one query, each in the order {@link getTrainingJob} gives; jobs of other organizations map to nothing. */
export async function listJobEvents(ctx: TenantContext, jobIds: readonly string[]): Promise<Map<string, TrainingJobEvent[]>> {
  assertCan(ctx, 'job:read');
  const ids = [...new Set(jobIds)];
  const out = new Map<string, TrainingJobEvent[]>();
  if (ids.length === 0) return out;
  return withTenant(ctx, async (tx) => {
    const visible = await tx.select({ id: trainingJobs.id }).from(trainingJobs).where(and(eq(trainingJobs.orgId, ctx.orgId), inArray(trainingJobs.id, ids)));
    if (visible.length === 0) return out;
    for (const j of visible) out.set(j.id, []);
    const rows = await tx
      .select()
      .from(trainingJobEvents)
      .where(inArray(trainingJobEvents.jobId, [...out.keys()]))
      .orderBy(asc(trainingJobEvents.occurredAt), asc(trainingJobEvents.id));
    for (const e of rows) out.get(e.jobId)!.push(e);
    return out;
  });
}

/** Many jobs by ID in one query; IDs not in the caller's organization map to nothing. */
export async function getTrainingJobs(ctx: TenantContext, jobIds: readonly string[]): Promise<Map<string, JobView>> {
  assertCan(ctx, 'job:read');
  const ids = [...new Set(jobIds)];
  if (ids.length === 0) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(trainingJobs).where(and(eq(trainingJobs.orgId, ctx.orgId), inArray(trainingJobs.id, ids)));
    return new Map(rows.map((j) => [j.id, j as JobView]));
  });
}

/** The jobs that logged to these runs, by run ID, in one query; a run no job created maps to nothing. */
export async function getJobsOfRuns(ctx: TenantContext, runIds: readonly string[]): Promise<Map<string, JobView>> {
  assertCan(ctx, 'job:read');
  const ids = [...new Set(runIds)];
  if (ids.length === 0) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(trainingJobs).where(and(eq(trainingJobs.orgId, ctx.orgId), inArray(trainingJobs.runId, ids)));
    return new Map(rows.map((j) => [j.runId!, j as JobView]));
  });
}

export async function getTrainingJob(ctx: TenantContext, jobId: string) {
  assertCan(ctx, 'job:read');
  return withTenant(ctx, async (tx) => {
    const job = await findJob(tx, ctx, jobId);
    return { job, events: await jobEvents(tx, job.id) };
  });
}
