import { withTenant } from '../tenancy/with-tenant';
import { recordAudit } from '../governance/audit';
import type { TenantContext } from '../tenancy/context';
import { normalizeArtifactPath, runArtifactKey } from './artifact-path';
import { authorizeArtifactOwner, storeOf, type ArtifactDeps } from './run-access';

/**
 * Deletes a file or a whole directory of a run's artifacts (the empty path is all
 * of them). The audit event is committed first: the bytes cannot be restored,
 * so the record of who removed them must exist even if the removal is interrupted.
 */
export async function deleteArtifacts(
  ctx: TenantContext,
  input: { runId: unknown; experimentId?: string | null; path?: unknown },
  deps: ArtifactDeps = {},
): Promise<void> {
  const path = normalizeArtifactPath(input.path, { allowRoot: true });
  const run = await authorizeArtifactOwner(ctx, input, { permission: 'run:write' });
  await withTenant(ctx, (tx) =>
    recordAudit(tx, ctx, { action: 'artifact.delete', targetType: run.targetType, targetId: run.id, data: { path: path || '/' } }),
  );
  await storeOf(deps).deletePrefix(runArtifactKey(ctx.orgId, run.id, path));
}
