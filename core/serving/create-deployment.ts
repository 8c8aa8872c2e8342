import { and, eq } from 'drizzle-orm';
import { deployments, projects, type ModelVersion } from '../../db/schema';
import { stableOnly } from '../../rules/serving/routing';
import { artifactStore } from '../artifacts/store-from-config';
import { findCluster, LOCAL_CLUSTER_NAME } from '../compute/access';
import { AppError, notFound } from '../errors';
import { newId } from '../ids';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { workflowStart } from '../orchestration/workflows';
import { apiKeyOf, findModel, findVersion } from '../registry/access';
import { findVersionByAlias } from '../registry/resolve-model-uri';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { loadDeploymentViews, type DeploymentView } from './access';
import { provisionWorkflowId } from './kubernetes/version-steps';
import { servingPlan } from './servable';
import { createDeploymentInput } from './serving.schemas';

/** A version that can be served must be READY and be a model Gantry can load; otherwise the reason, as a BAD_USER_INPUT. */
export async function assertServable(version: ModelVersion, field: string): Promise<void> {
  if (version.status !== 'READY') throw new AppError('BAD_USER_INPUT', `Version ${version.version} is ${version.status.toLowerCase().replace('_', ' ')}, not ready to serve`, { fields: [{ path: field, message: 'Not ready' }] });
  const plan = await servingPlan(artifactStore(), version);
  if (!plan.ok) throw new AppError('BAD_USER_INPUT', `Cannot deploy: ${plan.reason}`, { fields: [{ path: field, message: 'Not a servable model' }] });
}

/** GPUs are for Kubernetes clusters (the local runtime serves on the Gantry host, which has none), and a GPU type needs GPUs. */
export function assertGpusFit(onCluster: boolean, gpus: { gpuCount: number; gpuType: string | null }): void {
  if (!onCluster && gpus.gpuCount > 0) {
    throw new AppError('BAD_USER_INPUT', 'The local runtime serves on the Gantry host, without GPUs: deploy to a connected Kubernetes cluster for GPUs', { fields: [{ path: 'gpuCount', message: 'No GPUs on local' }] });
  }
  if (gpus.gpuType !== null && gpus.gpuCount === 0) {
    throw new AppError('BAD_USER_INPUT', 'A GPU type needs at least 1 GPU per replica', { fields: [{ path: 'gpuType', message: 'No GPUs' }] });
  }
}

/**
 * Creates a deployment serving one version (or the version an alias points at, following the alias) at
 * 100% on the stable arm. The gateways hear of it through the table's notification trigger. On a
 * Kubernetes cluster the deployment starts `provisioning`: the row and the workflow that starts its
 * model servers (`deployment-provision/<id>`) are recorded together, and the workflow marks it
 * `ready` or `failed`.
 */
export async function createDeployment(ctx: TenantContext, input: unknown): Promise<DeploymentView> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(createDeploymentInput, input);
  const id = newId('deployment');
  return recordThenStart(ctx, {
    async record(tx) {
      const model = await findModel(tx, ctx, data.model);
      const version = data.alias ? await findVersionByAlias(tx, model, data.alias) : await findVersion(tx, model, data.version!);
      const projectId = data.projectId ?? model.projectId;
      if (data.projectId) {
        const [p] = await tx.select({ id: projects.id }).from(projects).where(and(eq(projects.id, projectId), eq(projects.orgId, ctx.orgId)));
        if (!p) throw notFound('Project');
      }
      const cluster = await findCluster(tx, ctx, data.cluster ?? LOCAL_CLUSTER_NAME);
      const onCluster = cluster.kind !== 'local';
      if (onCluster && cluster.status === 'unreachable') {
        throw new AppError('BAD_USER_INPUT', `Cluster '${cluster.name}' is unreachable: check its connection before deploying to it`, { fields: [{ path: 'cluster', message: 'Not ready' }] });
      }
      assertGpusFit(onCluster, data);
      await assertServable(version, data.alias ? 'alias' : 'version');
      const inserted = await tx
        .insert(deployments)
        .values({
          id,
          orgId: ctx.orgId,
          projectId,
          modelId: model.id,
          name: data.name,
          description: data.description,
          clusterId: cluster.id,
          replicas: data.replicas,
          cpu: data.cpu,
          memoryMib: data.memoryMib,
          gpuCount: data.gpuCount,
          gpuType: data.gpuType,
          traffic: stableOnly({ versionId: version.id, version: version.version }),
          followAlias: data.alias ?? null,
          autoRollout: data.autoRollout,
          rateLimitPerSecond: data.rateLimitPerSecond,
          sampleRate: data.sampleRate,
          status: onCluster ? 'provisioning' : 'ready',
          statusMessage: onCluster ? `Starting version ${version.version}'s model servers on ${cluster.name}` : null,
          createdBy: ctx.actor.userId,
          createdByApiKey: apiKeyOf(ctx),
        })
        .onConflictDoNothing()
        .returning();
      if (!inserted[0]) throw new AppError('CONFLICT', `A deployment named '${data.name}' already exists`, { fields: [{ path: 'name', message: 'Already taken' }] });
      const call = onCluster
        ? startCall(workflowStart('deploymentProvisionWorkflow', provisionWorkflowId(id), [{ orgId: ctx.orgId, deploymentId: id, versionId: version.id }], { staticSummary: `Provision ${data.name} v${version.version} on ${cluster.name}` }))
        : null;
      return {
        row: (await loadDeploymentViews(tx, inserted))[0]!,
        call,
        audits: [
          {
            action: 'deployment.create',
            targetType: 'deployment',
            targetId: id,
            data: { name: data.name, model: model.name, version: version.version, alias: data.alias ?? null, cluster: cluster.name },
          },
        ],
      };
    },
  });
}
