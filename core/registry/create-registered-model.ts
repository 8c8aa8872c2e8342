import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { projects, registeredModels, registeredModelTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { ensureDefaultProject } from '../tracking/default-experiment';
import { idSchema, parseInput } from '../validation';
import { apiKeyOf, loadModelViews, type RegisteredModelView } from './access';
import { modelNameSchema, registryDescriptionSchema, tagsInput } from './registry.schemas';

export const createRegisteredModelInput = z.object({
  name: modelNameSchema,
  /** Omitted by MLflow clients: the model then goes to the organization's default project, as new experiments do. */
  projectId: idSchema('Project ID').nullish(),
  description: registryDescriptionSchema.nullish(),
  tags: tagsInput,
});

export async function createRegisteredModel(ctx: TenantContext, input: unknown): Promise<RegisteredModelView> {
  assertCan(ctx, 'model:write');
  const data = parseInput(createRegisteredModelInput, input);
  const id = newId('registeredModel');
  return withTenant(ctx, async (tx) => {
    let projectId = data.projectId ?? null;
    if (projectId) {
      const [p] = await tx.select({ id: projects.id }).from(projects).where(and(eq(projects.id, projectId), eq(projects.orgId, ctx.orgId)));
      if (!p) throw notFound('Project');
    } else {
      projectId = await ensureDefaultProject(tx, ctx);
    }
    const now = Date.now();
    // ON CONFLICT DO NOTHING: a concurrent create of the same name loses cleanly instead of aborting on a unique violation.
    const inserted = await tx
      .insert(registeredModels)
      .values({
        id,
        orgId: ctx.orgId,
        projectId,
        name: data.name,
        description: data.description ?? '',
        createdBy: ctx.actor.userId,
        createdByApiKey: apiKeyOf(ctx),
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted[0]) {
      throw new AppError('CONFLICT', `Registered Model (name=${data.name}) already exists.`, { fields: [{ path: 'name', message: 'Already taken' }] });
    }
    const tags = new Map(data.tags.map((t) => [t.key, t.value]));
    if (tags.size) await tx.insert(registeredModelTags).values([...tags].map(([key, value]) => ({ orgId: ctx.orgId, modelId: id, key, value })));
    await recordAudit(tx, ctx, { action: 'registered_model.create', targetType: 'registered_model', targetId: id, data: { name: data.name, projectId } });
    return (await loadModelViews(tx, inserted))[0]!;
  });
}
