import { and, asc, eq, type SQL } from 'drizzle-orm';
import { deployments } from '../../db/schema';
import { findModel } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { loadDeploymentViews, type DeploymentView } from './access';
import { listDeploymentsInput } from './serving.schemas';

/** The organization's deployments, by name; narrowed to a project or a model. */
export async function listDeployments(ctx: TenantContext, input: unknown = {}): Promise<DeploymentView[]> {
  assertCan(ctx, 'deployment:read');
  const data = parseInput(listDeploymentsInput, input ?? {});
  return withTenant(ctx, async (tx) => {
    const where: SQL[] = [eq(deployments.orgId, ctx.orgId)];
    if (data.projectId) where.push(eq(deployments.projectId, data.projectId));
    if (data.model) where.push(eq(deployments.modelId, (await findModel(tx, ctx, data.model)).id));
    const rows = await tx.select().from(deployments).where(and(...where)).orderBy(asc(deployments.name)).limit(500);
    return loadDeploymentViews(tx, rows);
  });
}
