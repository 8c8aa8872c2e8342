import { and, desc, eq } from 'drizzle-orm';
import { modelVersions } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { findRun } from '../tracking/access';
import { runIdSchema } from '../tracking/tracking.schemas';
import { parseInput } from '../validation';
import { loadVersionViews, type ModelVersionView } from './access';

/** The model versions registered from a run, newest first: lineage read from the run's side. Another organization's run is NOT_FOUND. */
export async function listRunModelVersions(ctx: TenantContext, runId: unknown): Promise<ModelVersionView[]> {
  assertCan(ctx, 'model:read');
  const id = parseInput(runIdSchema, runId);
  return withTenant(ctx, async (tx) => {
    const run = await findRun(tx, ctx, id);
    const rows = await tx
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.orgId, ctx.orgId), eq(modelVersions.runId, run.id)))
      .orderBy(desc(modelVersions.createdAt), desc(modelVersions.id));
    return loadVersionViews(tx, rows);
  });
}
