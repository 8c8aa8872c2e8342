import { eq } from 'drizzle-orm';
import { clusters, deployments } from '../../db/schema';
import { AppError } from '../errors';
import { workflowStart } from '../orchestration/workflows';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findDeployment, loadDeploymentViews, type DeploymentView } from './access';
import { assertGpusFit } from './create-deployment';
import { applyResourcesWorkflowId } from './kubernetes/version-steps';
import { unfinishedRollout } from './rollout-access';
import { updateDeploymentInput } from './serving.schemas';

/** What the model servers are made of: a change to these on a Kubernetes cluster is applied to them. */
const RESOURCE_FIELDS = ['replicas', 'cpu', 'memoryMib', 'gpuCount', 'gpuType'] as const;

/**
 * Changes a deployment's settings (description, replicas and resources, rate limit, sampling,
 * automatic rollouts); the traffic policy has its own use case. On a Kubernetes cluster, changed
 * replicas or resources are applied to the model servers of every version it serves by
 * `deployment-resources/<id>/<time>`, recorded with the change; not while the deployment is still
 * provisioning or a rollout is adding and removing versions.
 */
export async function updateDeployment(ctx: TenantContext, input: unknown): Promise<DeploymentView> {
  assertCan(ctx, 'deployment:write');
  const { deployment, ...changes } = parseInput(updateDeploymentInput, input);
  return recordThenStart(ctx, {
    async record(tx) {
      const dep = await findDeployment(tx, ctx, deployment, { forUpdate: true });
      const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<typeof changes>;
      if (set.autoRollout === true && !dep.followAlias) {
        throw new AppError('BAD_USER_INPUT', 'Automatic rollouts follow an alias, and this deployment serves a fixed version', { fields: [{ path: 'autoRollout', message: 'No alias to follow' }] });
      }
      const [cluster] = await tx.select({ kind: clusters.kind, name: clusters.name }).from(clusters).where(eq(clusters.id, dep.clusterId));
      const onCluster = cluster!.kind !== 'local';
      assertGpusFit(onCluster, { gpuCount: set.gpuCount ?? dep.gpuCount, gpuType: set.gpuType !== undefined ? set.gpuType : dep.gpuType });
      const resized = RESOURCE_FIELDS.filter((f) => set[f] !== undefined && set[f] !== dep[f]);
      if (onCluster && resized.length) {
        if (dep.status === 'provisioning') {
          throw new AppError('CONFLICT', `'${dep.name}' is still provisioning its model servers: change its resources once it is ready`);
        }
        const running = await unfinishedRollout(tx, dep.id);
        if (running) {
          throw new AppError('CONFLICT', `Rollout #${running.n} (${running.id}) of version ${running.toVersion} is still ${running.state.replace('_', ' ')} on '${dep.name}': change its resources once it has ended`);
        }
      }
      if (!Object.keys(set).length) return { row: (await loadDeploymentViews(tx, [dep]))[0]!, call: null, audits: [] };
      const changedAt = new Date();
      const apply = onCluster && resized.length > 0;
      const updated = await tx
        .update(deployments)
        .set({
          ...set,
          ...(apply ? { statusMessage: `Applying the new ${resized.join(', ')} to the model servers on ${cluster!.name}` } : {}),
          updatedAt: changedAt,
        })
        .where(eq(deployments.id, dep.id))
        .returning();
      const workflowId = applyResourcesWorkflowId(dep.id, changedAt);
      return {
        row: (await loadDeploymentViews(tx, updated))[0]!,
        call: apply
          ? startCall(workflowStart('deploymentResourcesWorkflow', workflowId, [{ orgId: ctx.orgId, deploymentId: dep.id, workflowId }], { staticSummary: `Apply ${resized.join(', ')} to ${dep.name} on ${cluster!.name}` }))
          : null,
        audits: [{ action: 'deployment.update', targetType: 'deployment', targetId: dep.id, data: apply ? { ...set, workflowId } : set }],
      };
    },
  });
}
