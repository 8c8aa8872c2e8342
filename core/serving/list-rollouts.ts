import { and, desc, eq } from 'drizzle-orm';
import { rollouts } from '../../db/schema';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment } from './access';
import { findRollout, loadRolloutViews, type RolloutView } from './rollout-access';
import { listRolloutsInput, rolloutRefSchema } from './rollouts.schemas';

/** A deployment's rollouts, newest first, the running one with its current step's request counts. */
export async function listRollouts(ctx: TenantContext, input: unknown): Promise<RolloutView[]> {
  assertCan(ctx, 'deployment:read');
  const data = parseInput(listRolloutsInput, input);
  return withTenant(ctx, async (tx) => {
    const dep = await findDeployment(tx, ctx, data.deployment);
    const rows = await tx.select().from(rollouts).where(and(eq(rollouts.orgId, ctx.orgId), eq(rollouts.deploymentId, dep.id))).orderBy(desc(rollouts.n)).limit(data.limit);
    return loadRolloutViews(tx, rows);
  });
}

export async function getRollout(ctx: TenantContext, input: unknown): Promise<RolloutView> {
  assertCan(ctx, 'deployment:read');
  const { rolloutId } = parseInput(rolloutRefSchema, input);
  return withTenant(ctx, async (tx) => (await loadRolloutViews(tx, [await findRollout(tx, ctx, rolloutId)]))[0]!);
}
