import { and, desc, eq, inArray } from 'drizzle-orm';
import { modelVersions, runs } from '../../db/schema';
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

/** {@link listRunModelVersions} for many runs at once; runs not in the caller's organization map to nothing. */
export async function listModelVersionsOfRuns(ctx: TenantContext, runIds: readonly string[]): Promise<Map<string, ModelVersionView[]>> {
  assertCan(ctx, 'model:read');
  const ids = [...new Set(runIds)];
  const out = new Map<string, ModelVersionView[]>();
  if (ids.length === 0) return out;
  return withTenant(ctx, async (tx) => {
    const visible = await tx.select({ id: runs.id }).from(runs).where(and(eq(runs.orgId, ctx.orgId), inArray(runs.id, ids)));
    if (visible.length === 0) return out;
    for (const r of visible) out.set(r.id, []);
    const rows = await tx
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.orgId, ctx.orgId), inArray(modelVersions.runId, [...out.keys()])))
      .orderBy(desc(modelVersions.createdAt), desc(modelVersions.id));
    for (const v of await loadVersionViews(tx, rows)) out.get(v.runId!)!.push(v);
    return out;
  });
}
