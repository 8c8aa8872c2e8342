import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { experiments, experimentTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError, fromPgError } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findExperiment, loadExperimentViews, type ExperimentView } from './access';
import { experimentIdSchema, experimentNameSchema, tagSchema } from './tracking.schemas';

export const updateExperimentInput = z.object({
  experimentId: experimentIdSchema,
  name: experimentNameSchema.nullish(),
  /** Upserted one by one; MLflow's set-experiment-tag. */
  setTags: z.array(tagSchema).max(100).default([]),
  deleteTagKeys: z.array(z.string().max(250)).max(100).default([]),
});

export async function updateExperiment(ctx: TenantContext, input: unknown): Promise<ExperimentView> {
  assertCan(ctx, 'experiment:write');
  const data = parseInput(updateExperimentInput, input);
  return withTenant(ctx, async (tx) => {
    const exp = await findExperiment(tx, ctx, data.experimentId);
    if (exp.lifecycleStage !== 'active') throw new AppError('BAD_USER_INPUT', 'Cannot update a deleted experiment; restore it first');
    const patch: Partial<typeof experiments.$inferInsert> = { updatedAt: Date.now() };
    if (data.name && data.name !== exp.name) {
      const [taken] = await tx
        .select({ id: experiments.id })
        .from(experiments)
        .where(and(eq(experiments.orgId, ctx.orgId), eq(experiments.name, data.name), ne(experiments.id, exp.id)));
      if (taken) throw new AppError('CONFLICT', `Experiment '${data.name}' already exists.`, { fields: [{ path: 'name', message: 'Already taken' }] });
      patch.name = data.name;
    }
    // The pre-check gives the usual message; the unique index still decides between two concurrent renames.
    const [row] = await tx
      .update(experiments)
      .set(patch)
      .where(eq(experiments.id, exp.id))
      .returning()
      .catch((e: unknown) => fromPgError(e, `Experiment '${data.name}' already exists.`));
    for (const t of data.setTags) {
      await tx
        .insert(experimentTags)
        .values({ orgId: ctx.orgId, experimentId: exp.id, key: t.key, value: t.value })
        .onConflictDoUpdate({ target: [experimentTags.experimentId, experimentTags.key], set: { value: t.value } });
    }
    for (const key of data.deleteTagKeys) {
      await tx.delete(experimentTags).where(and(eq(experimentTags.experimentId, exp.id), eq(experimentTags.key, key)));
    }
    await recordAudit(tx, ctx, {
      action: 'experiment.update',
      targetType: 'experiment',
      targetId: exp.id,
      data: { ...(patch.name ? { name: { from: exp.name, to: patch.name } } : {}), setTags: data.setTags.map((t) => t.key), deleteTags: data.deleteTagKeys },
    });
    return (await loadExperimentViews(tx, [row!]))[0]!;
  });
}
