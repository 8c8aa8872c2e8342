import { and, asc, eq, ilike } from 'drizzle-orm';
import { z } from 'zod';
import { registeredModels, registeredModelTags } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { loadModelViews, type RegisteredModelView } from './access';
import { decodeOffset, encodeOffset, pageTokenSchema, REGISTRY_LIMITS } from './registry.schemas';
import { registryFilterSql, registryOrderSql } from './registry-filter';

export const searchRegisteredModelsInput = z.object({
  /** MLflow filter string: `name LIKE '%x%'`, `name = 'x'`, `tags.k = 'v'`, joined by AND. */
  filter: z.string().max(10_000).nullish(),
  /** Case-insensitive substring of the name, taken literally (no wildcards), for search boxes. */
  nameContains: z.string().max(256).nullish(),
  projectId: idSchema('Project ID').nullish(),
  orderBy: z.array(z.string().max(200)).max(10).default([]),
  maxResults: z.number().int().min(1).max(REGISTRY_LIMITS.maxResults).default(100),
  pageToken: pageTokenSchema,
});

export interface RegisteredModelPage {
  models: RegisteredModelView[];
  nextPageToken: string | null;
}

const ORDER_COLUMNS = {
  name: registeredModels.name,
  timestamp: registeredModels.updatedAt,
  last_updated_timestamp: registeredModels.updatedAt,
  creation_timestamp: registeredModels.createdAt,
};

export async function searchRegisteredModels(ctx: TenantContext, input: unknown): Promise<RegisteredModelPage> {
  assertCan(ctx, 'model:read');
  const data = parseInput(searchRegisteredModelsInput, input);
  const where = and(
    eq(registeredModels.orgId, ctx.orgId),
    data.projectId ? eq(registeredModels.projectId, data.projectId) : undefined,
    data.nameContains ? ilike(registeredModels.name, `%${data.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
    registryFilterSql(data.filter, {
      attributes: { name: registeredModels.name },
      tags: { table: registeredModelTags, ownerColumn: registeredModelTags.modelId, keyColumn: registeredModelTags.key, valueColumn: registeredModelTags.value, ownerId: registeredModels.id },
    }),
  );
  const offset = decodeOffset(data.pageToken);
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .select()
      .from(registeredModels)
      .where(where)
      .orderBy(...registryOrderSql(data.orderBy, ORDER_COLUMNS), asc(registeredModels.name))
      .limit(data.maxResults + 1)
      .offset(offset);
    const page = rows.slice(0, data.maxResults);
    return { models: await loadModelViews(tx, page), nextPageToken: rows.length > data.maxResults ? encodeOffset(offset + data.maxResults) : null };
  });
}
