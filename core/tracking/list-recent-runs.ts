import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { runs } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { loadRunViews, type RunView } from './access';

export const listRecentRunsInput = z.object({
  first: z.number().int().min(1, 'first must be at least 1').max(50, 'first must be at most 50').default(5),
});

/**
 * The organization's newest runs across every experiment, newest first (the home page's
 * "recent runs"); deleted runs are left out. Reads along `runs_org_start_idx`.
 */
export async function listRecentRuns(ctx: TenantContext, input: unknown): Promise<RunView[]> {
  assertCan(ctx, 'run:read');
  const data = parseInput(listRecentRunsInput, input);
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .select()
      .from(runs)
      .where(and(eq(runs.orgId, ctx.orgId), eq(runs.lifecycleStage, 'active')))
      .orderBy(desc(runs.startTime), desc(runs.id))
      .limit(data.first);
    return loadRunViews(tx, rows);
  });
}
