import { and, eq } from 'drizzle-orm';
import { experiments, runs } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findExperiment } from './access';
import { experimentIdSchema } from './tracking.schemas';

/**
 * Soft delete or restore, as MLflow does: a deleted experiment keeps its name and
 * runs (marked deleted with it) until restored. Deleting the default one is refused.
 */
export async function setExperimentLifecycle(ctx: TenantContext, experimentId: unknown, stage: 'active' | 'deleted'): Promise<void> {
  assertCan(ctx, 'experiment:write');
  const id = parseInput(experimentIdSchema, experimentId);
  await withTenant(ctx, async (tx) => {
    const exp = await findExperiment(tx, ctx, id);
    if (stage === 'deleted' && exp.isDefault) throw new AppError('BAD_USER_INPUT', 'Cannot delete the default experiment');
    if (exp.lifecycleStage === stage) return;
    const now = Date.now();
    await tx.update(experiments).set({ lifecycleStage: stage, updatedAt: now }).where(eq(experiments.id, exp.id));
    if (stage === 'deleted') {
      await tx.update(runs).set({ lifecycleStage: 'deleted', deletedAt: new Date(now) }).where(and(eq(runs.experimentId, exp.id), eq(runs.lifecycleStage, 'active')));
    } else {
      // The runs deleted with the experiment carry its deletion time; runs deleted on their own before stay deleted.
      await tx.update(runs).set({ lifecycleStage: 'active', deletedAt: null }).where(and(eq(runs.experimentId, exp.id), eq(runs.deletedAt, new Date(exp.updatedAt))));
    }
    await recordAudit(tx, ctx, { action: stage === 'deleted' ? 'experiment.delete' : 'experiment.restore', targetType: 'experiment', targetId: exp.id, data: { name: exp.name } });
  });
}

export const deleteExperiment = (ctx: TenantContext, experimentId: unknown) => setExperimentLifecycle(ctx, experimentId, 'deleted');
export const restoreExperiment = (ctx: TenantContext, experimentId: unknown) => setExperimentLifecycle(ctx, experimentId, 'active');
