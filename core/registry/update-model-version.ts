import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { modelVersions, modelVersionTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel, findVersion, loadVersionViews, type ModelVersionView } from './access';
import { MODEL_STAGES, modelRefSchema, registryDescriptionSchema, REGISTRY_LIMITS, registryTagSchema, versionNumberSchema } from './registry.schemas';

export const updateModelVersionInput = z.object({
  model: modelRefSchema,
  version: versionNumberSchema,
  description: registryDescriptionSchema.nullish(),
  setTags: z.array(registryTagSchema).max(REGISTRY_LIMITS.tagsPerCall).default([]),
  deleteTagKeys: z.array(z.string().min(1).max(250)).max(REGISTRY_LIMITS.tagsPerCall).default([]),
  /** MLflow answers deleting a missing tag with RESOURCE_DOES_NOT_EXIST. */
  requireTagsExist: z.boolean().default(false),
  /** MLflow's legacy stage transition; aliases are the way to mark a version now. */
  stage: z.enum(MODEL_STAGES, { message: `Stage must be one of ${MODEL_STAGES.join(', ')}` }).nullish(),
});

export async function updateModelVersion(ctx: TenantContext, input: unknown): Promise<ModelVersionView> {
  assertCan(ctx, 'model:write');
  const data = parseInput(updateModelVersionInput, input);
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model);
    const v = await findVersion(tx, model, data.version, { forUpdate: true });
    const patch: Partial<typeof modelVersions.$inferInsert> = { updatedAt: Date.now() };
    if (data.description != null) patch.description = data.description;
    if (data.stage) patch.stage = data.stage;
    const [row] = await tx.update(modelVersions).set(patch).where(eq(modelVersions.id, v.id)).returning();
    for (const t of data.setTags) {
      await tx
        .insert(modelVersionTags)
        .values({ orgId: ctx.orgId, versionId: v.id, key: t.key, value: t.value })
        .onConflictDoUpdate({ target: [modelVersionTags.versionId, modelVersionTags.key], set: { value: t.value } });
    }
    if (data.deleteTagKeys.length) {
      const gone = await tx
        .delete(modelVersionTags)
        .where(and(eq(modelVersionTags.versionId, v.id), inArray(modelVersionTags.key, data.deleteTagKeys)))
        .returning({ key: modelVersionTags.key });
      if (data.requireTagsExist && gone.length < new Set(data.deleteTagKeys).size) {
        throw notFound(`Model version tag with key '${data.deleteTagKeys.find((k) => !gone.some((g) => g.key === k))}'`);
      }
    }
    await recordAudit(tx, ctx, {
      action: 'model_version.update',
      targetType: 'model_version',
      targetId: v.id,
      data: {
        model: model.name,
        version: v.version,
        ...(patch.description != null ? { description: true } : {}),
        ...(patch.stage ? { stage: { from: v.stage, to: patch.stage } } : {}),
        ...(data.setTags.length ? { setTags: data.setTags.map((t) => t.key) } : {}),
        ...(data.deleteTagKeys.length ? { deleteTagKeys: data.deleteTagKeys } : {}),
      },
    });
    return (await loadVersionViews(tx, [row!]))[0]!;
  });
}
