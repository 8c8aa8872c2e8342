import { z } from 'zod';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { loadLoggedModelViews, type LoggedModelView } from './logged-model-access';
import { findLoggedModel } from './model-source';

export const getLoggedModelInput = z.object({ modelId: idSchema('Logged model ID'), allowDeleted: z.boolean().default(false) });

export async function getLoggedModel(ctx: TenantContext, input: unknown): Promise<LoggedModelView> {
  assertCan(ctx, 'model:read');
  const data = parseInput(getLoggedModelInput, input);
  return withTenant(ctx, async (tx) => (await loadLoggedModelViews(tx, [await findLoggedModel(tx, ctx, data.modelId, { includeDeleted: data.allowDeleted })]))[0]!);
}
