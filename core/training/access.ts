import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { trainingJobEvents, trainingJobs, type TrainingJob, type TrainingJobEvent } from '../../db/schema';
import { notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';
import type { ResolvedJobSpec } from './job-spec';

export const jobWorkflowId = (jobId: string) => `training-job/${jobId}`;

export type JobView = TrainingJob & { spec: ResolvedJobSpec };

export async function findJob(tx: Tx, ctx: Pick<TenantContext, 'orgId'>, id: string, opts: { forUpdate?: boolean } = {}): Promise<JobView> {
  const q = tx.select().from(trainingJobs).where(and(eq(trainingJobs.id, id), eq(trainingJobs.orgId, ctx.orgId)));
  const [j] = opts.forUpdate ? await q.for('update') : await q;
  if (!j) throw notFound(`Job '${id.slice(0, 64)}'`);
  return j as JobView;
}

export async function jobEvents(tx: Tx, jobId: string): Promise<TrainingJobEvent[]> {
  return tx.select().from(trainingJobEvents).where(eq(trainingJobEvents.jobId, jobId)).orderBy(asc(trainingJobEvents.occurredAt), asc(trainingJobEvents.id));
}
