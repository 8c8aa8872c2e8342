import { clusters } from '../../db/schema';
import { assertPlanAllows } from '../tenancy/plan-limits';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { toClusterView, type ClusterView } from './access';
import { sealClusterConfig } from './cluster-secrets';
import { sanitizeKubeconfig } from './kubeconfig';
import { probeKubernetesCluster } from './probe-kubernetes';
import { clusterConnectionInput } from './cluster.schemas';
import { statusOf, stored } from './cluster-status';

/** Connects a Kubernetes cluster: sanitize, probe, and store the kubeconfig encrypted when every required check passes. */
export async function connectCluster(ctx: TenantContext, input: unknown): Promise<ClusterView> {
  assertCan(ctx, 'cluster:manage');
  const data = parseInput(clusterConnectionInput, input);
  const config = sanitizeKubeconfig(data.kubeconfig);
  const report = await probeKubernetesCluster(config, { namespace: data.namespace, gpuTypeLabel: data.gpuTypeLabel });
  if (!report.ok) {
    const failed = report.checks.filter((c) => c.status === 'failed');
    throw new AppError('BAD_USER_INPUT', `The cluster cannot run Gantry jobs yet: ${failed.map((c) => `${c.title}: ${c.message}`).join('; ')}`, {
      fields: failed.map((c) => ({ path: `checks.${c.id}`, message: c.message })),
    });
  }
  const id = newId('cluster');
  return withTenant(ctx, async (tx) => {
    await assertPlanAllows(tx, ctx.orgId, 'clusters');
    const [row] = await tx
      .insert(clusters)
      .values({
        id,
        orgId: ctx.orgId,
        name: data.name,
        kind: 'kubernetes',
        namespace: data.namespace,
        server: config.server,
        encryptedConfig: sealClusterConfig({ orgId: ctx.orgId, id }, config),
        gpuTypeLabel: data.gpuTypeLabel ?? null,
        status: statusOf(report),
        validation: stored(report),
        capacity: report.capacity ? stored(report).capacity as Record<string, unknown> : null,
        checkedAt: report.checkedAt,
        createdBy: ctx.actor.userId,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new AppError('CONFLICT', `A cluster named '${data.name}' already exists`, { fields: [{ path: 'name', message: 'Already taken' }] });
    await recordAudit(tx, ctx, {
      action: 'cluster.connect',
      targetType: 'cluster',
      targetId: id,
      data: { name: data.name, server: config.server, namespace: data.namespace, status: row.status, auth: config.token ? 'token' : 'client-certificate' },
    });
    return toClusterView(row);
  });
}
