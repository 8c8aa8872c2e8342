import type { Run } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import type { Permission } from '../tenancy/permissions';
import { assertRunWritable, findActiveRun, findRun } from '../tracking/access';
import { runIdSchema } from '../tracking/tracking.schemas';
import { authorizeLoggedModelArtifacts, isLoggedModelArtifactOwner } from '../registry/logged-model-artifacts';
import { parseInput } from '../validation';
import type { ArtifactStore } from './artifact-store';
import { artifactStore } from './store-from-config';

export interface ArtifactDeps {
  store?: ArtifactStore;
}

export const storeOf = (deps: ArtifactDeps = {}) => deps.store ?? artifactStore();

/** Whose files an artifact path addresses: a run, or a logged model created outside any run. */
export interface ArtifactOwner {
  id: string;
  targetType: 'run' | 'logged_model';
}

/**
 * The run (or logged model) whose artifacts are addressed, inside the caller's
 * organization, or NOT_FOUND. `experimentId`, when the caller's URL names one
 * (MLflow's `<experimentId>/<ownerId>/artifacts/...`), must be the owner's own.
 * Both kinds share the key layout `<orgId>/<ownerId>/<path>`; prefixed IDs keep them apart.
 */
export async function authorizeArtifactOwner(
  ctx: TenantContext,
  input: { runId: unknown; experimentId?: string | null },
  opts: { permission: Permission; requireActive?: boolean },
): Promise<ArtifactOwner> {
  if (typeof input.runId === 'string' && isLoggedModelArtifactOwner(input.runId)) {
    const write = opts.permission === 'run:write';
    const model = await authorizeLoggedModelArtifacts(ctx, { modelId: input.runId, experimentId: input.experimentId }, { write });
    return { id: model.id, targetType: 'logged_model' };
  }
  const run = await authorizeRun(ctx, input, opts);
  return { id: run.id, targetType: 'run' };
}

async function authorizeRun(
  ctx: TenantContext,
  input: { runId: unknown; experimentId?: string | null },
  opts: { permission: Permission; requireActive?: boolean },
): Promise<Run> {
  assertCan(ctx, opts.permission);
  const runId = parseInput(runIdSchema, input.runId);
  const run = await withTenant(ctx, (tx) => (opts.requireActive ? findActiveRun(tx, ctx, runId) : findRun(tx, ctx, runId)));
  if (input.experimentId != null && input.experimentId !== run.experimentId) throw notFound(`Run with id '${runId.slice(0, 64)}'`);
  if (opts.permission === 'run:write') assertRunWritable(ctx, run.id);
  return run;
}
