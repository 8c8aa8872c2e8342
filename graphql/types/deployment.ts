import { env } from '../../config/env';
import { getClusters, getCluster } from '../../core/compute/list-clusters';
import { getModelVersions } from '../../core/registry/get-model-version';
import { getRegisteredModel } from '../../core/registry/get-registered-model';
import type { DeploymentView } from '../../core/serving/access';
import { createDeployment } from '../../core/serving/create-deployment';
import { deleteDeployment } from '../../core/serving/delete-deployment';
import {
  deploymentMetrics,
  deploymentsTrafficStats,
  windowBounds,
  type PredictionDistribution,
  type SeriesPoint,
  type TrafficStats,
  type VersionDistribution,
  type VersionSeries,
  type VersionStats,
} from '../../core/serving/deployment-metrics';
import { getDeployment } from '../../core/serving/get-deployment';
import { listDeployments } from '../../core/serving/list-deployments';
import { METRICS_WINDOWS, type MetricsWindow } from '../../core/serving/serving.schemas';
import { deploymentCosts, type DeploymentCosts } from '../../core/serving/deployment-costs';
import type { VersionCost } from '../../rules/serving/serving-cost';
import { setDeploymentTraffic } from '../../core/serving/set-deployment-traffic';
import { updateDeployment } from '../../core/serving/update-deployment';
import { getProject, getProjects } from '../../core/tenancy/get-project';
import { AppError } from '../../core/errors';
import { endpointExamples, type EndpointExamples } from '../../rules/serving/example-requests';
import { ARM_ROLES, type Arm, type VersionRef } from '../../rules/serving/routing';
import type { Builder } from '../builder';
import type { GraphQLContext } from '../context';
import { ClusterTypeRef } from './cluster';
import { ProjectRef } from './project-ref';
import { ModelVersionTypeRef, RegisteredModelTypeRef } from './registry';

/** GraphQL's window names and the core's. */
const WINDOWS = {
  LAST_15_MINUTES: { window: '15m', description: 'The last 15 minutes, in 15-second buckets' },
  LAST_HOUR: { window: '1h', description: 'The last hour, in 1-minute buckets' },
  LAST_6_HOURS: { window: '6h', description: 'The last 6 hours, in 6-minute buckets' },
  LAST_24_HOURS: { window: '24h', description: 'The last 24 hours, in 24-minute buckets' },
  LAST_7_DAYS: { window: '7d', description: 'The last 7 days, in 168-minute buckets' },
} as const satisfies Record<string, { window: MetricsWindow; description: string }>;
type WindowName = keyof typeof WINDOWS;

/** The gateway's address as callers reach it: configured, or the local gateway's port. */
export const gatewayUrl = () => env().GANTRY_GATEWAY_URL ?? `http://localhost:${env().GATEWAY_PORT}`;

/** What `Deployment.metrics` resolves to: the panels load when asked for, all over the same window. */
interface MetricsHandle {
  deployment: DeploymentView;
  window: MetricsWindow;
  now: Date;
}

async function versionOf(ref: VersionRef, ctx: GraphQLContext) {
  const tenant = await ctx.tenant();
  return (await ctx.batch('modelVersions', ref.versionId, (ids) => getModelVersions(tenant, ids))) ?? null;
}

async function trafficOf(h: MetricsHandle, ctx: GraphQLContext): Promise<TrafficStats> {
  const tenant = await ctx.tenant();
  // Every deployment of a list page asks at once: one statement for all of them.
  const found = await ctx.batch(`deploymentTraffic:${h.window}`, h.deployment.id, (ids) => deploymentsTrafficStats(tenant, { deploymentIds: ids, window: h.window }, h.now));
  return found ?? { arms: [], shadows: [] };
}

const optional = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function register(builder: Builder) {
  const ArmRoleEnum = builder.enumType('DeploymentArmRole', {
    description: 'stable: the version most traffic goes to; canary: a new version taking a share while it proves itself; variant: an A/B arm',
    values: ARM_ROLES,
  });
  const StickySourceEnum = builder.enumType('DeploymentStickySource', { values: ['header', 'input'] as const });
  const StatusEnum = builder.enumType('DeploymentStatus', { values: ['provisioning', 'ready', 'failed'] as const });
  const WindowEnum = builder.enumType('DeploymentMetricsWindow', {
    values: Object.fromEntries(Object.entries(WINDOWS).map(([k, v]) => [k, { description: v.description }])) as Record<WindowName, { description: string }>,
  });

  const ArmRef = builder.objectRef<Arm>('DeploymentArm').implement({
    fields: (t) => ({
      version: t.field({ type: ModelVersionTypeRef(builder), nullable: true, description: 'Null when the version has been deleted since', resolve: (a, _args, ctx) => versionOf(a, ctx) }),
      versionNumber: t.exposeInt('version'),
      weight: t.exposeInt('weight', { description: 'Percent of the requests this arm answers' }),
      role: t.field({ type: ArmRoleEnum, resolve: (a) => a.role }),
    }),
  });
  const ShadowRef = builder.objectRef<VersionRef>('DeploymentShadow').implement({
    description: 'A version every request is mirrored to, off the caller’s path; its answers are recorded, never returned',
    fields: (t) => ({
      version: t.field({ type: ModelVersionTypeRef(builder), nullable: true, resolve: (s, _args, ctx) => versionOf(s, ctx) }),
      versionNumber: t.exposeInt('version'),
    }),
  });
  const StickyRef = builder.objectRef<{ source: 'header' | 'input'; name: string }>('DeploymentSticky').implement({
    description: 'Requests with the same value of this header or input land on the same arm',
    fields: (t) => ({ source: t.field({ type: StickySourceEnum, resolve: (s) => s.source }), name: t.exposeString('name') }),
  });
  const TrafficRef = builder.objectRef<DeploymentView['traffic']>('DeploymentTraffic').implement({
    fields: (t) => ({
      arms: t.field({ type: [ArmRef], resolve: (p) => p.arms }),
      sticky: t.field({ type: StickyRef, nullable: true, resolve: (p) => p.sticky }),
      shadows: t.field({ type: [ShadowRef], resolve: (p) => p.shadows }),
    }),
  });

  const EndpointRef = builder.objectRef<EndpointExamples>('DeploymentEndpoint').implement({
    description: 'Where callers reach the deployment on the inference gateway, with a first request in each protocol',
    fields: (t) => ({
      oipUrl: t.exposeString('oipUrl', { description: 'Open Inference Protocol v2: POST an infer request here' }),
      mlflowUrl: t.exposeString('mlflowUrl', { description: 'MLflow scoring server shape (dataframe_split, dataframe_records, instances, inputs)' }),
      oipBody: t.exposeString('oipBody', { description: 'An infer request body with one row for the serving version’s signature' }),
      mlflowBody: t.exposeString('mlflowBody'),
      oipCurl: t.exposeString('oipCurl', { description: 'A curl command sending oipBody, the API key as $GANTRY_API_KEY' }),
      mlflowCurl: t.exposeString('mlflowCurl'),
      inputNames: t.stringList({ description: 'The inputs of the stable version’s signature; empty when it recorded none', resolve: (e) => e.inputs.map((i) => i.name) }),
    }),
  });

  const VersionStatsRef = builder.objectRef<VersionStats>('DeploymentVersionStats').implement({
    fields: (t) => ({
      version: t.exposeInt('version'),
      versionId: t.exposeID('versionId', { nullable: true }),
      arm: t.exposeString('arm', { description: 'stable, canary, variant, pinned (a request naming its version) or shadow' }),
      requests: t.exposeInt('requests'),
      serverErrors: t.exposeInt('serverErrors', { description: 'Answered with a 5xx status' }),
      clientErrors: t.exposeInt('clientErrors', { description: 'Answered with a 4xx status (the request was refused)' }),
      errorRate: t.exposeFloat('errorRate', { description: 'serverErrors / requests' }),
      p50LatencyMs: t.exposeFloat('p50LatencyMs', { nullable: true }),
      p95LatencyMs: t.exposeFloat('p95LatencyMs', { nullable: true }),
      p99LatencyMs: t.exposeFloat('p99LatencyMs', { nullable: true }),
      requestsPerSecond: t.exposeFloat('requestsPerSecond'),
    }),
  });
  const SeriesPointRef = builder.objectRef<SeriesPoint>('DeploymentSeriesPoint').implement({
    fields: (t) => ({
      at: t.expose('at', { type: 'DateTime', description: 'The start of the bucket' }),
      requests: t.exposeInt('requests'),
      serverErrors: t.exposeInt('serverErrors'),
      clientErrors: t.exposeInt('clientErrors'),
      p95LatencyMs: t.exposeFloat('p95LatencyMs', { nullable: true }),
    }),
  });
  const SeriesRef = builder.objectRef<VersionSeries>('DeploymentVersionSeries').implement({
    fields: (t) => ({
      version: t.exposeInt('version'),
      shadow: t.exposeBoolean('shadow', { description: 'The version’s mirrored requests as a shadow' }),
      points: t.field({ type: [SeriesPointRef], description: 'One per bucket of the window, oldest first', resolve: (s) => s.points }),
    }),
  });
  const DistributionVersionRef = builder.objectRef<VersionDistribution>('DeploymentVersionDistribution').implement({
    fields: (t) => ({
      version: t.exposeInt('version'),
      shadow: t.exposeBoolean('shadow'),
      count: t.exposeInt('count', { description: 'Sampled output values counted' }),
      counts: t.exposeIntList('counts', { description: 'Values per bin, from min to max' }),
    }),
  });
  const DistributionRef = builder.objectRef<PredictionDistribution>('DeploymentPredictionDistribution').implement({
    description: 'The first numeric output of the sampled predictions, binned over a range shared by all versions',
    fields: (t) => ({
      output: t.exposeString('output', { nullable: true, description: 'The output counted; null without sampled predictions' }),
      min: t.exposeFloat('min'),
      max: t.exposeFloat('max'),
      bins: t.exposeInt('bins'),
      versions: t.field({ type: [DistributionVersionRef], resolve: (d) => d.versions }),
    }),
  });

  const MetricsRef = builder.objectRef<MetricsHandle>('DeploymentMetrics').implement({
    fields: (t) => ({
      from: t.field({ type: 'DateTime', resolve: (h) => windowBounds(h.window, h.now).from }),
      to: t.field({ type: 'DateTime', description: 'The end of the current bucket (a little after now)', resolve: (h) => windowBounds(h.window, h.now).to }),
      bucketSeconds: t.int({ resolve: (h) => windowBounds(h.window, h.now).bucketSeconds }),
      requests: t.int({ description: 'Requests answered by the arms (shadows not counted)', resolve: async (h, _a, ctx) => (await trafficOf(h, ctx)).arms.reduce((n, a) => n + a.requests, 0) }),
      errorRate: t.float({
        description: 'Server errors over requests, across the arms',
        resolve: async (h, _a, ctx) => {
          const arms = (await trafficOf(h, ctx)).arms;
          const requests = arms.reduce((n, a) => n + a.requests, 0);
          return requests ? arms.reduce((n, a) => n + a.serverErrors, 0) / requests : 0;
        },
      }),
      arms: t.field({ type: [VersionStatsRef], description: 'Per version and arm that answered callers', resolve: async (h, _a, ctx) => (await trafficOf(h, ctx)).arms }),
      shadows: t.field({ type: [VersionStatsRef], description: 'Per shadow version: the mirrored requests', resolve: async (h, _a, ctx) => (await trafficOf(h, ctx)).shadows }),
      series: t.field({
        type: [SeriesRef],
        resolve: async (h, _a, ctx) => (await deploymentMetrics(await ctx.tenant(), { deployment: { deploymentId: h.deployment.id }, window: h.window, panels: ['series'] }, h.now)).series!,
      }),
      predictions: t.field({
        type: DistributionRef,
        resolve: async (h, _a, ctx) => (await deploymentMetrics(await ctx.tenant(), { deployment: { deploymentId: h.deployment.id }, window: h.window, panels: ['predictions'] }, h.now)).predictions!,
      }),
    }),
  });

  const VersionCostRef = builder.objectRef<VersionCost>('DeploymentVersionCost').implement({
    fields: (t) => ({
      version: t.exposeInt('version'),
      versionId: t.exposeID('versionId'),
      replicaSeconds: t.exposeFloat('replicaSeconds', { description: 'Seconds the version had runtimes in the window, times their replicas' }),
      costMicros: t.expose('costMicros', { type: 'Micros', description: 'Replica-seconds × the deployment’s requested resources × the cluster’s prices (the rule jobs are costed by)' }),
      requests: t.exposeInt('requests', { description: 'Predictions it answered (for a shadow: the requests mirrored to it)' }),
      per1000Micros: t.expose('per1000Micros', { type: 'Micros', nullable: true, description: 'Cost per 1,000 predictions; null without predictions' }),
    }),
  });
  const CostsRef = builder.objectRef<DeploymentCosts>('DeploymentCosts').implement({
    fields: (t) => ({
      from: t.expose('from', { type: 'DateTime' }),
      to: t.expose('to', { type: 'DateTime' }),
      totalMicros: t.expose('totalMicros', { type: 'Micros' }),
      requests: t.exposeInt('requests'),
      per1000Micros: t.expose('per1000Micros', { type: 'Micros', nullable: true, description: 'The deployment’s cost per 1,000 predictions in the window' }),
      versions: t.field({ type: [VersionCostRef], resolve: (c) => c.versions }),
    }),
  });

  const DeploymentRef = builder.objectRef<DeploymentView>('Deployment').implement({
    description: 'One stable endpoint on the inference gateway in front of a registered model’s versions',
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      description: t.exposeString('description'),
      project: t.field({
        type: ProjectRef(builder),
        resolve: async (d, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('projects', d.projectId, (ids) => getProjects(tenant, ids))) ?? getProject(tenant, d.projectId);
        },
      }),
      modelId: t.exposeID('modelId'),
      modelName: t.exposeString('modelName'),
      model: t.field({ type: RegisteredModelTypeRef(builder), resolve: async (d, _a, ctx) => getRegisteredModel(await ctx.tenant(), { modelId: d.modelId }) }),
      cluster: t.field({
        type: ClusterTypeRef(builder),
        resolve: async (d, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('clusters', d.clusterId, (ids) => getClusters(tenant, ids))) ?? getCluster(tenant, d.clusterId);
        },
      }),
      replicas: t.exposeInt('replicas'),
      cpu: t.exposeFloat('cpu'),
      memoryMib: t.exposeInt('memoryMib'),
      gpuCount: t.exposeInt('gpuCount', { description: 'GPUs per replica' }),
      gpuType: t.exposeString('gpuType', { nullable: true, description: 'The GPU type asked for; null for any' }),
      status: t.field({
        type: StatusEnum,
        description: 'provisioning: its model servers are starting (the gateway answers 503); ready; failed: they could not start (statusMessage says why)',
        resolve: (d) => d.status,
      }),
      statusMessage: t.exposeString('statusMessage', { nullable: true, description: 'What is being done to the model servers, or why they failed' }),
      followAlias: t.exposeString('followAlias', { nullable: true, description: 'The model alias the deployment follows (e.g. champion)' }),
      autoRollout: t.exposeBoolean('autoRollout', { description: 'Moving the followed alias starts a canary rollout' }),
      rateLimitPerSecond: t.exposeInt('rateLimitPerSecond', { nullable: true, description: 'Per gateway replica; null for the platform default' }),
      sampleRate: t.exposeFloat('sampleRate', { description: 'Share of requests whose inputs and outputs are kept, 0..1' }),
      trafficGeneration: t.exposeInt('trafficGeneration', { description: 'Grows with every change of the traffic policy' }),
      traffic: t.field({ type: TrafficRef, resolve: (d) => d.traffic }),
      endpoint: t.field({
        type: EndpointRef,
        resolve: async (d, _a, ctx) => {
          const serving = d.traffic.arms.find((a) => a.role === 'stable') ?? d.traffic.arms[0]!;
          const version = await versionOf(serving, ctx);
          return endpointExamples({ gatewayUrl: gatewayUrl(), deployment: d.name, signature: version?.signature ?? null });
        },
      }),
      metrics: t.field({
        type: MetricsRef,
        args: { window: t.arg({ type: WindowEnum, defaultValue: 'LAST_HOUR' }) },
        resolve: (d, args) => ({ deployment: d, window: WINDOWS[(args.window ?? 'LAST_HOUR') as WindowName].window, now: new Date() }),
      }),
      costs: t.field({
        type: CostsRef,
        description: 'What the deployment cost over the window, per version and per 1,000 predictions',
        args: { window: t.arg({ type: WindowEnum, defaultValue: 'LAST_24_HOURS' }) },
        resolve: async (d, args, ctx) =>
          deploymentCosts(await ctx.tenant(), { deployment: { deploymentId: d.id }, windowSeconds: METRICS_WINDOWS[WINDOWS[(args.window ?? 'LAST_24_HOURS') as WindowName].window] }),
      }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    }),
  });

  builder.queryFields((t) => ({
    deployments: t.field({
      type: [DeploymentRef],
      description: 'The organization’s deployments by name, narrowed to a project or a model',
      authScopes: { permission: 'deployment:read' },
      args: { projectId: t.arg.id(), modelId: t.arg.id(), modelName: t.arg.string() },
      resolve: async (_r, args, ctx) => {
        if (args.modelId != null && args.modelName != null) throw new AppError('BAD_USER_INPUT', 'Give modelId or modelName, not both');
        const model = args.modelId != null ? { modelId: String(args.modelId) } : args.modelName != null ? { name: args.modelName } : null;
        return listDeployments(await ctx.tenant(), { projectId: args.projectId == null ? null : String(args.projectId), model });
      },
    }),
    deployment: t.field({
      type: DeploymentRef,
      authScopes: { permission: 'deployment:read' },
      args: { id: t.arg.id(), name: t.arg.string() },
      resolve: async (_r, { id, name }, ctx) => {
        if ((id == null) === (name == null)) throw new AppError('BAD_USER_INPUT', 'Give exactly one of id or name');
        return getDeployment(await ctx.tenant(), id != null ? { deploymentId: String(id) } : { name: name! });
      },
    }),
  }));

  const CreateDeploymentInput = builder.inputType('CreateDeploymentInput', {
    description: 'Serve one version of a model (or the version an alias points at, following the alias) at 100%',
    fields: (t) => ({
      name: t.string({ required: true, description: 'Lowercase letters, digits and dashes; the endpoint’s path segment' }),
      modelId: t.id({ description: 'The model by ID…' }),
      modelName: t.string({ description: '…or by name' }),
      version: t.int({ description: 'The version to serve…' }),
      alias: t.string({ description: '…or an alias to follow' }),
      projectId: t.id({ description: 'Default: the model’s project' }),
      cluster: t.string({ description: "Cluster ID or name (default 'local')" }),
      description: t.string(),
      replicas: t.int(),
      cpu: t.float(),
      memoryMib: t.int(),
      gpuCount: t.int({ description: 'GPUs per replica (Kubernetes clusters only; default 0)' }),
      gpuType: t.string({ description: 'The GPU type’s node label value, e.g. a100; omit for any' }),
      rateLimitPerSecond: t.int({ description: 'Per gateway replica; omit for the platform default' }),
      sampleRate: t.float({ description: 'Share of requests whose inputs and outputs are kept (default 0.1)' }),
      autoRollout: t.boolean({ description: 'Start a canary rollout when the followed alias moves' }),
    }),
  });
  const UpdateDeploymentInput = builder.inputType('UpdateDeploymentInput', {
    fields: (t) => ({
      deploymentId: t.id({ required: true }),
      description: t.string(),
      replicas: t.int(),
      cpu: t.float(),
      memoryMib: t.int(),
      gpuCount: t.int(),
      gpuType: t.string({ description: 'Null for any GPU type' }),
      rateLimitPerSecond: t.int({ description: 'Null returns to the platform default' }),
      sampleRate: t.float(),
      autoRollout: t.boolean(),
    }),
  });
  const ArmInput = builder.inputType('DeploymentArmInput', {
    fields: (t) => ({
      version: t.int({ required: true, description: 'A version number of the deployment’s model' }),
      weight: t.int({ required: true, description: 'Whole percent; the arms add up to 100' }),
      role: t.field({ type: ArmRoleEnum, defaultValue: 'variant' }),
    }),
  });
  const StickyInput = builder.inputType('DeploymentStickyInput', {
    fields: (t) => ({ source: t.field({ type: StickySourceEnum, required: true }), name: t.string({ required: true, description: 'The header or input whose value keeps a caller on one arm' }) }),
  });
  const SetTrafficInput = builder.inputType('SetDeploymentTrafficInput', {
    fields: (t) => ({
      deploymentId: t.id({ required: true }),
      arms: t.field({ type: [ArmInput], required: true }),
      sticky: t.field({ type: StickyInput, description: 'Omit or null for a fresh draw per request' }),
      shadows: t.intList({ description: 'Version numbers to mirror every request to' }),
    }),
  });

  builder.mutationFields((t) => ({
    createDeployment: t.field({
      type: DeploymentRef,
      authScopes: { permission: 'deployment:write' },
      args: { input: t.arg({ type: CreateDeploymentInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        if ((input.modelId == null) === (input.modelName == null)) {
          throw new AppError('BAD_USER_INPUT', 'Give the model by modelId or modelName', { fields: [{ path: 'modelName', message: 'Choose a model' }] });
        }
        return createDeployment(await ctx.tenant(), {
          name: input.name,
          model: input.modelId != null ? { modelId: String(input.modelId) } : { name: input.modelName! },
          version: input.version,
          alias: input.alias,
          projectId: input.projectId == null ? null : String(input.projectId),
          cluster: input.cluster,
          description: optional(input.description),
          replicas: optional(input.replicas),
          cpu: optional(input.cpu),
          memoryMib: optional(input.memoryMib),
          gpuCount: optional(input.gpuCount),
          gpuType: optional(input.gpuType),
          rateLimitPerSecond: optional(input.rateLimitPerSecond),
          sampleRate: optional(input.sampleRate),
          autoRollout: optional(input.autoRollout),
        });
      },
    }),
    updateDeployment: t.field({
      type: DeploymentRef,
      authScopes: { permission: 'deployment:write' },
      args: { input: t.arg({ type: UpdateDeploymentInput, required: true }) },
      resolve: async (_r, { input }, ctx) =>
        updateDeployment(await ctx.tenant(), {
          deployment: { deploymentId: String(input.deploymentId) },
          description: optional(input.description),
          replicas: optional(input.replicas),
          cpu: optional(input.cpu),
          memoryMib: optional(input.memoryMib),
          gpuCount: optional(input.gpuCount),
          // Null is a value here: any GPU type.
          gpuType: input.gpuType,
          // Null is a value here: back to the platform's default limit.
          rateLimitPerSecond: input.rateLimitPerSecond,
          sampleRate: optional(input.sampleRate),
          autoRollout: optional(input.autoRollout),
        }),
    }),
    setDeploymentTraffic: t.field({
      type: DeploymentRef,
      description: 'Replaces the traffic policy: arms by version number with weights adding up to 100, an optional sticky key, shadows',
      authScopes: { permission: 'deployment:write' },
      args: { input: t.arg({ type: SetTrafficInput, required: true }) },
      resolve: async (_r, { input }, ctx) =>
        setDeploymentTraffic(await ctx.tenant(), {
          deployment: { deploymentId: String(input.deploymentId) },
          arms: input.arms.map((a) => ({ version: a.version, weight: a.weight, role: a.role ?? 'variant' })),
          sticky: input.sticky ?? null,
          shadows: input.shadows ?? [],
        }),
    }),
    deleteDeployment: t.field({
      type: 'ID',
      description: 'Removes the endpoint; its prediction log goes with it',
      authScopes: { permission: 'deployment:write' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => (await deleteDeployment(await ctx.tenant(), { deployment: { deploymentId: String(id) } })).id,
    }),
  }));
}
