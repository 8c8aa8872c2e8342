import { and, eq, inArray } from 'drizzle-orm';
import { clusters, trainingJobs } from '../../db/schema';
import { ACTIVE_JOB_STATUSES } from '../../rules/job-status';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findCluster, toClusterView, type ClusterView } from './access';
import { clusterIdInput } from './cluster.schemas';

/** Disconnects a cluster (its credentials are erased); refused while jobs are still active on it. */
export async function removeCluster(ctx: TenantContext, input: unknown): Promise<ClusterView> {
  assertCan(ctx, 'cluster:manage');
  const { clusterId } = parseInput(clusterIdInput, input);
  return withTenant(ctx, async (tx) => {
    const cluster = await findCluster(tx, ctx, clusterId);
    if (cluster.kind === 'local') throw new AppError('BAD_USER_INPUT', 'The built-in local cluster cannot be removed');
    const active = await tx
      .select({ id: trainingJobs.id })
      .from(trainingJobs)
      .where(and(eq(trainingJobs.clusterId, cluster.id), inArray(trainingJobs.status, [...ACTIVE_JOB_STATUSES])))
      .limit(1);
    if (active.length) throw new AppError('CONFLICT', `Jobs are still active on ${cluster.name}; cancel them or wait for them to end`);
    const [row] = await tx
      .update(clusters)
      .set({ deletedAt: new Date(), encryptedConfig: null, name: `${cluster.name}~${cluster.id}`.slice(0, 200), updatedAt: new Date() })
      .where(eq(clusters.id, cluster.id))
      .returning();
    await recordAudit(tx, ctx, { action: 'cluster.remove', targetType: 'cluster', targetId: cluster.id, data: { name: cluster.name } });
    return toClusterView({ ...row!, name: cluster.name });
  });
}
