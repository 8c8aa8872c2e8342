import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { modelVersions, runs } from '../../db/schema';
import { systemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { env } from '../../config/env';
import { runArtifactKey } from './artifact-path';
import { storeOf, type ArtifactDeps } from './run-access';

export interface PurgeOptions {
  /** Default `ARTIFACT_RETENTION_DAYS`. */
  retentionDays?: number;
  now?: Date;
  /** Called after each organization, so a long purge can heartbeat. */
  onProgress?: (progress: { orgId: string; runsPurged: number }) => void;
}

export interface PurgeResult {
  orgsScanned: number;
  /** `<orgId>/<runId>` of every run whose artifacts were removed by this call. */
  purged: string[];
}

const ORG_DIR = /^org_[0-9A-Za-z]+$/;
const RUN_DIR = /^run_[0-9A-Za-z]+$/;
const BATCH = 500;

/**
 * Removes the artifacts of runs deleted more than the retention period ago.
 * A system job, not a user action: it walks the store (whose top level is one
 * directory per organization, the only cross-tenant listing there is) and asks
 * each organization, under that tenant's row-level security, which of its runs
 * with artifacts are long deleted. Runs it cannot find are left alone: a missing
 * row is never taken as permission to delete. Idempotent: purged runs have no
 * directory left, so a second call finds nothing to do.
 */
export async function purgeDeletedRunArtifacts(opts: PurgeOptions = {}, deps: ArtifactDeps = {}): Promise<PurgeResult> {
  const store = storeOf(deps);
  const days = opts.retentionDays ?? env().ARTIFACT_RETENTION_DAYS;
  const cutoff = new Date((opts.now ?? new Date()).getTime() - days * 86_400_000);
  const result: PurgeResult = { orgsScanned: 0, purged: [] };
  for (const org of await store.list('')) {
    if (!org.isDir || !ORG_DIR.test(org.name)) continue;
    const orgId = org.name;
    const system = systemContext(orgId, 'artifact-retention', 'purge');
    result.orgsScanned++;
    const runIds = (await store.list(orgId)).filter((e) => e.isDir && RUN_DIR.test(e.name)).map((e) => e.name);
    let purgedHere = 0;
    for (let i = 0; i < runIds.length; i += BATCH) {
      const batch = runIds.slice(i, i + BATCH);
      const expiredIn = (ids: string[]) =>
        and(
          eq(runs.orgId, orgId),
          inArray(runs.id, ids),
          eq(runs.lifecycleStage, 'deleted'),
          lt(runs.deletedAt, cutoff),
          // A registered model version still serves its files from the run, deleted or not.
          sql`not exists (select 1 from ${modelVersions} where ${modelVersions.runId} = ${runs.id})`,
        );
      const candidates = await withTenant(system, (tx) => tx.select({ id: runs.id }).from(runs).where(expiredIn(batch)));
      for (const { id } of candidates) {
        // The row stays locked while the bytes go, so a concurrent restore waits and then finds the run as it is.
        const deleted = await withTenant(system, async (tx) => {
          const [still] = await tx.select({ id: runs.id }).from(runs).where(expiredIn([id])).for('update');
          if (!still) return false;
          await store.deletePrefix(runArtifactKey(orgId, id));
          return true;
        });
        if (deleted) {
          result.purged.push(`${orgId}/${id}`);
          purgedHere++;
        }
      }
    }
    opts.onProgress?.({ orgId, runsPurged: purgedHere });
  }
  return result;
}
