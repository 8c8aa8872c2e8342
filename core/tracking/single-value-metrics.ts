import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { runLatestMetrics } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';

/**
 * Which metrics of each run hold exactly one point: a final score (test accuracy,
 * training time) rather than a curve, shown as a number instead of a chart.
 * One statement for many runs; each metric reads at most two of its points.
 */
export async function getSingleValueMetrics(ctx: TenantContext, runIds: readonly string[]): Promise<Map<string, string[]>> {
  assertCan(ctx, 'run:read');
  const ids = [...new Set(runIds)];
  const found = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return found;
  return withTenant(ctx, async (tx) => {
    const l = runLatestMetrics;
    const rows = await tx
      .select({ runId: l.runId, key: l.key })
      .from(l)
      .where(
        and(
          eq(l.orgId, ctx.orgId),
          inArray(l.runId, ids),
          sql`(select count(*) from (select 1 from run_metrics m where m.run_id = ${l.runId} and m.key = ${l.key} limit 2) as two) = 1`,
        ),
      )
      .orderBy(asc(l.runId), asc(l.key));
    for (const r of rows) found.get(r.runId)?.push(r.key);
    return found;
  });
}
