import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { clusters, trainingJobs, type Cluster } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { findCluster, LOCAL_CLUSTER_NAME, toClusterView, type ClusterView } from './access';
import { openClusterConfig, sealClusterConfig } from './cluster-secrets';
import { MAX_KUBECONFIG_BYTES, sanitizeKubeconfig } from './kubeconfig';
import { probeKubernetesCluster, type ClusterValidationReport } from './probe-kubernetes';

const clusterName = z
  .string()
  .trim()
  .min(1, 'Cluster name is required')
  .max(63, 'Cluster name must be at most 63 characters')
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'Cluster names are lowercase letters, digits and "-"')
  .refine((n) => n !== LOCAL_CLUSTER_NAME, `"${LOCAL_CLUSTER_NAME}" is the built-in cluster`);

const namespaceName = z
  .string()
  .trim()
  .min(1, 'Namespace is required')
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'Namespaces are lowercase letters, digits and "-"');

const labelKey = z
  .string()
  .trim()
  .max(253)
  .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'Not a Kubernetes label key');

export const clusterConnectionInput = z.object({
  name: clusterName,
  kubeconfig: z.string().min(1, 'Paste a kubeconfig').max(MAX_KUBECONFIG_BYTES, 'The kubeconfig is too large'),
  namespace: namespaceName,
  gpuTypeLabel: labelKey.optional(),
});

const statusOf = (r: ClusterValidationReport): Cluster['status'] =>
  !r.ok ? (r.checks.some((c) => c.id === 'reachability' && c.status === 'failed') ? 'unreachable' : 'degraded') : r.checks.some((c) => c.status === 'warning') ? 'degraded' : 'ready';

const stored = (r: ClusterValidationReport) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>;

/**
 * Checks a pasted kubeconfig without storing anything: the kubeconfig is
 * sanitized (hostile input: no exec, auth providers, files, proxies, insecure
 * TLS, private addresses) and the cluster probed. The UI shows this report
 * before the admin connects.
 */
export async function checkClusterConnection(ctx: TenantContext, input: unknown): Promise<ClusterValidationReport> {
  assertCan(ctx, 'cluster:manage');
  const data = parseInput(clusterConnectionInput.extend({ name: clusterName.optional() }), input);
  const config = sanitizeKubeconfig(data.kubeconfig);
  return probeKubernetesCluster(config, { namespace: data.namespace, gpuTypeLabel: data.gpuTypeLabel });
}

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
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
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

export const clusterIdInput = z.object({ clusterId: idSchema('Cluster ID') });

/** Probes a connected cluster again with its stored credentials and records the result. */
export async function recheckCluster(ctx: TenantContext, input: unknown): Promise<ClusterView> {
  assertCan(ctx, 'cluster:manage');
  const { clusterId } = parseInput(clusterIdInput, input);
  const cluster = await withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, (tx) => findCluster(tx, ctx, clusterId));
  if (cluster.kind !== 'kubernetes') return toClusterView(cluster);
  const report = await probeKubernetesCluster(openClusterConfig(cluster), { namespace: cluster.namespace!, gpuTypeLabel: cluster.gpuTypeLabel ?? undefined });
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    const [row] = await tx
      .update(clusters)
      .set({ status: statusOf(report), validation: stored(report), capacity: report.capacity ? (stored(report).capacity as Record<string, unknown>) : null, checkedAt: report.checkedAt, updatedAt: new Date() })
      .where(eq(clusters.id, cluster.id))
      .returning();
    await recordAudit(tx, ctx, { action: 'cluster.recheck', targetType: 'cluster', targetId: cluster.id, data: { status: row!.status } });
    return toClusterView(row!);
  });
}

/** Disconnects a cluster (its credentials are erased); refused while jobs are still active on it. */
export async function removeCluster(ctx: TenantContext, input: unknown): Promise<ClusterView> {
  assertCan(ctx, 'cluster:manage');
  const { clusterId } = parseInput(clusterIdInput, input);
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    const cluster = await findCluster(tx, ctx, clusterId);
    if (cluster.kind === 'local') throw new AppError('BAD_USER_INPUT', 'The built-in local cluster cannot be removed');
    const active = await tx
      .select({ id: trainingJobs.id })
      .from(trainingJobs)
      .where(and(eq(trainingJobs.clusterId, cluster.id), inArray(trainingJobs.status, ['queued', 'pending', 'running'])))
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
