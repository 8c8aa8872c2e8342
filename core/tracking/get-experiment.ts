import { and, eq, inArray } from 'drizzle-orm';
import { experiments } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findExperiment, loadExperimentViews, type ExperimentView } from './access';
import { experimentIdSchema, experimentNameSchema } from './tracking.schemas';

export async function getExperiment(ctx: TenantContext, experimentId: unknown): Promise<ExperimentView> {
  assertCan(ctx, 'experiment:read');
  const id = parseInput(experimentIdSchema, experimentId);
  return withTenant(ctx, async (tx) => (await loadExperimentViews(tx, [await findExperiment(tx, ctx, id)]))[0]!);
}

/** Many experiments by ID in one query per part; IDs not in the caller's organization (and the alias "0") map to nothing. */
export async function getExperiments(ctx: TenantContext, experimentIds: readonly string[]): Promise<Map<string, ExperimentView>> {
  assertCan(ctx, 'experiment:read');
  const ids = [...new Set(experimentIds)];
  if (ids.length === 0) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(experiments).where(and(eq(experiments.orgId, ctx.orgId), inArray(experiments.id, ids)));
    return new Map((await loadExperimentViews(tx, rows)).map((e) => [e.id, e]));
  });
}

/** Deleted experiments are found by name too, as in MLflow, so a client can restore them. */
export async function getExperimentByName(ctx: TenantContext, name: unknown): Promise<ExperimentView> {
  assertCan(ctx, 'experiment:read');
  const n = parseInput(experimentNameSchema, name);
  return withTenant(ctx, async (tx) => {
    const [e] = await tx.select().from(experiments).where(and(eq(experiments.orgId, ctx.orgId), eq(experiments.name, n)));
    if (!e) throw notFound(`Could not find experiment with name '${n}'`);
    return (await loadExperimentViews(tx, [e]))[0]!;
  });
}
