import { eq } from 'drizzle-orm';
import { runs } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findRun } from './access';
import { runIdSchema } from './tracking.schemas';

/** Soft delete or restore. Deleted runs disappear from default searches; their data stays until a retention job removes it. */
export async function setRunLifecycle(ctx: TenantContext, runId: unknown, stage: 'active' | 'deleted'): Promise<void> {
  assertCan(ctx, 'run:write');
  const id = parseInput(runIdSchema, runId);
  await withTenant(ctx, async (tx) => {
    const run = await findRun(tx, ctx, id, { forUpdate: true });
    if (run.lifecycleStage === stage) return;
    await tx
      .update(runs)
      .set({ lifecycleStage: stage, deletedAt: stage === 'deleted' ? new Date() : null })
      .where(eq(runs.id, run.id));
    await recordAudit(tx, ctx, { action: stage === 'deleted' ? 'run.delete' : 'run.restore', targetType: 'run', targetId: run.id, data: { experimentId: run.experimentId } });
  });
}

export const deleteRun = (ctx: TenantContext, runId: unknown) => setRunLifecycle(ctx, runId, 'deleted');
export const restoreRun = (ctx: TenantContext, runId: unknown) => setRunLifecycle(ctx, runId, 'active');
