import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { runTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findActiveRun } from './access';
import { runIdSchema } from './tracking.schemas';

export const deleteRunTagInput = z.object({ runId: runIdSchema, key: z.string().min(1, 'Tag key is required').max(250) });

/** MLflow answers a missing tag with RESOURCE_DOES_NOT_EXIST. */
export async function deleteRunTag(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'run:write');
  const data = parseInput(deleteRunTagInput, input);
  await withTenant(ctx, async (tx) => {
    const run = await findActiveRun(tx, ctx, data.runId);
    const deleted = await tx.delete(runTags).where(and(eq(runTags.runId, run.id), eq(runTags.key, data.key))).returning({ key: runTags.key });
    if (deleted.length === 0) throw notFound(`No tag with name: ${data.key} in run with id ${run.id}`);
  });
}
