import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { registeredModels, registeredModelTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError, fromPgError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel, loadModelViews, type RegisteredModelView } from './access';
import { modelNameSchema, modelRefSchema, registryDescriptionSchema, REGISTRY_LIMITS, registryTagSchema } from './registry.schemas';

export const updateRegisteredModelInput = z.object({
  model: modelRefSchema,
  newName: modelNameSchema.nullish(),
  description: registryDescriptionSchema.nullish(),
  setTags: z.array(registryTagSchema).max(REGISTRY_LIMITS.tagsPerCall).default([]),
  deleteTagKeys: z.array(z.string().min(1).max(250)).max(REGISTRY_LIMITS.tagsPerCall).default([]),
  /** MLflow answers deleting a missing tag with RESOURCE_DOES_NOT_EXIST. */
  requireTagsExist: z.boolean().default(false),
});

/** Rename, description and tags in one transaction; MLflow's separate endpoints each send one of them. */
export async function updateRegisteredModel(ctx: TenantContext, input: unknown): Promise<RegisteredModelView> {
  assertCan(ctx, 'model:write');
  const data = parseInput(updateRegisteredModelInput, input);
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model, { forUpdate: true });
    const patch: Partial<typeof registeredModels.$inferInsert> = { updatedAt: Date.now() };
    if (data.description != null) patch.description = data.description;
    if (data.newName && data.newName !== model.name) {
      const [taken] = await tx
        .select({ id: registeredModels.id })
        .from(registeredModels)
        .where(and(eq(registeredModels.orgId, ctx.orgId), eq(registeredModels.name, data.newName)));
      if (taken) throw new AppError('CONFLICT', `Registered Model (name=${data.newName}) already exists.`);
      patch.name = data.newName;
    }
    // The unique index settles a rename racing another rename or create to the same name.
    const [row] = await tx
      .update(registeredModels)
      .set(patch)
      .where(eq(registeredModels.id, model.id))
      .returning()
      .catch((e: unknown) => fromPgError(e, `Registered Model (name=${data.newName}) already exists.`));
    for (const t of data.setTags) {
      await tx
        .insert(registeredModelTags)
        .values({ orgId: ctx.orgId, modelId: model.id, key: t.key, value: t.value })
        .onConflictDoUpdate({ target: [registeredModelTags.modelId, registeredModelTags.key], set: { value: t.value } });
    }
    if (data.deleteTagKeys.length) {
      const gone = await tx
        .delete(registeredModelTags)
        .where(and(eq(registeredModelTags.modelId, model.id), inArray(registeredModelTags.key, data.deleteTagKeys)))
        .returning({ key: registeredModelTags.key });
      if (data.requireTagsExist && gone.length < new Set(data.deleteTagKeys).size) {
        throw notFound(`Registered model tag with key '${data.deleteTagKeys.find((k) => !gone.some((g) => g.key === k))}'`);
      }
    }
    await recordAudit(tx, ctx, {
      action: 'registered_model.update',
      targetType: 'registered_model',
      targetId: model.id,
      data: {
        ...(patch.name ? { name: { from: model.name, to: patch.name } } : {}),
        ...(patch.description != null ? { description: true } : {}),
        ...(data.setTags.length ? { setTags: data.setTags.map((t) => t.key) } : {}),
        ...(data.deleteTagKeys.length ? { deleteTagKeys: data.deleteTagKeys } : {}),
      },
    });
    return (await loadModelViews(tx, [row!]))[0]!;
  });
}
