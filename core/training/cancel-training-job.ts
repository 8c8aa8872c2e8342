import { eq } from 'drizzle-orm';
import { trainingJobs } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { signalWorkflow } from '../orchestration/temporal';
import { signals } from '../orchestration/workflows';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { z } from 'zod';
import { findJob, jobWorkflowId, type JobView } from './access';

export const cancelTrainingJobInput = z.object({ jobId: idSchema('Job ID'), reason: z.string().trim().max(500).nullish() });

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Asks the job's workflow to stop it. The request is recorded on the job (so a
 * workflow that has not picked it up yet still sees it) and sent as the `cancel`
 * signal; the workflow deletes the backend job and ends the job `cancelled`.
 * Cancelling an ended job changes nothing.
 */
export async function cancelTrainingJob(ctx: TenantContext, input: unknown): Promise<JobView> {
  assertCan(ctx, 'job:cancel');
  const data = parseInput(cancelTrainingJobInput, input);
  const job = await withTenant(ctx, async (tx) => {
    const j = await findJob(tx, ctx, data.jobId, { forUpdate: true });
    if (ENDED.has(j.status) || j.cancelRequestedAt) return j;
    const [updated] = await tx.update(trainingJobs).set({ cancelRequestedAt: new Date() }).where(eq(trainingJobs.id, j.id)).returning();
    await recordAudit(tx, ctx, { action: 'job.cancel', targetType: 'job', targetId: j.id, data: { reason: data.reason ?? null, status: j.status } });
    return updated as JobView;
  });
  if (!ENDED.has(job.status)) await signalWorkflow(jobWorkflowId(job.id), signals.cancelJob, { reason: data.reason ?? undefined });
  return job;
}
