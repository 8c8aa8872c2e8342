import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment, loadDeploymentViews, type DeploymentView } from './access';
import { deploymentRefSchema } from './serving.schemas';

export async function getDeployment(ctx: TenantContext, input: unknown): Promise<DeploymentView> {
  assertCan(ctx, 'deployment:read');
  const ref = parseInput(deploymentRefSchema, input);
  return withTenant(ctx, async (tx) => (await loadDeploymentViews(tx, [await findDeployment(tx, ctx, ref)]))[0]!);
}
