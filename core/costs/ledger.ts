import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { budgetReservations, costLines, evaluations, type CostSource } from '../../db/schema';
import type { JobKind } from '../../db/schema';
import { newId } from '../ids';

/** The ledger's key for a job's one line: a job is charged once, whatever retries or restarts happen. */
export const jobSourceKey = (jobId: string) => `job/${jobId}`;

const SOURCE_OF_JOB: Record<JobKind, CostSource> = { training: 'training', evaluation: 'evaluation', batch_prediction: 'batch_prediction' };

export interface EndedJob {
  id: string;
  orgId: string;
  kind: JobKind;
  teamId: string;
  projectId: string;
  clusterId: string;
  gpuType: string | null;
  createdBy: string | null;
  runId: string | null;
  modelVersionId: string | null;
}

/**
 * Settles an ended job's cost, in the transaction that records its end (the job row locked): its
 * ledger line, attributed to everything the job belongs to, and its budget reservation released.
 * The line's key is the job's, so a second settlement (a retried activity) writes nothing; a job
 * that cost nothing (never ran) gets no line but still releases what it reserved. An evaluation's
 * line counts toward the model version it evaluated.
 */
export async function settleJobCost(tx: Tx, job: EndedJob, charge: { amountMicros: number; startedAt: Date | null; endedAt: Date; seconds: number }): Promise<void> {
  await tx.delete(budgetReservations).where(and(eq(budgetReservations.orgId, job.orgId), eq(budgetReservations.jobId, job.id)));
  if (charge.amountMicros <= 0) return;
  let modelVersionId = job.modelVersionId;
  if (job.kind === 'evaluation' && !modelVersionId) {
    const [ev] = await tx
      .select({ modelVersionId: evaluations.modelVersionId })
      .from(evaluations)
      .where(and(eq(evaluations.orgId, job.orgId), eq(evaluations.jobId, job.id)));
    modelVersionId = ev?.modelVersionId ?? null;
  }
  await tx
    .insert(costLines)
    .values({
      id: newId('costLine'),
      orgId: job.orgId,
      source: SOURCE_OF_JOB[job.kind],
      sourceKey: jobSourceKey(job.id),
      amountMicros: charge.amountMicros,
      occurredAt: charge.endedAt,
      startedAt: charge.startedAt,
      endedAt: charge.endedAt,
      seconds: Math.round(charge.seconds),
      teamId: job.teamId,
      projectId: job.projectId,
      userId: job.createdBy,
      jobId: job.id,
      runId: job.runId,
      modelVersionId,
      clusterId: job.clusterId,
      gpuType: job.gpuType,
    })
    .onConflictDoNothing({ target: [costLines.orgId, costLines.sourceKey] });
}
