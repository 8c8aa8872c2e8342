import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { modelVersions } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { findModel, findVersion, findVersionById, loadVersionViews, type ModelVersionView } from './access';
import { modelRefSchema, versionNumberSchema } from './registry.schemas';

export const getModelVersionInput = z.union([z.object({ versionId: idSchema('Model version ID') }), z.object({ model: modelRefSchema, version: versionNumberSchema })]);

/** `{ versionId }` or `{ model, version }`; another organization's version is NOT_FOUND. */
export async function getModelVersion(ctx: TenantContext, input: unknown): Promise<ModelVersionView> {
  assertCan(ctx, 'model:read');
  const data = parseInput(getModelVersionInput, input);
  return withTenant(ctx, async (tx) => {
    const row = 'versionId' in data ? (await findVersionById(tx, ctx, data.versionId)).version : await findVersion(tx, await findModel(tx, ctx, data.model), data.version);
    return (await loadVersionViews(tx, [row]))[0]!;
  });
}

/** Versions by ID for a page's many references (a deployment's arms); IDs of other organizations are absent. */
export async function getModelVersions(ctx: TenantContext, versionIds: readonly string[]): Promise<Map<string, ModelVersionView>> {
  assertCan(ctx, 'model:read');
  const ids = [...new Set(versionIds)];
  if (!ids.length) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(modelVersions).where(and(eq(modelVersions.orgId, ctx.orgId), inArray(modelVersions.id, ids)));
    return new Map((await loadVersionViews(tx, rows)).map((v) => [v.id, v]));
  });
}
