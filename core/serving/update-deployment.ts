import { eq } from 'drizzle-orm';
import { deployments } from '../../db/schema';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment, loadDeploymentViews, type DeploymentView } from './access';
import { updateDeploymentInput } from './serving.schemas';

/** Changes a deployment's settings (description, resources, rate limit, sampling, automatic rollouts); the traffic policy has its own use case. */
export async function updateDeployment(ctx: TenantContext, input: unknown): Promise<DeploymentView> {
  assertCan(ctx, 'deployment:write');
  const { deployment, ...changes } = parseInput(updateDeploymentInput, input);
  return withTenant(ctx, async (tx) => {
    const dep = await findDeployment(tx, ctx, deployment, { forUpdate: true });
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (set.autoRollout === true && !dep.followAlias) {
      throw new AppError('BAD_USER_INPUT', 'Automatic rollouts follow an alias, and this deployment serves a fixed version', { fields: [{ path: 'autoRollout', message: 'No alias to follow' }] });
    }
    if (!Object.keys(set).length) return (await loadDeploymentViews(tx, [dep]))[0]!;
    const updated = await tx
      .update(deployments)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(deployments.id, dep.id))
      .returning();
    await recordAudit(tx, ctx, { action: 'deployment.update', targetType: 'deployment', targetId: dep.id, data: set });
    return (await loadDeploymentViews(tx, updated))[0]!;
  });
}
