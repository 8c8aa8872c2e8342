import type { Run } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { notFound } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import type { Permission } from '../tenancy/permissions';
import { findActiveRun, findRun, tenantScope } from '../tracking/access';
import { runIdSchema } from '../tracking/tracking.schemas';
import { parseInput } from '../validation';
import type { ArtifactStore } from './artifact-store';
import { artifactStore } from './store-from-config';

export interface ArtifactDeps {
  store?: ArtifactStore;
}

export const storeOf = (deps: ArtifactDeps = {}) => deps.store ?? artifactStore();

/**
 * The run whose artifacts are addressed, inside the caller's organization, or
 * NOT_FOUND. `experimentId`, when the caller's URL names one (MLflow's
 * `<experimentId>/<runId>/artifacts/...`), must be the run's own.
 */
export async function authorizeRun(
  ctx: TenantContext,
  input: { runId: unknown; experimentId?: string | null },
  opts: { permission: Permission; requireActive?: boolean },
): Promise<Run> {
  assertCan(ctx, opts.permission);
  const runId = parseInput(runIdSchema, input.runId);
  const run = await withTenant(tenantScope(ctx), (tx) => (opts.requireActive ? findActiveRun(tx, ctx, runId) : findRun(tx, ctx, runId)));
  if (input.experimentId != null && input.experimentId !== run.experimentId) throw notFound(`Run with id '${runId.slice(0, 64)}'`);
  return run;
}
