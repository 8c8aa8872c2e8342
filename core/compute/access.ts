import { and, asc, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import type { PriceCatalog } from '../../rules/money';
import { clusterGpuPrices, clusters, type Cluster } from '../../db/schema';
import { notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';

/** Every organization's built-in cluster, made with the organization (migration 0012's trigger). */
export const LOCAL_CLUSTER_NAME = 'local';

export type ClusterPrices = PriceCatalog;

/** A cluster as readers see it: never its credentials. Its GPU prices are loaded on their own ({@link gpuPricesOf}). */
export type ClusterView = Omit<Cluster, 'encryptedConfig'>;

export type GpuPrice = ClusterPrices['gpu'][number];

/** A live cluster by ID or name, or NOT_FOUND (also for other tenants' clusters). */
export async function findCluster(tx: Tx, ctx: Pick<TenantContext, 'orgId'>, idOrName: string): Promise<Cluster> {
  const [c] = await tx
    .select()
    .from(clusters)
    .where(and(eq(clusters.orgId, ctx.orgId), isNull(clusters.deletedAt), or(eq(clusters.id, idOrName), eq(clusters.name, idOrName))));
  if (!c) throw notFound(`Cluster '${idOrName.slice(0, 64)}'`);
  return c;
}

/** The GPU prices of many clusters of one organization in one query, each list ordered by GPU type; a cluster without any maps to nothing. */
export async function gpuPricesOf(tx: Tx, orgId: string, clusterIds: readonly string[]): Promise<Map<string, GpuPrice[]>> {
  const out = new Map<string, GpuPrice[]>();
  if (clusterIds.length === 0) return out;
  const rows = await tx
    .select({ clusterId: clusterGpuPrices.clusterId, gpuType: clusterGpuPrices.gpuType, hourMicros: clusterGpuPrices.hourMicros })
    .from(clusterGpuPrices)
    .where(and(eq(clusterGpuPrices.orgId, orgId), inArray(clusterGpuPrices.clusterId, [...new Set(clusterIds)])))
    .orderBy(asc(clusterGpuPrices.gpuType));
  for (const { clusterId, ...price } of rows) out.set(clusterId, [...(out.get(clusterId) ?? []), price]);
  return out;
}

export async function loadPrices(tx: Tx, cluster: Cluster): Promise<ClusterPrices> {
  const gpu = (await gpuPricesOf(tx, cluster.orgId, [cluster.id])).get(cluster.id) ?? [];
  return { cpuCoreHourMicros: cluster.cpuCoreHourMicros, memoryGibHourMicros: cluster.memoryGibHourMicros, gpu };
}

export function toClusterView(cluster: Cluster): ClusterView {
  const { encryptedConfig: _secret, ...rest } = cluster;
  return rest;
}
