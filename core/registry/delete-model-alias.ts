import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { modelAliases, modelVersions } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel, recordAliasEvent } from './access';
import { assertAliasMovePermitted } from './alias-policy';
import { aliasSchema, modelRefSchema } from './registry.schemas';

export const deleteModelAliasInput = z.object({ model: modelRefSchema, alias: aliasSchema });

export async function deleteModelAlias(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'model:write');
  const data = parseInput(deleteModelAliasInput, input);
  await withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model, { forUpdate: true });
    const [current] = await tx
      .select({ version: modelVersions.version })
      .from(modelAliases)
      .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
      .where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, data.alias)));
    if (!current) throw notFound(`Registered model alias ${data.alias} of model ${model.name}`);
    await assertAliasMovePermitted(tx, ctx, { model, alias: data.alias, toVersion: null });
    await tx.delete(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, data.alias)));
    await recordAliasEvent(tx, ctx, { modelId: model.id, alias: data.alias, action: 'delete', fromVersion: current.version, toVersion: null });
    await recordAudit(tx, ctx, { action: 'model_alias.delete', targetType: 'registered_model', targetId: model.id, data: { model: model.name, alias: data.alias, from: current.version } });
  });
}
