import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { loggedModels, loggedModelTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { DEFAULT_EXPERIMENT_ALIAS, findExperiment } from '../tracking/access';
import { experimentIdSchema } from '../tracking/tracking.schemas';
import { parseInput } from '../validation';
import { loadLoggedModelViews, type LoggedModelView } from './logged-model-access';
import { decodeOffset, encodeOffset, pageTokenSchema } from './registry.schemas';
import { registryFilterSql, registryOrderSql } from './registry-filter';

export const searchLoggedModelsInput = z.object({
  experimentIds: z.array(experimentIdSchema).min(1, 'At least one experiment ID is required').max(100),
  /** `name = 'x'`, `source_run_id = '…'`, `model_type = '…'`, `status = 'READY'`, `tags.k = 'v'`, joined by AND. */
  filter: z.string().max(10_000).nullish(),
  orderBy: z.array(z.object({ field: z.string().max(100), ascending: z.boolean().default(true) })).max(10).default([]),
  maxResults: z.number().int().min(1).max(1000).default(100),
  pageToken: pageTokenSchema,
});

const ORDER_COLUMNS = {
  name: loggedModels.name,
  creation_timestamp: loggedModels.createdAt,
  creation_time: loggedModels.createdAt,
  last_updated_timestamp: loggedModels.updatedAt,
};

export async function searchLoggedModels(ctx: TenantContext, input: unknown): Promise<{ models: LoggedModelView[]; nextPageToken: string | null }> {
  assertCan(ctx, 'model:read');
  const data = parseInput(searchLoggedModelsInput, input);
  const offset = decodeOffset(data.pageToken);
  return withTenant(ctx, async (tx) => {
    // "0" is the default experiment; other IDs are taken as given, and RLS keeps them inside the tenant.
    const ids = await Promise.all(data.experimentIds.map(async (id) => (id === DEFAULT_EXPERIMENT_ALIAS ? (await findExperiment(tx, ctx, id)).id : id)));
    const rows = await tx
      .select()
      .from(loggedModels)
      .where(
        and(
          eq(loggedModels.orgId, ctx.orgId),
          inArray(loggedModels.experimentId, ids),
          isNull(loggedModels.deletedAt),
          registryFilterSql(data.filter, {
            attributes: { name: loggedModels.name, source_run_id: loggedModels.sourceRunId, model_type: loggedModels.modelType, status: loggedModels.status },
            tags: { table: loggedModelTags, ownerColumn: loggedModelTags.modelId, keyColumn: loggedModelTags.key, valueColumn: loggedModelTags.value, ownerId: loggedModels.id },
          }),
        ),
      )
      .orderBy(...registryOrderSql(data.orderBy.map((o) => `${o.field} ${o.ascending ? 'ASC' : 'DESC'}`), ORDER_COLUMNS), desc(loggedModels.createdAt), desc(loggedModels.id))
      .limit(data.maxResults + 1)
      .offset(offset);
    return {
      models: await loadLoggedModelViews(tx, rows.slice(0, data.maxResults)),
      nextPageToken: rows.length > data.maxResults ? encodeOffset(offset + data.maxResults) : null,
    };
  });
}
