import { withTenant } from '../tenancy/with-tenant';
import type { LoggedModel } from '../../db/schema';
import { notFound } from '../errors';
import { isId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import type { Permission } from '../tenancy/permissions';
import { findLoggedModel } from './model-source';

/** True when the owner segment of an `mlflow-artifacts:/<experimentId>/<owner>/artifacts/…` path names a logged model. */
export const isLoggedModelArtifactOwner = (ownerId: string) => isId('loggedModel', ownerId);

/**
 * Authorization hook for the artifact API: a logged model created outside any run
 * keeps its files at `<experimentId>/<modelId>/artifacts/<path>`, stored under the
 * key `<orgId>/<modelId>/<path>` (the run key layout with the model in the run's
 * place; IDs are prefixed, so the two never collide). Reading needs `model:read`,
 * writing `model:write` on a model that is not deleted; another organization's
 * model, or a wrong experiment ID, is NOT_FOUND.
 */
export async function authorizeLoggedModelArtifacts(
  ctx: TenantContext,
  input: { modelId: string; experimentId?: string | null },
  opts: { write: boolean },
): Promise<LoggedModel> {
  const permission: Permission = opts.write ? 'model:write' : 'model:read';
  assertCan(ctx, permission);
  const model = await withTenant(ctx, (tx) => findLoggedModel(tx, ctx, input.modelId, { includeDeleted: !opts.write }));
  if (input.experimentId != null && input.experimentId !== model.experimentId) throw notFound(`Logged Model with ID '${input.modelId.slice(0, 64)}'`);
  return model;
}
