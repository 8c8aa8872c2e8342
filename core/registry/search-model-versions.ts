import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { modelVersions, modelVersionTags, registeredModels } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { loadVersionViews, type ModelVersionView } from './access';
import { decodeOffset, encodeOffset, modelRefSchema, pageTokenSchema, REGISTRY_LIMITS } from './registry.schemas';
import { registryFilterSql, registryOrderSql } from './registry-filter';

export const searchModelVersionsInput = z.object({
  /** MLflow filter string: `name = 'x'`, `run_id = '…'`, `run_id IN ('…')`, `source_path = '…'`, `tags.k = 'v'`. */
  filter: z.string().max(10_000).nullish(),
  /** Restricts to one model (GraphQL); MLflow clients say `name = '…'` in the filter instead. */
  model: modelRefSchema.nullish(),
  orderBy: z.array(z.string().max(200)).max(10).default([]),
  maxResults: z.number().int().min(1).max(REGISTRY_LIMITS.maxResults * 100).default(10_000),
  pageToken: pageTokenSchema,
});

export interface ModelVersionPage {
  versions: ModelVersionView[];
  nextPageToken: string | null;
}

const ORDER_COLUMNS = {
  name: registeredModels.name,
  version_number: modelVersions.version,
  creation_timestamp: modelVersions.createdAt,
  last_updated_timestamp: modelVersions.updatedAt,
  timestamp: modelVersions.createdAt,
};

export async function searchModelVersions(ctx: TenantContext, input: unknown): Promise<ModelVersionPage> {
  assertCan(ctx, 'model:read');
  const data = parseInput(searchModelVersionsInput, input);
  const where = and(
    eq(modelVersions.orgId, ctx.orgId),
    data.model ? ('modelId' in data.model ? eq(registeredModels.id, data.model.modelId) : eq(registeredModels.name, data.model.name)) : undefined,
    registryFilterSql(data.filter, {
      attributes: { name: registeredModels.name, run_id: modelVersions.runId, source_path: modelVersions.source, version_number: modelVersions.version },
      tags: { table: modelVersionTags, ownerColumn: modelVersionTags.versionId, keyColumn: modelVersionTags.key, valueColumn: modelVersionTags.value, ownerId: modelVersions.id },
    }),
  );
  const offset = decodeOffset(data.pageToken);
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .select({ v: modelVersions })
      .from(modelVersions)
      .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
      .where(where)
      .orderBy(...registryOrderSql(data.orderBy, ORDER_COLUMNS), registeredModels.name, desc(modelVersions.version))
      .limit(data.maxResults + 1)
      .offset(offset);
    const page = rows.slice(0, data.maxResults).map((r) => r.v);
    return { versions: await loadVersionViews(tx, page), nextPageToken: rows.length > data.maxResults ? encodeOffset(offset + data.maxResults) : null };
  });
}
