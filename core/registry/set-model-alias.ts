import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { modelAliases, modelVersions } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { startAutoRollouts } from '../serving/auto-rollout';
import { assertCan, isSystemContext, type ActingContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel, findVersion, loadVersionViews, recordAliasEvent, type ModelVersionView } from './access';
import { assertAliasMovePermitted } from './alias-policy';
import { aliasSchema, modelRefSchema, versionNumberSchema } from './registry.schemas';

export const setModelAliasInput = z.object({ model: modelRefSchema, alias: aliasSchema, version: versionNumberSchema });

/**
 * Points an alias at a version, creating or moving it. The model row is locked
 * first, so two concurrent moves of one alias are serialised and each history
 * entry's `fromVersion` is the version the alias really left. A system context is a rollout recording
 * the version it promoted. Once the move has committed, deployments following the alias with automatic
 * rollouts start a canary of the new version.
 */
export async function setModelAlias(ctx: ActingContext, input: unknown): Promise<ModelVersionView> {
  if (!isSystemContext(ctx)) assertCan(ctx, 'model:write');
  const data = parseInput(setModelAliasInput, input);
  const view = await withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model, { forUpdate: true });
    const target = await findVersion(tx, model, data.version);
    const [current] = await tx
      .select({ versionId: modelAliases.versionId, version: modelVersions.version })
      .from(modelAliases)
      .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
      .where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, data.alias)));
    await assertAliasMovePermitted(tx, ctx, { model, alias: data.alias, toVersion: target });
    if (current?.versionId !== target.id) {
      const actorId = isSystemContext(ctx) ? null : ctx.actor.userId;
      await tx
        .insert(modelAliases)
        .values({ orgId: ctx.orgId, modelId: model.id, alias: data.alias, versionId: target.id, updatedBy: actorId })
        .onConflictDoUpdate({ target: [modelAliases.modelId, modelAliases.alias], set: { versionId: target.id, updatedBy: actorId, updatedAt: new Date() } });
      await recordAliasEvent(tx, ctx, { modelId: model.id, alias: data.alias, action: current ? 'move' : 'set', fromVersion: current?.version ?? null, toVersion: target.version });
      await recordAudit(tx, ctx, {
        action: 'model_alias.set',
        targetType: 'registered_model',
        targetId: model.id,
        data: { model: model.name, alias: data.alias, from: current?.version ?? null, to: target.version },
      });
    }
    return (await loadVersionViews(tx, [target]))[0]!;
  });
  await startAutoRollouts(ctx.orgId, { modelId: view.modelId, alias: data.alias, version: view.version });
  return view;
}
