import { eq } from 'drizzle-orm';
import { deployments } from '../../db/schema';
import { clusters } from '../../db/schema';
import { chargeDeployment } from './deployment-charges';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { workflowStart } from '../orchestration/workflows';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findDeployment } from './access';
import { teardownWorkflowId } from './kubernetes/version-steps';
import { deleteDeploymentInput } from './serving.schemas';

/**
 * Removes a deployment and its prediction log, its runtime charged to the ledger up to now; its endpoint answers 404 on every gateway once they
 * hear of it. On a Kubernetes cluster, the workflow that removes its model servers
 * (`deployment-teardown/<id>`) is started in the same unit, and acts once the delete has committed.
 */
export async function deleteDeployment(ctx: TenantContext, input: unknown): Promise<{ id: string; name: string }> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(deleteDeploymentInput, input);
  return recordThenStart(ctx, {
    async record(tx) {
      const dep = await findDeployment(tx, ctx, data.deployment, { forUpdate: true });
      const [cluster] = await tx.select({ kind: clusters.kind, name: clusters.name }).from(clusters).where(eq(clusters.id, dep.clusterId));
      // Its runtime since the cost watch last charged it goes to the ledger before its history goes.
      await chargeDeployment(tx, ctx.orgId, dep.id, new Date());
      await tx.delete(deployments).where(eq(deployments.id, dep.id));
      const call =
        cluster?.kind === 'kubernetes'
          ? startCall(workflowStart('deploymentTeardownWorkflow', teardownWorkflowId(dep.id), [{ orgId: ctx.orgId, deploymentId: dep.id, clusterId: dep.clusterId }], { staticSummary: `Remove ${dep.name}'s model servers from ${cluster.name}` }))
          : null;
      return { row: { id: dep.id, name: dep.name }, call, audits: [{ action: 'deployment.delete', targetType: 'deployment', targetId: dep.id, data: { name: dep.name } }] };
    },
  });
}
