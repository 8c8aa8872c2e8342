import { z } from 'zod';
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
