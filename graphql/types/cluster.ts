import type { ClusterPrices, ClusterView } from '../../core/compute/access';
import { checkClusterConnection } from '../../core/compute/check-cluster-connection';
import { connectCluster } from '../../core/compute/connect-cluster';
import { recheckCluster } from '../../core/compute/recheck-cluster';
import { removeCluster } from '../../core/compute/remove-cluster';
import type { ClusterValidationReport, PermissionResult, ValidationCheck } from '../../core/compute/probe-kubernetes';
import { getCluster, listClusters, listGpuPrices } from '../../core/compute/list-clusters';
import { updateClusterPrices } from '../../core/compute/update-cluster-prices';
import { sharedRef, type Builder } from '../builder';

/** Shared with jobs, and with the registry's lineage, which shows the cluster a version came from. */
export const ClusterTypeRef = sharedRef((builder) => builder.objectRef<ClusterView>('Cluster'));

export function register(builder: Builder) {
  const ClusterKindEnum = builder.enumType('ClusterKind', { values: ['local', 'kubernetes'] as const });
  const ClusterStatusEnum = builder.enumType('ClusterStatus', { values: ['ready', 'degraded', 'unreachable'] as const });

  const GpuPrice = builder.objectRef<{ gpuType: string; hourMicros: number }>('GpuPrice').implement({
    fields: (t) => ({ gpuType: t.exposeString('gpuType'), hourMicros: t.expose('hourMicros', { type: 'Micros', description: 'Micro-dollars per GPU-hour' }) }),
  });
  const PriceCatalog = builder.objectRef<ClusterPrices>('PriceCatalog').implement({
    description: 'Prices in micro-dollars (1 USD = 1,000,000)',
    fields: (t) => ({
      cpuCoreHourMicros: t.expose('cpuCoreHourMicros', { type: 'Micros' }),
      memoryGibHourMicros: t.expose('memoryGibHourMicros', { type: 'Micros' }),
      gpu: t.field({ type: [GpuPrice], resolve: (p) => p.gpu }),
    }),
  });
  const GpuPool = builder.objectRef<{ gpuType: string; allocatable: number; nodes: number }>('GpuPool').implement({
    fields: (t) => ({ gpuType: t.exposeString('gpuType'), allocatable: t.exposeInt('allocatable'), nodes: t.exposeInt('nodes') }),
  });
  type Capacity = { cpuCores: number; memoryMiB: number; gpus: { gpuType: string; allocatable: number; nodes: number }[] };
  const ClusterCapacity = builder.objectRef<Capacity>('ClusterCapacity').implement({
    fields: (t) => ({ cpuCores: t.exposeFloat('cpuCores'), memoryMiB: t.exposeFloat('memoryMiB'), gpus: t.field({ type: [GpuPool], resolve: (c) => c.gpus }) }),
  });
  const ClusterCheck = builder.objectRef<ValidationCheck>('ClusterCheck').implement({
    description: 'One line of a connection check: address, reachability, credentials, permissions, namespace, GPU capacity',
    fields: (t) => ({
      id: t.exposeString('id'),
      title: t.exposeString('title'),
      status: t.exposeString('status', { description: 'passed, warning, failed or skipped' }),
      message: t.exposeString('message'),
    }),
  });
  const ClusterPermission = builder.objectRef<PermissionResult>('ClusterPermission').implement({
    fields: (t) => ({
      verb: t.exposeString('verb'),
      group: t.exposeString('group'),
      resource: t.exposeString('resource'),
      required: t.exposeBoolean('required'),
      allowed: t.exposeBoolean('allowed', { nullable: true }),
      purpose: t.exposeString('purpose'),
    }),
  });
  const ClusterReport = builder.objectRef<ClusterValidationReport>('ClusterValidationReport').implement({
    fields: (t) => ({
      ok: t.exposeBoolean('ok'),
      server: t.exposeString('server'),
      namespace: t.exposeString('namespace'),
      serverVersion: t.exposeString('serverVersion', { nullable: true }),
      checks: t.field({ type: [ClusterCheck], resolve: (r) => r.checks }),
      permissions: t.field({ type: [ClusterPermission], resolve: (r) => r.permissions }),
      capacity: t.field({ type: ClusterCapacity, nullable: true, resolve: (r) => r.capacity }),
    }),
  });
  const reportOf = (c: ClusterView) => c.validation as unknown as ClusterValidationReport | null;

  const ClusterRef = ClusterTypeRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      kind: t.expose('kind', { type: ClusterKindEnum }),
      namespace: t.exposeString('namespace', { nullable: true }),
      server: t.exposeString('server', { nullable: true }),
      status: t.expose('status', { type: ClusterStatusEnum }),
      checkedAt: t.expose('checkedAt', { type: 'DateTime', nullable: true }),
      checks: t.field({ type: [ClusterCheck], description: 'The last connection check, line by line', resolve: (c) => reportOf(c)?.checks ?? [] }),
      permissions: t.field({ type: [ClusterPermission], resolve: (c) => reportOf(c)?.permissions ?? [] }),
      capacity: t.field({ type: ClusterCapacity, nullable: true, resolve: (c) => (c.capacity as Capacity | null) ?? null }),
      prices: t.field({
        type: PriceCatalog,
        resolve: async (c, _a, ctx) => {
          const tenant = await ctx.tenant();
          const gpu = (await ctx.batch('gpuPrices', c.id, (ids) => listGpuPrices(tenant, ids))) ?? [];
          return { cpuCoreHourMicros: c.cpuCoreHourMicros, memoryGibHourMicros: c.memoryGibHourMicros, gpu };
        },
      }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
    }),
  });

  // ---- inputs -------------------------------------------------------------------------------
  const ConnectClusterInput = builder.inputType('ConnectClusterInput', {
    fields: (t) => ({
      name: t.string({ required: true }),
      kubeconfig: t.string({ required: true, description: 'Inline credentials only: no exec, auth-provider, file paths or proxies' }),
      namespace: t.string({ required: true }),
      gpuTypeLabel: t.string({ description: "The node label naming the GPU type (default 'nvidia.com/gpu.product')" }),
    }),
  });
  const GpuPriceInput = builder.inputType('GpuPriceInput', { fields: (t) => ({ gpuType: t.string({ required: true }), hourMicros: t.field({ type: 'Micros', required: true }) }) });
  const PricesInput = builder.inputType('UpdateClusterPricesInput', {
    fields: (t) => ({
      clusterId: t.id({ required: true }),
      cpuCoreHourMicros: t.field({ type: 'Micros', required: true }),
      memoryGibHourMicros: t.field({ type: 'Micros', required: true }),
      gpu: t.field({ type: [GpuPriceInput] }),
    }),
  });

  // ---- queries ------------------------------------------------------------------------------
  builder.queryFields((t) => ({
    clusters: t.field({ type: [ClusterRef], authScopes: { permission: 'cluster:read' }, resolve: async (_r, _a, ctx) => listClusters(await ctx.tenant()) }),
    cluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:read' },
      args: { id: t.arg.id({ required: true, description: 'ID or name' }) },
      resolve: async (_r, { id }, ctx) => getCluster(await ctx.tenant(), String(id)),
    }),
  }));

  // ---- mutations ----------------------------------------------------------------------------
  builder.mutationFields((t) => ({
    checkClusterConnection: t.field({
      type: ClusterReport,
      authScopes: { permission: 'cluster:manage' },
      description: 'Checks a kubeconfig against its cluster without storing anything',
      args: { input: t.arg({ type: ConnectClusterInput, required: true }) },
      resolve: async (_r, { input }, ctx) => checkClusterConnection(await ctx.tenant(), { ...input, gpuTypeLabel: input.gpuTypeLabel ?? undefined }),
    }),
    connectCluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      description: 'Checks the kubeconfig (hostile input), reachability, namespace, RBAC and GPUs, then stores it encrypted',
      args: { input: t.arg({ type: ConnectClusterInput, required: true }) },
      resolve: async (_r, { input }, ctx) => connectCluster(await ctx.tenant(), { ...input, gpuTypeLabel: input.gpuTypeLabel ?? undefined }),
    }),
    recheckCluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => recheckCluster(await ctx.tenant(), { clusterId: String(id) }),
    }),
    removeCluster: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => removeCluster(await ctx.tenant(), { clusterId: String(id) }),
    }),
    updateClusterPrices: t.field({
      type: ClusterRef,
      authScopes: { permission: 'cluster:manage' },
      args: { input: t.arg({ type: PricesInput, required: true }) },
      resolve: async (_r, { input }, ctx) => updateClusterPrices(await ctx.tenant(), { ...input, gpu: input.gpu ?? [] }),
    }),
  }));
}
