import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { runs, runTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findRun, loadRunViews, type RunView } from './access';
import { RUN_NAME_TAG } from './create-run';
import { int64Schema, RUN_STATUSES, runIdSchema, runNameSchema } from './tracking.schemas';

export const updateRunInput = z.object({
  runId: runIdSchema,
  status: z.enum(RUN_STATUSES).nullish(),
  endTime: int64Schema('end_time').nullish(),
  runName: runNameSchema.nullish(),
});

export async function updateRun(ctx: TenantContext, input: unknown): Promise<RunView> {
  assertCan(ctx, 'run:write');
  const data = parseInput(updateRunInput, input);
  return withTenant(ctx, async (tx) => {
    const run = await findRun(tx, ctx, data.runId, { forUpdate: true });
    const patch: Partial<typeof runs.$inferInsert> = {};
    if (data.status) patch.status = data.status;
    if (data.endTime != null) patch.endTime = data.endTime;
    // A run that finishes without an explicit end time ends now, so its duration is never open-ended.
    else if (data.status && data.status !== 'RUNNING' && data.status !== 'SCHEDULED' && run.endTime == null) patch.endTime = Date.now();
    if (data.runName) patch.name = data.runName;
    const [row] = Object.keys(patch).length ? await tx.update(runs).set(patch).where(eq(runs.id, run.id)).returning() : [run];
    if (data.runName) {
      await tx
        .insert(runTags)
        .values({ orgId: ctx.orgId, runId: run.id, key: RUN_NAME_TAG, value: data.runName })
        .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: data.runName } });
    }
    await recordAudit(tx, ctx, { action: 'run.update', targetType: 'run', targetId: run.id, data: { ...patch } });
    return (await loadRunViews(tx, [row!]))[0]!;
  });
}
