import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { trainingJobEvents, trainingJobs, type TrainingJob, type TrainingJobEvent } from '../../db/schema';
import { notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';
import type { ResolvedJobSpec } from './job-spec';

export const jobWorkflowId = (jobId: string) => `training-job/${jobId}`;

export type JobView = TrainingJob & { spec: ResolvedJobSpec };

/** Advisory-lock class of job submissions (the second key is the job ID's hash). */
const SUBMIT_LOCK = 0x6a6f62;

/**
 * Held by the transaction that records a job and starts its workflow, until it ends.
 * The workflow can run its first step before that transaction commits; the step
 * waits on this lock ({@link awaitJobSubmission}) so it never misses the job row.
 */
export async function holdJobSubmission(tx: Tx, jobId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${SUBMIT_LOCK}, hashtext(${jobId}))`);
}

/** Returns once the transaction that submitted the job has committed or rolled back. */
export async function awaitJobSubmission(tx: Tx, jobId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${SUBMIT_LOCK}, hashtext(${jobId}))`);
}

export async function findJob(tx: Tx, ctx: Pick<TenantContext, 'orgId'>, id: string, opts: { forUpdate?: boolean } = {}): Promise<JobView> {
  const q = tx.select().from(trainingJobs).where(and(eq(trainingJobs.id, id), eq(trainingJobs.orgId, ctx.orgId)));
  const [j] = opts.forUpdate ? await q.for('update') : await q;
  if (!j) throw notFound(`Job '${id.slice(0, 64)}'`);
  return j as JobView;
}

export async function jobEvents(tx: Tx, jobId: string): Promise<TrainingJobEvent[]> {
  return tx.select().from(trainingJobEvents).where(eq(trainingJobEvents.jobId, jobId)).orderBy(asc(trainingJobEvents.occurredAt), asc(trainingJobEvents.id));
}
