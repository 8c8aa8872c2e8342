import { and, asc, eq, isNull } from 'drizzle-orm';
import { clusters } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { findCluster, toClusterView, type ClusterView } from './access';

/** Every live cluster of the organization, `local` first. */
export async function listClusters(ctx: TenantContext): Promise<ClusterView[]> {
  assertCan(ctx, 'cluster:read');
  return withTenant(ctx, async (tx) => {
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
  return withTenant(ctx, async (tx) => {
    return toClusterView(tx, await findCluster(tx, ctx, idOrName));
  });
}
