import { z } from 'zod';
import { loggedModelParams, loggedModels, loggedModelTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { findActiveRun, findExperiment } from '../tracking/access';
import { generateRunName } from '../tracking/run-names';
import { experimentIdSchema, LIMITS, paramSchema, runIdSchema } from '../tracking/tracking.schemas';
import { parseInput } from '../validation';
import { loadLoggedModelViews, loggedModelArtifactLocation, type LoggedModelView } from './logged-model-access';
import { REGISTRY_LIMITS, registryTagSchema } from './registry.schemas';

export const createLoggedModelInput = z.object({
  experimentId: experimentIdSchema,
  name: z.string().trim().min(1).max(REGISTRY_LIMITS.nameLength).nullish(),
  modelType: z.string().max(100).nullish(),
  sourceRunId: runIdSchema.nullish(),
  params: z.array(paramSchema).max(LIMITS.paramsPerBatch, `At most ${LIMITS.paramsPerBatch} params`).default([]),
  tags: z.array(registryTagSchema).max(REGISTRY_LIMITS.tagsPerCall).default([]),
});

/** MLflow 3's `create_logged_model`: the record a `log_model` call fills with files, then finalizes. */
export async function createLoggedModel(ctx: TenantContext, input: unknown): Promise<LoggedModelView> {
  assertCan(ctx, 'model:write');
  const data = parseInput(createLoggedModelInput, input);
  return withTenant(ctx, async (tx) => {
    const experiment = await findExperiment(tx, ctx, data.experimentId);
    const run = data.sourceRunId ? await findActiveRun(tx, ctx, data.sourceRunId) : null;
    if (run && run.experimentId !== experiment.id) {
      throw new AppError('BAD_USER_INPUT', `Run ${run.id} belongs to experiment ${run.experimentId}, not ${experiment.id}`);
    }
    const id = newId('loggedModel');
    const now = Date.now();
    const [row] = await tx
      .insert(loggedModels)
      .values({
        id,
        orgId: ctx.orgId,
        experimentId: experiment.id,
        name: data.name ?? generateRunName(),
        modelType: data.modelType ?? null,
        sourceRunId: run?.id ?? null,
        artifactLocation: loggedModelArtifactLocation(experiment.id, id, run?.id ?? null),
        createdBy: ctx.actor.userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const tags = new Map(data.tags.map((t) => [t.key, t.value]));
    if (tags.size) await tx.insert(loggedModelTags).values([...tags].map(([key, value]) => ({ orgId: ctx.orgId, modelId: id, key, value })));
    const params = new Map(data.params.map((p) => [p.key, p.value]));
    if (params.size) await tx.insert(loggedModelParams).values([...params].map(([key, value]) => ({ orgId: ctx.orgId, modelId: id, key, value })));
    await recordAudit(tx, ctx, { action: 'logged_model.create', targetType: 'logged_model', targetId: id, data: { experimentId: experiment.id, runId: run?.id ?? null } });
    return (await loadLoggedModelViews(tx, [row!]))[0]!;
  });
}
