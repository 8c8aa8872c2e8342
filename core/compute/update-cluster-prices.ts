import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { clusterGpuPrices, clusters } from '../../db/schema';
import { gpuTypeSchema } from '../../rules/job-spec';
import { priceMicrosSchema } from '../../rules/money.schema';
import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { findCluster, toClusterView, type ClusterView } from './access';

export const updateClusterPricesInput = z.object({
  clusterId: idSchema('Cluster ID'),
  cpuCoreHourMicros: priceMicrosSchema,
  memoryGibHourMicros: priceMicrosSchema,
  gpu: z
    .array(z.object({ gpuType: gpuTypeSchema, hourMicros: priceMicrosSchema }))
    .max(50, 'At most 50 GPU types')
    .refine((g) => new Set(g.map((x) => x.gpuType)).size === g.length, 'Each GPU type may appear once')
    .default([]),
});

/** Replaces a cluster's price catalog (admins). Jobs already finished keep the cost they were charged. */
export async function updateClusterPrices(ctx: TenantContext, input: unknown): Promise<ClusterView> {
  assertCan(ctx, 'cluster:manage');
  const data = parseInput(updateClusterPricesInput, input);
  return withTenant(ctx, async (tx) => {
    const cluster = await findCluster(tx, ctx, data.clusterId);
    const [updated] = await tx
      .update(clusters)
      .set({ cpuCoreHourMicros: data.cpuCoreHourMicros, memoryGibHourMicros: data.memoryGibHourMicros, updatedAt: new Date() })
      .where(eq(clusters.id, cluster.id))
      .returning();
    await tx.delete(clusterGpuPrices).where(eq(clusterGpuPrices.clusterId, cluster.id));
    if (data.gpu.length) {
      await tx.insert(clusterGpuPrices).values(data.gpu.map((g) => ({ orgId: ctx.orgId, clusterId: cluster.id, gpuType: g.gpuType, hourMicros: g.hourMicros })));
    }
    await recordAudit(tx, ctx, {
      action: 'cluster.prices.update',
      targetType: 'cluster',
      targetId: cluster.id,
      data: { cpuCoreHourMicros: data.cpuCoreHourMicros, memoryGibHourMicros: data.memoryGibHourMicros, gpu: data.gpu },
    });
    return toClusterView(updated!);
  });
}
