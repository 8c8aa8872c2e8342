import { and, asc, eq, isNull, or } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { clusterGpuPrices, clusters, type Cluster } from '../../db/schema';
import { notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';

/** Every organization's built-in cluster, made with the organization (migration 0012's trigger). */
export const LOCAL_CLUSTER_NAME = 'local';

export interface ClusterPrices {
  cpuCoreHourMicros: number;
  memoryGibHourMicros: number;
  gpu: { gpuType: string; hourMicros: number }[];
}

export type ClusterView = Omit<Cluster, 'encryptedConfig'> & { prices: ClusterPrices };

/** A live cluster by ID or name, or NOT_FOUND (also for other tenants' clusters). */
export async function findCluster(tx: Tx, ctx: Pick<TenantContext, 'orgId'>, idOrName: string): Promise<Cluster> {
  const [c] = await tx
    .select()
    .from(clusters)
    .where(and(eq(clusters.orgId, ctx.orgId), isNull(clusters.deletedAt), or(eq(clusters.id, idOrName), eq(clusters.name, idOrName))));
  if (!c) throw notFound(`Cluster '${idOrName.slice(0, 64)}'`);
  return c;
}

export async function loadPrices(tx: Tx, cluster: Cluster): Promise<ClusterPrices> {
  const gpu = await tx
    .select({ gpuType: clusterGpuPrices.gpuType, hourMicros: clusterGpuPrices.hourMicros })
    .from(clusterGpuPrices)
    .where(eq(clusterGpuPrices.clusterId, cluster.id))
    .orderBy(asc(clusterGpuPrices.gpuType));
  return { cpuCoreHourMicros: cluster.cpuCoreHourMicros, memoryGibHourMicros: cluster.memoryGibHourMicros, gpu };
}

export async function toClusterView(tx: Tx, cluster: Cluster): Promise<ClusterView> {
  const { encryptedConfig: _secret, ...rest } = cluster;
  return { ...rest, prices: await loadPrices(tx, cluster) };
}
