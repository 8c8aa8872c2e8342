import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel, loadModelViews, type RegisteredModelView } from './access';
import { modelRefSchema } from './registry.schemas';

/** `{ modelId }` or `{ name }`; another organization's model is NOT_FOUND. */
export async function getRegisteredModel(ctx: TenantContext, ref: unknown): Promise<RegisteredModelView> {
  assertCan(ctx, 'model:read');
  const data = parseInput(modelRefSchema, ref);
  return withTenant(ctx, async (tx) => (await loadModelViews(tx, [await findModel(tx, ctx, data)]))[0]!);
}
