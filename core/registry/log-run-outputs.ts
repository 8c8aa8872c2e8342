import { z } from 'zod';
import { runModelOutputs } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { findActiveRun } from '../tracking/access';
import { int64Schema, runIdSchema } from '../tracking/tracking.schemas';
import { idSchema, parseInput } from '../validation';
import { findLoggedModel } from './model-source';

export const logRunOutputsInput = z.object({
  runId: runIdSchema,
  models: z
    .array(z.object({ modelId: idSchema('Logged model ID'), step: int64Schema('step').default(0) }))
    .min(1, 'At least one model output is required')
    .max(100),
});

/** MLflow's `log_outputs`: links logged models to the run that produced them. Repeating a link updates its step. */
export async function logRunOutputs(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'run:write');
  assertCan(ctx, 'model:write');
  const data = parseInput(logRunOutputsInput, input);
  await withTenant(ctx, async (tx) => {
    const run = await findActiveRun(tx, ctx, data.runId);
    for (const m of data.models) {
      const model = await findLoggedModel(tx, ctx, m.modelId);
      await tx
        .insert(runModelOutputs)
        .values({ orgId: ctx.orgId, runId: run.id, modelId: model.id, step: m.step })
        .onConflictDoUpdate({ target: [runModelOutputs.runId, runModelOutputs.modelId], set: { step: m.step } });
    }
    await recordAudit(tx, ctx, { action: 'run.log_outputs', targetType: 'run', targetId: run.id, data: { models: data.models.map((m) => m.modelId) } });
  });
}
