import { and, eq, inArray, sql } from 'drizzle-orm';
import { deployments, modelVersions } from '../../db/schema';
import { trafficPolicySchema } from '../../rules/serving/routing';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment, loadDeploymentViews, type DeploymentView } from './access';
import { assertServable } from './create-deployment';
import { setDeploymentTrafficInput } from './serving.schemas';

/**
 * Replaces a deployment's traffic policy: which versions answer, with what weights, sticky by what key,
 * and which versions shadow. Every version must be a servable version of the deployment's model. The
 * generation grows, and every gateway replica routes by the new policy once it hears the notification.
 */
export async function setDeploymentTraffic(ctx: TenantContext, input: unknown): Promise<DeploymentView> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(setDeploymentTrafficInput, input);
  return withTenant(ctx, async (tx) => {
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
    const updated = await tx
      .update(deployments)
      .set({ traffic: policy, trafficGeneration: sql`${deployments.trafficGeneration} + 1`, updatedAt: new Date() })
      .where(eq(deployments.id, dep.id))
      .returning();
    await recordAudit(tx, ctx, {
      action: 'deployment.traffic',
      targetType: 'deployment',
      targetId: dep.id,
      data: { arms: data.arms, sticky: data.sticky ?? null, shadows: data.shadows },
    });
    return (await loadDeploymentViews(tx, updated))[0]!;
  });
}
