import { and, eq, inArray, sql } from 'drizzle-orm';
import { clusters, deployments, modelVersions } from '../../db/schema';
import { trafficPolicySchema } from '../../rules/serving/routing';
import { AppError } from '../errors';
import { recordThenStart, startCall } from '../orchestration/record-then-start';
import { workflowStart } from '../orchestration/workflows';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findDeployment, loadDeploymentViews, parseTraffic, type DeploymentView } from './access';
import { trafficWorkflowId } from './kubernetes/version-steps';
import { assertServable } from './create-deployment';
import { setDeploymentTrafficInput } from './serving.schemas';

/**
 * Replaces a deployment's traffic policy: which versions answer, with what weights, sticky by what key,
 * and which versions shadow. Every version must be a servable version of the deployment's model. The
 * generation grows, and every gateway replica routes by the new policy once it hears the notification.
 *
 * On a Kubernetes cluster a version needs model servers before it can answer: a change that adds
 * versions is recorded with `deployment-traffic/<id>/<time>`, which starts their servers, writes the
 * policy once they are ready (the deployment says so meanwhile, and keeps its traffic) and removes the
 * servers of the versions it dropped; a change that only drops versions is written at once and the
 * workflow removes their servers.
 */
export async function setDeploymentTraffic(ctx: TenantContext, input: unknown): Promise<DeploymentView> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(setDeploymentTrafficInput, input);
  return recordThenStart(ctx, {
    async record(tx) {
      const dep = await findDeployment(tx, ctx, data.deployment, { forUpdate: true });
      const numbers = [...new Set([...data.arms.map((a) => a.version), ...data.shadows])];
      const rows = await tx
        .select()
        .from(modelVersions)
        .where(and(eq(modelVersions.modelId, dep.modelId), inArray(modelVersions.version, numbers)));
      const byNumber = new Map(rows.map((v) => [v.version, v]));
      for (const n of numbers) {
        const v = byNumber.get(n);
        if (!v) throw new AppError('NOT_FOUND', `The deployment's model has no version ${n}`, { fields: [{ path: 'arms', message: `No version ${n}` }] });
        await assertServable(v, 'arms');
      }
      const policy = parseInput(trafficPolicySchema, {
        arms: data.arms.map((a) => ({ versionId: byNumber.get(a.version)!.id, version: a.version, weight: a.weight, role: a.role })),
        sticky: data.sticky ?? null,
        shadows: data.shadows.map((n) => ({ versionId: byNumber.get(n)!.id, version: n })),
      });
      const [cluster] = await tx.select({ kind: clusters.kind, name: clusters.name }).from(clusters).where(eq(clusters.id, dep.clusterId));
      const served = (p: { arms: { versionId: string }[]; shadows: { versionId: string }[] }) => new Set([...p.arms, ...p.shadows].map((a) => a.versionId));
      const before = served(parseTraffic(dep));
      const after = served(policy);
      const added = [...after].filter((v) => !before.has(v));
      const dropped = [...before].filter((v) => !after.has(v));
      const onCluster = cluster!.kind !== 'local';
      const audit = { action: 'deployment.traffic', targetType: 'deployment', targetId: dep.id, data: { arms: data.arms, sticky: data.sticky ?? null, shadows: data.shadows } };

      if (onCluster && (added.length || dropped.length)) {
        if (dep.status === 'provisioning') throw new AppError('CONFLICT', `'${dep.name}' is still provisioning its model servers: change its traffic once it is ready`);
        const changedAt = new Date();
        const workflowId = trafficWorkflowId(dep.id, changedAt);
        const waiting = added.length > 0;
        const addedNumbers = [...policy.arms, ...policy.shadows].filter((a) => added.includes(a.versionId)).map((a) => `v${a.version}`);
        const updated = await tx
          .update(deployments)
          .set(
            waiting
              ? { statusMessage: `Starting model servers for ${[...new Set(addedNumbers)].join(', ')} on ${cluster!.name}: the new traffic applies once they are ready`, updatedAt: changedAt }
              : { traffic: policy, trafficGeneration: sql`${deployments.trafficGeneration} + 1`, updatedAt: changedAt },
          )
          .where(eq(deployments.id, dep.id))
          .returning();
        return {
          row: (await loadDeploymentViews(tx, updated))[0]!,
          call: startCall(
            workflowStart('deploymentTrafficWorkflow', workflowId, [{ orgId: ctx.orgId, deploymentId: dep.id, workflowId, policy: waiting ? policy : null, fromGeneration: dep.trafficGeneration, added, dropped }], {
              staticSummary: `Traffic of ${dep.name} on ${cluster!.name}`,
            }),
          ),
          // A change that waits for model servers is audited now, as asked, and again by the system when it is applied.
          audits: [{ ...audit, data: { ...audit.data, workflowId, pending: waiting } }],
        };
      }
      const updated = await tx
        .update(deployments)
        .set({ traffic: policy, trafficGeneration: sql`${deployments.trafficGeneration} + 1`, updatedAt: new Date() })
        .where(eq(deployments.id, dep.id))
        .returning();
      return { row: (await loadDeploymentViews(tx, updated))[0]!, call: null, audits: [audit] };
    },
  });
}
