import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { modelVersions, modelVersionTags, registeredModels, runLatestMetrics, type MetricSnapshot } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { artifactStore } from '../artifacts/store-from-config';
import { notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { assertCan, type TenantContext } from '../tenancy/context';
import { runIdSchema } from '../tracking/tracking.schemas';
import { parseInput } from '../validation';
import { apiKeyOf, findModel, loadVersionViews, type ModelVersionView } from './access';
import { readModelMetadata } from './model-metadata';
import { resolveModelSource } from './model-source';
import { modelRefSchema, registryDescriptionSchema, REGISTRY_LIMITS, tagsInput } from './registry.schemas';

export const createModelVersionInput = z.object({
  model: modelRefSchema,
  source: z.string().trim().min(1, 'Model source is required').max(REGISTRY_LIMITS.sourceLength),
  runId: runIdSchema.nullish(),
  description: registryDescriptionSchema.nullish(),
  tags: tagsInput,
  /** The model's input/output schema, e.g. MLflow's signature `{inputs, outputs, params}`. */
  signature: z.record(z.string(), z.unknown()).nullish(),
  framework: z.string().trim().max(100).nullish(),
  sizeBytes: z.number().int().min(0).nullish(),
});

const jsonNumber = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

/**
 * Registers a new version. The number comes from `UPDATE … SET next_version =
 * next_version + 1 RETURNING`: the row lock makes concurrent registrations of one
 * model wait for each other, so numbers are sequential with no duplicates.
 *
 * Framework, signature and size come from the caller, else from the model's files
 * when they are in Gantry's artifact store (its MLmodel file and the bytes under its
 * directory). The files are read between two transactions, after the source is
 * authorized and before the version number is taken, so no lock waits on the store.
 */
export async function createModelVersion(ctx: TenantContext, input: unknown, deps: { store?: ArtifactStore } = {}): Promise<ModelVersionView> {
  assertCan(ctx, 'model:write');
  const data = parseInput(createModelVersionInput, input);
  const located = await withTenant(ctx, async (tx) => {
    await findModel(tx, ctx, data.model);
    return resolveModelSource(tx, ctx, data.source, data.runId ?? null);
  });
  const files = await readModelMetadata(deps.store ?? artifactStore(), ctx.orgId, located.storageLocation);
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data.model);
    const resolved = await resolveModelSource(tx, ctx, data.source, data.runId ?? null);
    const now = Date.now();
    const [counter] = await tx
      .update(registeredModels)
      .set({ nextVersion: sql`${registeredModels.nextVersion} + 1`, updatedAt: now })
      .where(eq(registeredModels.id, model.id))
      .returning({ taken: sql<number>`${registeredModels.nextVersion} - 1` });
    // The model was deleted by a concurrent request after it was found.
    if (!counter) throw notFound(`Registered Model with name=${model.name}`);
    const version = Number(counter.taken);
    const metrics: MetricSnapshot[] = resolved.run
      ? (await tx.select().from(runLatestMetrics).where(eq(runLatestMetrics.runId, resolved.run.id)).orderBy(asc(runLatestMetrics.key))).map((m) => ({
          key: m.key,
          value: jsonNumber(m.value),
          step: m.step,
          timestamp: m.timestamp,
        }))
      : [];
    const id = newId('modelVersion');
    const [row] = await tx
      .insert(modelVersions)
      .values({
        id,
        orgId: ctx.orgId,
        modelId: model.id,
        version,
        source: data.source,
        storageLocation: resolved.storageLocation,
        runId: resolved.run?.id ?? null,
        loggedModelId: resolved.loggedModel?.id ?? null,
        status: 'READY',
        signature: data.signature ?? files.signature,
        framework: data.framework ?? files.framework ?? resolved.loggedModel?.modelType ?? null,
        sizeBytes: data.sizeBytes ?? files.sizeBytes,
        metricsSnapshot: metrics,
        description: data.description ?? '',
        createdBy: ctx.actor.userId,
        createdByApiKey: apiKeyOf(ctx),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const tags = new Map(data.tags.map((t) => [t.key, t.value]));
    if (tags.size) await tx.insert(modelVersionTags).values([...tags].map(([key, value]) => ({ orgId: ctx.orgId, versionId: id, key, value })));
    await recordAudit(tx, ctx, {
      action: 'model_version.create',
      targetType: 'model_version',
      targetId: id,
      data: { model: model.name, version, source: data.source, runId: resolved.run?.id ?? null },
    });
    return (await loadVersionViews(tx, [row!]))[0]!;
  });
}
