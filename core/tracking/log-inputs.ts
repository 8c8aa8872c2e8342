import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { datasets, runInputs } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { newId } from '../ids';
import { parseInput } from '../validation';
import { findActiveRun } from './access';
import { LIMITS, runIdSchema, tagSchema } from './tracking.schemas';

const text = (what: string, max: number) => z.string({ message: `${what} is required` }).max(max, `${what} must be at most ${max} characters`);

export const datasetSchema = z.object({
  name: text('Dataset name', 500).min(1, 'Dataset name is required'),
  digest: text('Dataset digest', 36).min(1, 'Dataset digest is required'),
  sourceType: text('Dataset source_type', 36).min(1, 'Dataset source_type is required'),
  source: text('Dataset source', 65_535),
  schema: text('Dataset schema', 1_048_576).nullish(),
  profile: text('Dataset profile', 16_384).nullish(),
});

export const logInputsInput = z.object({
  runId: runIdSchema,
  datasets: z
    .array(z.object({ dataset: datasetSchema, tags: z.array(tagSchema).max(LIMITS.tagsPerBatch).default([]) }))
    .max(LIMITS.datasetsPerCall, `At most ${LIMITS.datasetsPerCall} datasets per request`)
    .default([]),
});

/**
 * Records which datasets a run used. A dataset is stored once per experiment by
 * (name, digest); logging the same input again merges its tags, so retries are harmless.
 */
export async function logInputs(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'run:write');
  const data = parseInput(logInputsInput, input);
  await withTenant(ctx, async (tx) => {
    const run = await findActiveRun(tx, ctx, data.runId);
    for (const d of data.datasets) {
      const ds = d.dataset;
      await tx
        .insert(datasets)
        .values({ id: newId('dataset'), orgId: ctx.orgId, experimentId: run.experimentId, name: ds.name, digest: ds.digest, sourceType: ds.sourceType, source: ds.source, schema: ds.schema ?? null, profile: ds.profile ?? null })
        .onConflictDoNothing();
      const [row] = await tx
        .select({ id: datasets.id })
        .from(datasets)
        .where(and(eq(datasets.experimentId, run.experimentId), eq(datasets.name, ds.name), eq(datasets.digest, ds.digest)));
      if (!row) throw new AppError('INTERNAL', 'dataset missing after insert');
      const tags = Object.fromEntries(d.tags.map((t) => [t.key, t.value]));
      await tx
        .insert(runInputs)
        .values({ orgId: ctx.orgId, runId: run.id, datasetId: row.id, tags })
        .onConflictDoUpdate({ target: [runInputs.runId, runInputs.datasetId], set: { tags: sql`${runInputs.tags} || excluded.tags` } });
    }
  });
}
