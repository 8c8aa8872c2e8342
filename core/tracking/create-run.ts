import { z } from 'zod';
import { runs, runTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError, forbidden } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findExperiment, loadRunViews, type RunView } from './access';
import { generateRunName } from './run-names';
import { experimentIdSchema, int64Schema, LIMITS, RUN_STATUSES, runNameSchema, tagSchema } from './tracking.schemas';

/** MLflow keeps the run name in both the run and this tag; clients read either. */
export const RUN_NAME_TAG = 'mlflow.runName';

export const createRunInput = z.object({
  experimentId: experimentIdSchema,
  runName: runNameSchema.nullish(),
  startTime: int64Schema('start_time').nullish(),
  status: z.enum(RUN_STATUSES).default('RUNNING'),
  /** The client's own notion of the user (MLflow's `user_id`); the Gantry actor is recorded separately. */
  clientUser: z.string().max(250).nullish(),
  tags: z.array(tagSchema).max(LIMITS.tagsPerBatch, `At most ${LIMITS.tagsPerBatch} tags`).default([]),
});

export async function createRun(ctx: TenantContext, input: unknown): Promise<RunView> {
  assertCan(ctx, 'run:write');
  if (ctx.actor.kind === 'api_key' && ctx.actor.runId) throw forbidden(`This API key belongs to run ${ctx.actor.runId} and cannot create runs`);
  const data = parseInput(createRunInput, input);
  const tags = new Map(data.tags.map((t) => [t.key, t.value]));
  const name = data.runName || tags.get(RUN_NAME_TAG) || generateRunName();
  tags.set(RUN_NAME_TAG, name);
  const id = newId('run');
  return withTenant(ctx, async (tx) => {
    const exp = await findExperiment(tx, ctx, data.experimentId);
    if (exp.lifecycleStage !== 'active') throw new AppError('BAD_USER_INPUT', `The experiment ${exp.id} must be in the 'active' state to create runs in it`);
    const [row] = await tx
      .insert(runs)
      .values({
        id,
        orgId: ctx.orgId,
        experimentId: exp.id,
        name,
        status: data.status,
        startTime: data.startTime ?? Date.now(),
        createdBy: ctx.actor.userId,
        createdByApiKey: ctx.actor.kind === 'api_key' ? ctx.actor.apiKeyId : null,
        clientUser: data.clientUser ?? ctx.actor.email,
      })
      .returning();
    await tx.insert(runTags).values([...tags].map(([key, value]) => ({ orgId: ctx.orgId, runId: id, key, value })));
    await recordAudit(tx, ctx, { action: 'run.create', targetType: 'run', targetId: id, data: { experimentId: exp.id, name } });
    return (await loadRunViews(tx, [row!]))[0]!;
  });
}
