import { and, asc, eq, isNotNull, lt } from 'drizzle-orm';
import { baselineProfiles, datasets, modelVersions, predictions, runInputs, type BaselineProfile, type StoredFeatureProfile } from '../../db/schema';
import { asNumber, isMissing, profileFeature, type FeatureValue } from '../../rules/monitoring/drift';
import { appendColumns, featureColumns, mapColumns, type LoggedTensor } from '../../rules/monitoring/features';
import { mlflowSignatureToTensors } from '../../rules/serving/oip';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { artifactStore } from '../artifacts/store-from-config';
import { newId } from '../ids';
import type { SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { readTrainingTable } from './training-data';

/**
 * A model version's baseline profile, taken the first time a drift run needs it (see
 * docs/decisions/0023-drift-baselines.md): from the training dataset the version's run logged when
 * Gantry can read it, else from the first `baselineSamples` sampled requests the version answered on
 * this deployment, with the reason the training data was not used kept beside it.
 */
export type BaselineState = { status: 'ready'; profile: BaselineProfile } | { status: 'collecting'; have: number; need: number; reason: string };

export interface BaselineDeps {
  store?: ArtifactStore;
}

function signatureInputs(signature: Record<string, unknown> | null) {
  try {
    return mlflowSignatureToTensors(signature as { inputs?: string; outputs?: string } | null).inputs;
  } catch {
    return [];
  }
}

async function fromTrainingData(
  ctx: SystemContext,
  version: { runId: string | null; signature: Record<string, unknown> | null },
  deps: BaselineDeps,
): Promise<{ ok: true; row: Omit<typeof baselineProfiles.$inferInsert, 'id' | 'orgId' | 'modelVersionId'> } | { ok: false; reason: string }> {
  if (!version.runId) return { ok: false, reason: 'the version was registered without a run, so there is no training dataset' };
  const inputs = await withTenant(ctx, (tx) =>
    tx
      .select({ id: datasets.id, name: datasets.name, source: datasets.source, tags: runInputs.tags })
      .from(runInputs)
      .innerJoin(datasets, eq(datasets.id, runInputs.datasetId))
      .where(eq(runInputs.runId, version.runId!)),
  );
  const training = inputs.find((d) => d.tags['mlflow.data.context'] === 'training') ?? inputs[0];
  if (!training) return { ok: false, reason: 'the run logged no dataset (mlflow.log_input)' };
  const read = await readTrainingTable(ctx.orgId, training.source, deps.store ?? artifactStore());
  if (!read.ok) return { ok: false, reason: read.reason };
  const { columns, rows } = read.table;
  const numeric = columns.filter((_, c) => rows.every((r) => isMissing(r[c]) || asNumber(r[c]) !== null) && rows.some((r) => !isMissing(r[c])));
  const mapping = mapColumns(signatureInputs(version.signature), columns, numeric);
  if (!mapping.ok) return { ok: false, reason: mapping.reason };
  const features: Record<string, StoredFeatureProfile> = {};
  for (const { key, column } of mapping.features) {
    const c = columns.indexOf(column);
    const values: FeatureValue[] = rows.map((r) => r[c]);
    features[key] = { ...profileFeature(values), column };
  }
  return { ok: true, row: { source: 'training_data', datasetId: training.id, sourceLabel: `${training.name} (${read.label})`, fallbackReason: null, rows: rows.length, features } };
}

export async function ensureBaseline(
  ctx: SystemContext,
  input: { deploymentId: string; deploymentName: string; modelVersionId: string; baselineSamples: number },
  deps: BaselineDeps = {},
): Promise<BaselineState> {
  const existing = await withTenant(ctx, async (tx) => {
    const [p] = await tx.select().from(baselineProfiles).where(eq(baselineProfiles.modelVersionId, input.modelVersionId));
    if (p) return { profile: p, version: null };
    const [v] = await tx.select({ runId: modelVersions.runId, signature: modelVersions.signature }).from(modelVersions).where(eq(modelVersions.id, input.modelVersionId));
    return { profile: null, version: v ?? null };
  });
  if (existing.profile) return { status: 'ready', profile: existing.profile };
  if (!existing.version) return { status: 'collecting', have: 0, need: input.baselineSamples, reason: 'the model version no longer exists' };

  const trained = await fromTrainingData(ctx, existing.version, deps);
  let row: Omit<typeof baselineProfiles.$inferInsert, 'id' | 'orgId' | 'modelVersionId'>;
  if (trained.ok) row = trained.row;
  else {
    const sampled = await withTenant(ctx, (tx) =>
      tx
        .select({ inputs: predictions.inputs })
        .from(predictions)
        .where(
          and(
            eq(predictions.deploymentId, input.deploymentId),
            eq(predictions.modelVersionId, input.modelVersionId),
            isNotNull(predictions.inputs),
            lt(predictions.status, 400),
          ),
        )
        .orderBy(asc(predictions.at), asc(predictions.id))
        .limit(input.baselineSamples),
    );
    if (sampled.length < input.baselineSamples) return { status: 'collecting', have: sampled.length, need: input.baselineSamples, reason: trained.reason };
    const columns = new Map<string, FeatureValue[]>();
    for (const s of sampled) appendColumns(columns, featureColumns((s.inputs as LoggedTensor[]) ?? []));
    const features: Record<string, StoredFeatureProfile> = {};
    for (const [key, values] of columns) features[key] = { ...profileFeature(values), column: null };
    row = { source: 'live_traffic', datasetId: null, sourceLabel: `the first ${sampled.length} sampled requests to ${input.deploymentName}`, fallbackReason: trained.reason, rows: sampled.length, features };
  }
  return withTenant(ctx, async (tx) => {
    await tx
      .insert(baselineProfiles)
      .values({ id: newId('baselineProfile'), orgId: ctx.orgId, modelVersionId: input.modelVersionId, ...row })
      .onConflictDoNothing();
    const [p] = await tx.select().from(baselineProfiles).where(eq(baselineProfiles.modelVersionId, input.modelVersionId));
    return { status: 'ready', profile: p! } as const;
  });
}
