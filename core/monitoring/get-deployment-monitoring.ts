import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import { alertRules, baselineProfiles, registeredModels, driftMonitors, driftResults, modelVersions, type AlertRule, type BaselineProfile, type DriftMonitor, type DriftResult } from '../../db/schema';
import { findDeployment, parseTraffic } from '../serving/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { deploymentRefSchema } from '../serving/serving.schemas';

/** How far back the drift history of a monitoring page reaches. */
export const DRIFT_HISTORY_HOURS = 24;

export interface VersionMonitoring {
  modelVersionId: string;
  version: number;
  baseline: BaselineProfile | null;
  latest: DriftResult | null;
  /** The version's results over the last DRIFT_HISTORY_HOURS, oldest first. */
  history: DriftResult[];
}

export interface DeploymentMonitoring {
  deploymentId: string;
  deploymentName: string;
  modelId: string;
  modelName: string;
  monitor: DriftMonitor | null;
  rules: AlertRule[];
  versions: VersionMonitoring[];
}

/** A deployment's monitor, rules, and per serving version its baseline and drift results (by deployment ID or name). */
export async function getDeploymentMonitoring(ctx: TenantContext, input: unknown): Promise<DeploymentMonitoring> {
  assertCan(ctx, 'deployment:read');
  const ref = parseInput(deploymentRefSchema, input);
  return withTenant(ctx, async (tx) => {
    const dep = await findDeployment(tx, ctx, ref);
    const [model] = await tx.select({ name: registeredModels.name }).from(registeredModels).where(eq(registeredModels.id, dep.modelId));
    const [monitor] = await tx.select().from(driftMonitors).where(eq(driftMonitors.deploymentId, dep.id));
    const rules = await tx.select().from(alertRules).where(eq(alertRules.deploymentId, dep.id)).orderBy(alertRules.createdAt);
    const since = new Date(Date.now() - DRIFT_HISTORY_HOURS * 3_600_000);
    const history = await tx
      .select()
      .from(driftResults)
      .where(and(eq(driftResults.deploymentId, dep.id), gt(driftResults.windowEnd, since)))
      .orderBy(desc(driftResults.windowEnd))
      .limit(2000);
    const traffic = parseTraffic(dep);
    const serving = new Set<string>([...traffic.arms.map((a) => a.versionId), ...(traffic.shadows ?? []).map((s) => s.versionId)]);
    for (const r of history) serving.add(r.modelVersionId);
    const ids = [...serving];
    const [versions, baselines] = ids.length
      ? await Promise.all([
          tx.select({ id: modelVersions.id, version: modelVersions.version }).from(modelVersions).where(inArray(modelVersions.id, ids)),
          tx.select().from(baselineProfiles).where(inArray(baselineProfiles.modelVersionId, ids)),
        ])
      : [[], []];
    return {
      deploymentId: dep.id,
      deploymentName: dep.name,
      modelId: dep.modelId,
      modelName: model?.name ?? '',
      monitor: monitor ?? null,
      rules,
      versions: versions
        .sort((a, b) => b.version - a.version)
        .map((v) => {
          const mine = history.filter((r) => r.modelVersionId === v.id);
          return { modelVersionId: v.id, version: v.version, baseline: baselines.find((b) => b.modelVersionId === v.id) ?? null, latest: mine[0] ?? null, history: mine.reverse() };
        }),
    };
  });
}
