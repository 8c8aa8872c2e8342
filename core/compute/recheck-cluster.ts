import { eq } from 'drizzle-orm';
import { clusters } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findCluster, toClusterView, type ClusterView } from './access';
import { openClusterConfig } from './cluster-secrets';
import { probeKubernetesCluster } from './probe-kubernetes';
import { clusterIdInput } from './cluster.schemas';
import { statusOf, stored } from './cluster-status';

/** Probes a connected cluster again with its stored credentials and records the result. */
export async function recheckCluster(ctx: TenantContext, input: unknown): Promise<ClusterView> {
  assertCan(ctx, 'cluster:manage');
  const { clusterId } = parseInput(clusterIdInput, input);
  const cluster = await withTenant(ctx, (tx) => findCluster(tx, ctx, clusterId));
  if (cluster.kind !== 'kubernetes') return toClusterView(cluster);
  const report = await probeKubernetesCluster(openClusterConfig(cluster), { namespace: cluster.namespace!, gpuTypeLabel: cluster.gpuTypeLabel ?? undefined });
  return withTenant(ctx, async (tx) => {
    const [row] = await tx
      .update(clusters)
      .set({ status: statusOf(report), validation: stored(report), capacity: report.capacity ? (stored(report).capacity as Record<string, unknown>) : null, checkedAt: report.checkedAt, updatedAt: new Date() })
      .where(eq(clusters.id, cluster.id))
      .returning();
    await recordAudit(tx, ctx, { action: 'cluster.recheck', targetType: 'cluster', targetId: cluster.id, data: { status: row!.status } });
    return toClusterView(row!);
  });
}
