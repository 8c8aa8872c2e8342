import { and, asc, eq, isNull } from 'drizzle-orm';
import { clusters } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { ensureLocalCluster, findCluster, toClusterView, type ClusterView } from './access';

/** Every live cluster of the organization, `local` first. */
export async function listClusters(ctx: TenantContext): Promise<ClusterView[]> {
  assertCan(ctx, 'cluster:read');
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    await ensureLocalCluster(tx, ctx, () => newId('cluster'));
    const rows = await tx
      .select()
      .from(clusters)
      .where(and(eq(clusters.orgId, ctx.orgId), isNull(clusters.deletedAt)))
      .orderBy(asc(clusters.kind), asc(clusters.name));
    return Promise.all(rows.map((r) => toClusterView(tx, r)));
  });
}

export async function getCluster(ctx: TenantContext, idOrName: string): Promise<ClusterView> {
  assertCan(ctx, 'cluster:read');
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    await ensureLocalCluster(tx, ctx, () => newId('cluster'));
    return toClusterView(tx, await findCluster(tx, ctx, idOrName));
  });
}
