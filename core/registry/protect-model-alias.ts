import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { protectedModelAliases, type ProtectedModelAlias } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { forbidden } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { ORG_ROLES, ROLE_RANK } from '../tenancy/permissions';
import { parseInput } from '../validation';
import { findModel } from './access';
import { aliasSchema, modelRefSchema } from './registry.schemas';

export const protectModelAliasInput = z.object({
  model: modelRefSchema,
  alias: aliasSchema,
  /** The lowest org role that may set, move or delete the alias; null lifts the protection. */
  minRole: z.enum(ORG_ROLES).nullable(),
  requiresPassingEvaluation: z.boolean().default(false),
});

/**
 * Protects an alias (or changes or lifts its protection). Protection may be set on
 * an alias that points nowhere yet, so `champion` can be guarded before its first
 * promotion. Nobody may protect an alias above their own role: it would lock them out.
 */
export async function protectModelAlias(ctx: TenantContext, input: unknown): Promise<ProtectedModelAlias | null> {
  assertCan(ctx, 'model:alias-protect');
  const data = parseInput(protectModelAliasInput, input);
  if (data.minRole && ROLE_RANK[data.minRole] > ROLE_RANK[ctx.role]) throw forbidden(`You cannot require a role above your own (${ctx.role})`);
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model, { forUpdate: true });
    let row: ProtectedModelAlias | null = null;
    if (data.minRole) {
      [row] = await tx
        .insert(protectedModelAliases)
        .values({ orgId: ctx.orgId, modelId: model.id, alias: data.alias, minRole: data.minRole, requiresPassingEvaluation: data.requiresPassingEvaluation, createdBy: ctx.actor.userId })
        .onConflictDoUpdate({
          target: [protectedModelAliases.modelId, protectedModelAliases.alias],
          set: { minRole: data.minRole, requiresPassingEvaluation: data.requiresPassingEvaluation },
        })
        .returning() as [ProtectedModelAlias];
    } else {
      await tx.delete(protectedModelAliases).where(and(eq(protectedModelAliases.modelId, model.id), eq(protectedModelAliases.alias, data.alias)));
    }
    await recordAudit(tx, ctx, {
      action: data.minRole ? 'model_alias.protect' : 'model_alias.unprotect',
      targetType: 'registered_model',
      targetId: model.id,
      data: { model: model.name, alias: data.alias, minRole: data.minRole, requiresPassingEvaluation: data.requiresPassingEvaluation },
    });
    return row;
  });
}
