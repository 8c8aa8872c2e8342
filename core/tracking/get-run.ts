import { and, eq, inArray } from 'drizzle-orm';
import { runs } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findRun, loadRunViews, type RunView } from './access';
import { runIdSchema } from './tracking.schemas';

export async function getRun(ctx: TenantContext, runId: unknown): Promise<RunView> {
  assertCan(ctx, 'run:read');
  const id = parseInput(runIdSchema, runId);
  return withTenant(ctx, async (tx) => (await loadRunViews(tx, [await findRun(tx, ctx, id)]))[0]!);
}

/** Many runs by ID, with what {@link getRun} gives each, in one query per part; IDs not in the caller's organization map to nothing. */
export async function getRuns(ctx: TenantContext, runIds: readonly string[]): Promise<Map<string, RunView>> {
  assertCan(ctx, 'run:read');
  const ids = [...new Set(runIds)];
  if (ids.length === 0) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(runs).where(and(eq(runs.orgId, ctx.orgId), inArray(runs.id, ids)));
    return new Map((await loadRunViews(tx, rows)).map((r) => [r.id, r]));
  });
}
