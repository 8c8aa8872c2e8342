import { and, desc, eq, gt, isNotNull, lte, ne, sql } from 'drizzle-orm';
import { deployments, driftMonitors, driftResults, predictions } from '../../db/schema';
import { featureDrift, type FeatureDrift, type FeatureProfile, type FeatureValue } from '../../rules/monitoring/drift';
import { appendColumns, featureColumns, type LoggedTensor } from '../../rules/monitoring/features';
import { newId } from '../ids';
import { awaitRecorded } from '../orchestration/record-then-start';
import type { SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { ensureBaseline, type BaselineDeps } from './baseline';
import { driftMonitorScheduleId } from './drift-monitor-schedule';

/** Sampled requests one window reads at most, per version (the newest first). */
export const WINDOW_SAMPLE_LIMIT = 5000;

export interface DriftRunSummary {
  skipped: string | null;
  results: { modelVersionId: string; version: number; samples: number; maxPsi: number | null; note: string | null }[];
}

const maxOf = (xs: (number | null | undefined)[]) => {
  const present = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return present.length ? Math.max(...present) : null;
};

/**
 * One monitor run over the window ending at `windowEnd`: for each version that answered requests on
 * the deployment in the window, its request numbers and the drift of its sampled inputs against its
 * baseline. Keyed by (deployment, version, window end): a retried run leaves the first run's rows.
 */
export async function computeDrift(ctx: SystemContext, input: { deploymentId: string; windowEnd: string }, deps: BaselineDeps = {}): Promise<DriftRunSummary> {
  const windowEnd = new Date(input.windowEnd);
  const setup = await withTenant(ctx, async (tx) => {
    // A firing can run before the transaction that created its schedule has committed.
    await awaitRecorded(tx, driftMonitorScheduleId(input.deploymentId));
    const [m] = await tx
      .select({ monitor: driftMonitors, name: deployments.name })
      .from(driftMonitors)
      .innerJoin(deployments, eq(deployments.id, driftMonitors.deploymentId))
      .where(eq(driftMonitors.deploymentId, input.deploymentId));
    if (!m) return null;
    const windowStart = new Date(windowEnd.getTime() - m.monitor.windowMinutes * 60_000);
    const inWindow = and(eq(predictions.deploymentId, input.deploymentId), gt(predictions.at, windowStart), lte(predictions.at, windowEnd), ne(predictions.arm, 'shadow'));
    const versions = await tx
      .select({
        modelVersionId: predictions.modelVersionId,
        version: predictions.version,
        requests: sql<number>`count(*)::int`,
        errors: sql<number>`(count(*) filter (where ${predictions.status} >= 400))::int`,
        p95: sql<number | null>`percentile_cont(0.95) within group (order by ${predictions.latencyMs})`,
      })
      .from(predictions)
      .where(and(inWindow, isNotNull(predictions.modelVersionId)))
      .groupBy(predictions.modelVersionId, predictions.version);
    return { monitor: m.monitor, name: m.name, windowStart, versions, inWindow };
  });
  if (!setup) return { skipped: 'the deployment has no drift monitor', results: [] };
  if (!setup.monitor.enabled) return { skipped: 'the drift monitor is off', results: [] };

  const results: DriftRunSummary['results'] = [];
  for (const v of setup.versions) {
    const modelVersionId = v.modelVersionId!;
    const baseline = await ensureBaseline(ctx, { deploymentId: input.deploymentId, deploymentName: setup.name, modelVersionId, baselineSamples: setup.monitor.baselineSamples }, deps);
    const sampled = await withTenant(ctx, (tx) =>
      tx
        .select({ inputs: predictions.inputs })
        .from(predictions)
        .where(and(setup.inWindow, eq(predictions.modelVersionId, modelVersionId), isNotNull(predictions.inputs), sql`${predictions.status} < 400`))
        .orderBy(desc(predictions.at))
        .limit(WINDOW_SAMPLE_LIMIT),
    );
    const columns = new Map<string, FeatureValue[]>();
    for (const s of sampled) appendColumns(columns, featureColumns((s.inputs as LoggedTensor[]) ?? []));
    const features: Record<string, Record<string, unknown>> = {};
    const drifts: FeatureDrift[] = [];
    let note: string | null = null;
    if (baseline.status === 'collecting') {
      note = `Collecting a baseline from live traffic (${baseline.have} of ${baseline.need} sampled requests): ${baseline.reason}`;
    } else if (sampled.length === 0) {
      note = 'No sampled requests in the window';
    } else {
      for (const [key, profile] of Object.entries(baseline.profile.features)) {
        const d = featureDrift(profile as unknown as FeatureProfile, columns.get(key) ?? []);
        drifts.push(d);
        // The column rides along so alerts can name the feature as the training data does.
        features[key] = { ...d, column: profile.column ?? null };
      }
    }
    const row = {
      id: newId('driftResult'),
      orgId: ctx.orgId,
      deploymentId: input.deploymentId,
      modelVersionId,
      version: v.version,
      windowStart: setup.windowStart,
      windowEnd,
      requests: v.requests,
      errors: v.errors,
      p95LatencyMs: v.p95 === null ? null : Number(v.p95),
      samples: sampled.length,
      features,
      maxPsi: maxOf(drifts.map((d) => d.psi)),
      maxKs: maxOf(drifts.map((d) => (d.kind === 'numeric' ? d.ks?.statistic : null))),
      maxMissingRate: maxOf(drifts.map((d) => d.missingRate)),
      maxOutOfRangeRate: maxOf(drifts.map((d) => (d.kind === 'numeric' ? d.outOfRangeRate : null))),
      maxUnseenRate: maxOf(drifts.map((d) => (d.kind === 'categorical' ? d.unseenRate : null))),
      note,
    };
    await withTenant(ctx, (tx) => tx.insert(driftResults).values(row).onConflictDoNothing());
    results.push({ modelVersionId, version: v.version, samples: sampled.length, maxPsi: row.maxPsi, note });
  }
  return { skipped: null, results };
}
