import { eq } from 'drizzle-orm';
import { loggedModels } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { findLoggedModel } from './model-source';

/**
 * Marks a logged model deleted, as MLflow does: it disappears from get and search
 * but the model versions registered from it keep their storage location.
 */
export async function deleteLoggedModel(ctx: TenantContext, modelId: unknown): Promise<void> {
  assertCan(ctx, 'model:write');
  const id = parseInput(idSchema('Logged model ID'), modelId);
  await withTenant(ctx, async (tx) => {
    const model = await findLoggedModel(tx, ctx, id);
    await tx.update(loggedModels).set({ deletedAt: new Date(), updatedAt: Date.now() }).where(eq(loggedModels.id, model.id));
    await recordAudit(tx, ctx, { action: 'logged_model.delete', targetType: 'logged_model', targetId: model.id });
  });
}
