import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { loggedModelParams, loggedModels, loggedModelTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { LIMITS, paramSchema } from '../tracking/tracking.schemas';
import { idSchema, parseInput } from '../validation';
import { loadLoggedModelViews, type LoggedModelView } from './logged-model-access';
import { findLoggedModel } from './model-source';
import { REGISTRY_LIMITS, registryTagSchema } from './registry.schemas';

export const updateLoggedModelInput = z.object({
  modelId: idSchema('Logged model ID'),
  /** MLflow's finalize: READY once the files are uploaded, FAILED when the upload failed. */
  status: z.enum(['READY', 'FAILED']).nullish(),
  setTags: z.array(registryTagSchema).max(REGISTRY_LIMITS.tagsPerCall).default([]),
  deleteTagKey: z.string().min(1).max(250).nullish(),
  params: z.array(paramSchema).max(LIMITS.paramsPerBatch, `At most ${LIMITS.paramsPerBatch} params`).default([]),
});

/** Finalize, tag, untag or add params to a logged model. Params, like a run's, never change once set. */
export async function updateLoggedModel(ctx: TenantContext, input: unknown): Promise<LoggedModelView> {
  assertCan(ctx, 'model:write');
  const data = parseInput(updateLoggedModelInput, input);
  return withTenant(ctx, async (tx) => {
    const model = await findLoggedModel(tx, ctx, data.modelId);
    const [row] = await tx
      .update(loggedModels)
      .set({ updatedAt: Date.now(), ...(data.status ? { status: data.status } : {}) })
      .where(eq(loggedModels.id, model.id))
      .returning();
    for (const t of data.setTags) {
      await tx
        .insert(loggedModelTags)
        .values({ orgId: ctx.orgId, modelId: model.id, key: t.key, value: t.value })
        .onConflictDoUpdate({ target: [loggedModelTags.modelId, loggedModelTags.key], set: { value: t.value } });
    }
    if (data.deleteTagKey) {
      const gone = await tx
        .delete(loggedModelTags)
        .where(and(eq(loggedModelTags.modelId, model.id), eq(loggedModelTags.key, data.deleteTagKey)))
        .returning({ key: loggedModelTags.key });
      if (!gone.length) throw notFound(`Tag '${data.deleteTagKey}' of logged model ${model.id}`);
    }
    for (const p of data.params) {
      const [kept] = await tx
        .insert(loggedModelParams)
        .values({ orgId: ctx.orgId, modelId: model.id, key: p.key, value: p.value })
        .onConflictDoUpdate({ target: [loggedModelParams.modelId, loggedModelParams.key], set: { key: p.key } })
        .returning({ value: loggedModelParams.value });
      if (kept && kept.value !== p.value) {
        throw new AppError('BAD_USER_INPUT', `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${kept.value}'.`);
      }
    }
    await recordAudit(tx, ctx, {
      action: 'logged_model.update',
      targetType: 'logged_model',
      targetId: model.id,
      data: {
        ...(data.status ? { status: data.status } : {}),
        ...(data.setTags.length ? { setTags: data.setTags.map((t) => t.key) } : {}),
        ...(data.deleteTagKey ? { deleteTagKey: data.deleteTagKey } : {}),
        ...(data.params.length ? { params: data.params.map((p) => p.key) } : {}),
      },
    });
    return (await loadLoggedModelViews(tx, [row!]))[0]!;
  });
}
