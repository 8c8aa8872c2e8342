import { eq } from 'drizzle-orm';
import { modelAliases, registeredModels } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel } from './access';
import { assertAliasMovePermitted } from './alias-policy';
import { modelRefSchema } from './registry.schemas';

/**
 * Deletes the model with its versions, tags and aliases (the files stay with their runs).
 * Deleting a model removes its aliases, so protected aliases must be movable by the caller.
 */
export async function deleteRegisteredModel(ctx: TenantContext, ref: unknown): Promise<void> {
  assertCan(ctx, 'model:write');
  const data = parseInput(modelRefSchema, ref);
  await withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data, { forUpdate: true });
    const aliases = await tx.select({ alias: modelAliases.alias }).from(modelAliases).where(eq(modelAliases.modelId, model.id));
    for (const a of aliases) await assertAliasMovePermitted(tx, ctx, { model, alias: a.alias, toVersion: null });
    await tx.delete(registeredModels).where(eq(registeredModels.id, model.id));
    await recordAudit(tx, ctx, { action: 'registered_model.delete', targetType: 'registered_model', targetId: model.id, data: { name: model.name } });
  });
}
