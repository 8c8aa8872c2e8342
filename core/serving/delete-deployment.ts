import { eq } from 'drizzle-orm';
import { deployments } from '../../db/schema';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment } from './access';
import { deleteDeploymentInput } from './serving.schemas';

/** Removes a deployment and its prediction log; its endpoint answers 404 on every gateway once they hear of it. */
export async function deleteDeployment(ctx: TenantContext, input: unknown): Promise<{ id: string; name: string }> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(deleteDeploymentInput, input);
  return withTenant(ctx, async (tx) => {
    const dep = await findDeployment(tx, ctx, data.deployment, { forUpdate: true });
    await tx.delete(deployments).where(eq(deployments.id, dep.id));
    await recordAudit(tx, ctx, { action: 'deployment.delete', targetType: 'deployment', targetId: dep.id, data: { name: dep.name } });
    return { id: dep.id, name: dep.name };
  });
}
