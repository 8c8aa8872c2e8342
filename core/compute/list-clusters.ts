import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { clusters } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { findCluster, gpuPricesOf, toClusterView, type ClusterView, type GpuPrice } from './access';

/** Every live cluster of the organization, `local` first. */
export async function listClusters(ctx: TenantContext): Promise<ClusterView[]> {
  assertCan(ctx, 'cluster:read');
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .select()
      .from(clusters)
      .where(and(eq(clusters.orgId, ctx.orgId), isNull(clusters.deletedAt)))
      .orderBy(asc(clusters.kind), asc(clusters.name));
    return rows.map(toClusterView);
  });
}

export async function getCluster(ctx: TenantContext, idOrName: string): Promise<ClusterView> {
  assertCan(ctx, 'cluster:read');
  return withTenant(ctx, async (tx) => {
    return toClusterView(await findCluster(tx, ctx, idOrName));
  });
}

/**
 * Many clusters by ID in one query, removed ones included: a job keeps showing where it ran.
 * IDs not in the caller's organization map to nothing.
 */
export async function getClusters(ctx: TenantContext, clusterIds: readonly string[]): Promise<Map<string, ClusterView>> {
  assertCan(ctx, 'cluster:read');
  const ids = [...new Set(clusterIds)];
  if (ids.length === 0) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(clusters).where(and(eq(clusters.orgId, ctx.orgId), inArray(clusters.id, ids)));
    return new Map(rows.map((c) => [c.id, toClusterView(c)]));
  });
}

/** The GPU prices of many clusters in one query; a cluster of another organization, or without GPU prices, maps to nothing. */
export async function listGpuPrices(ctx: TenantContext, clusterIds: readonly string[]): Promise<Map<string, GpuPrice[]>> {
  assertCan(ctx, 'cluster:read');
  if (clusterIds.length === 0) return new Map();
  return withTenant(ctx, (tx) => gpuPricesOf(tx, ctx.orgId, clusterIds));
}
