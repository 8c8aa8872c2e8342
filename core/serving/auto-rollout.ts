import { and, eq } from 'drizzle-orm';
import { deployments } from '../../db/schema';
import { isAppError } from '../errors';
import { createLogger } from '../observability/logger';
import { systemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseTraffic } from './access';
import { unfinishedRollout } from './rollout-access';
import { startRollout } from './start-rollout';

const log = createLogger('rollout');

/**
 * An alias of a model moved to `version`: every deployment following that alias with automatic
 * rollouts on starts a canary of it, as the system (`system (rollout)` in the audit log), through the
 * same use case a person calls. A deployment already serving the version as stable (the rollout that
 * just promoted it moved the alias), or already rolling it out, is left alone. The alias move has
 * committed by now, so a deployment that cannot start one (another rollout running, Temporal down)
 * is logged and skipped, never undoing the move.
 */
export async function startAutoRollouts(orgId: string, moved: { modelId: string; alias: string; version: number }): Promise<void> {
  const ctx = systemContext(orgId, 'rollout', `${moved.modelId}@${moved.alias}`);
  const following = await withTenant(ctx, async (tx) => {
    const rows = await tx
      .select()
      .from(deployments)
      .where(and(eq(deployments.orgId, orgId), eq(deployments.modelId, moved.modelId), eq(deployments.followAlias, moved.alias), eq(deployments.autoRollout, true)));
    const due = [];
    for (const d of rows) {
      if (parseTraffic(d).arms.some((a) => a.role === 'stable' && a.version === moved.version)) continue;
      if ((await unfinishedRollout(tx, d.id))?.toVersion === moved.version) continue;
      due.push(d);
    }
    return due;
  });
  for (const d of following) {
    try {
      await startRollout(ctx, { deployment: { deploymentId: d.id }, version: moved.version, reason: `@${moved.alias} moved to version ${moved.version}` });
    } catch (e) {
      log.warn('an alias move could not start its automatic rollout', { deploymentId: d.id, alias: moved.alias, version: moved.version, code: isAppError(e) ? e.code : undefined, err: e });
    }
  }
}
