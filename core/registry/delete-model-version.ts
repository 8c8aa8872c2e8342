import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { modelAliases, modelVersions } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel, findVersion, recordAliasEvent } from './access';
import { assertAliasMovePermitted } from './alias-policy';
import { modelRefSchema, versionNumberSchema } from './registry.schemas';

export const deleteModelVersionInput = z.object({ model: modelRefSchema, version: versionNumberSchema });

/**
 * Deletes one version. Its aliases go with it (as in MLflow), each recorded in the
 * alias history, so a protected alias the caller may not move keeps its version.
 * The number is never reused: `next_version` only grows.
 */
export async function deleteModelVersion(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'model:write');
  const data = parseInput(deleteModelVersionInput, input);
  await withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model, { forUpdate: true });
    const v = await findVersion(tx, model, data.version, { forUpdate: true });
    const aliases = await tx.select({ alias: modelAliases.alias }).from(modelAliases).where(eq(modelAliases.versionId, v.id));
    for (const a of aliases) {
      await assertAliasMovePermitted(tx, ctx, { model, alias: a.alias, toVersion: null });
      await recordAliasEvent(tx, ctx, { modelId: model.id, alias: a.alias, action: 'delete', fromVersion: v.version, toVersion: null });
    }
    await tx.delete(modelVersions).where(eq(modelVersions.id, v.id));
    await recordAudit(tx, ctx, {
      action: 'model_version.delete',
      targetType: 'model_version',
      targetId: v.id,
      data: { model: model.name, version: v.version, aliases: aliases.map((a) => a.alias) },
    });
  });
}
