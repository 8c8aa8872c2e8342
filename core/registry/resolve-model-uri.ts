import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { modelAliases, modelVersions, type ModelVersion, type RegisteredModel } from '../../db/schema';
import { AppError, notFound } from '../errors';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { findModel, findVersion, loadVersionViews, type ModelVersionView } from './access';
import { aliasSchema, modelNameSchema } from './registry.schemas';

export type ParsedModelUri = { name: string; version: number } | { name: string; alias: string } | { name: string; latest: true };

const bad = (uri: string) =>
  new AppError('BAD_USER_INPUT', `Invalid model URI '${uri.slice(0, 300)}': use models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest`);

/** Parses `models:/<name>/<version>`, `models:/<name>@<alias>` and `models:/<name>/latest`. */
export function parseModelUri(uri: string): ParsedModelUri {
  if (typeof uri !== 'string' || uri.length > 600 || !uri.startsWith('models:/')) throw bad(String(uri));
  const path = uri.slice('models:/'.length);
  const slash = path.indexOf('/');
  if (slash >= 0) {
    const name = modelNameSchema.safeParse(path.slice(0, slash));
    const suffix = path.slice(slash + 1);
    if (!name.success || !suffix) throw bad(uri);
    if (/^\d+$/.test(suffix) && Number(suffix) >= 1 && Number.isSafeInteger(Number(suffix))) return { name: name.data, version: Number(suffix) };
    if (suffix.toLowerCase() === 'latest') return { name: name.data, latest: true };
    throw bad(uri);
  }
  const at = path.lastIndexOf('@');
  if (at <= 0) throw bad(uri);
  const name = modelNameSchema.safeParse(path.slice(0, at));
  const alias = aliasSchema.safeParse(path.slice(at + 1));
  if (!name.success || !alias.success) throw bad(uri);
  return { name: name.data, alias: alias.data };
}

export async function findVersionByAlias(tx: Tx, model: RegisteredModel, alias: string): Promise<ModelVersion> {
  const [row] = await tx
    .select({ v: modelVersions })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
    .where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, alias)));
  if (!row) throw notFound(`Registered model alias ${alias} of model ${model.name}`);
  return row.v;
}

export interface ResolvedModelUri {
  uri: string;
  version: ModelVersionView;
  /** Where the files are: the version's storage location. */
  artifactLocation: string;
}

/** A model URI to its version and artifact location; unknown names, versions and aliases are NOT_FOUND. */
export async function resolveModelUri(ctx: TenantContext, uri: unknown): Promise<ResolvedModelUri> {
  assertCan(ctx, 'model:read');
  const parsed = parseModelUri(uri as string);
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, { name: parsed.name });
    let v: ModelVersion;
    if ('version' in parsed) v = await findVersion(tx, model, parsed.version);
    else if ('alias' in parsed) v = await findVersionByAlias(tx, model, parsed.alias);
    else {
      const [latest] = await tx.select().from(modelVersions).where(eq(modelVersions.modelId, model.id)).orderBy(desc(modelVersions.version)).limit(1);
      if (!latest) throw notFound(`Any version of registered model ${model.name}`);
      v = latest;
    }
    const [view] = await loadVersionViews(tx, [v]);
    return { uri: uri as string, version: view!, artifactLocation: v.storageLocation };
  });
}
