import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { experiments, experimentTags, projects } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { loadExperimentViews, type ExperimentView } from './access';
import { ensureDefaultProject } from './default-experiment';
import { experimentNameSchema, LIMITS, tagSchema } from './tracking.schemas';

export const createExperimentInput = z.object({
  name: experimentNameSchema,
  /** Omitted by MLflow clients: the experiment then goes to the organization's default project. */
  projectId: idSchema('Project ID').nullish(),
  tags: z.array(tagSchema).max(LIMITS.tagsPerBatch, `At most ${LIMITS.tagsPerBatch} tags`).default([]),
});

export async function createExperiment(ctx: TenantContext, input: unknown): Promise<ExperimentView> {
  assertCan(ctx, 'experiment:write');
  const data = parseInput(createExperimentInput, input);
  const id = newId('experiment');
  return withTenant(ctx, async (tx) => {
    let projectId = data.projectId ?? null;
    if (projectId) {
      const [p] = await tx.select({ id: projects.id }).from(projects).where(and(eq(projects.id, projectId), eq(projects.orgId, ctx.orgId)));
      if (!p) throw notFound('Project');
    } else {
      projectId = await ensureDefaultProject(tx, ctx);
    }
    const now = Date.now();
    const inserted = await tx
      .insert(experiments)
      .values({ id, orgId: ctx.orgId, projectId, name: data.name, createdBy: ctx.actor.userId, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning();
    if (!inserted[0]) {
      throw new AppError('CONFLICT', `Experiment '${data.name}' already exists.`, { fields: [{ path: 'name', message: 'Already taken' }] });
    }
    const tags = new Map(data.tags.map((t) => [t.key, t.value]));
    if (tags.size) await tx.insert(experimentTags).values([...tags].map(([key, value]) => ({ orgId: ctx.orgId, experimentId: id, key, value })));
    await recordAudit(tx, ctx, { action: 'experiment.create', targetType: 'experiment', targetId: id, data: { name: data.name, projectId } });
    return (await loadExperimentViews(tx, inserted))[0]!;
  });
}
