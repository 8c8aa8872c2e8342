import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import {
  modelAliases,
  modelAliasHistory,
  modelVersions,
  modelVersionTags,
  registeredModels,
  registeredModelTags,
  type ModelVersion,
  type RegisteredModel,
} from '../../db/schema';
import { notFound } from '../errors';
import { newId } from '../ids';
import { isSystemContext, type ActingContext, type TenantContext } from '../tenancy/context';
import type { KeyValue } from '../tracking/access';
import type { ModelRef } from './registry.schemas';


export const apiKeyOf = (ctx: TenantContext) => (ctx.actor.kind === 'api_key' ? ctx.actor.apiKeyId : null);

export interface AliasRef {
  alias: string;
  version: number;
}

export type RegisteredModelView = RegisteredModel & { tags: KeyValue[]; aliases: AliasRef[]; latestVersion: ModelVersion | null };
export type ModelVersionView = ModelVersion & { modelName: string; tags: KeyValue[]; aliases: string[] };

const modelNotFound = (what: string) => notFound(`Registered Model with name=${what}`);

/** The registered model by ID or name in the caller's organization, or NOT_FOUND (RLS hides other tenants' rows as well). */
export async function findModel(tx: Tx, ctx: Pick<ActingContext, 'orgId'>, ref: ModelRef, opts: { forUpdate?: boolean } = {}): Promise<RegisteredModel> {
  const where =
    'modelId' in ref
      ? and(eq(registeredModels.orgId, ctx.orgId), eq(registeredModels.id, ref.modelId))
      : and(eq(registeredModels.orgId, ctx.orgId), eq(registeredModels.name, ref.name));
  const q = tx.select().from(registeredModels).where(where);
  const [m] = opts.forUpdate ? await q.for('update') : await q;
  if (!m) throw modelNotFound('modelId' in ref ? ref.modelId.slice(0, 64) : ref.name);
  return m;
}

export async function findVersion(tx: Tx, model: RegisteredModel, version: number, opts: { forUpdate?: boolean } = {}): Promise<ModelVersion> {
  const q = tx
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.orgId, model.orgId), eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  const [v] = opts.forUpdate ? await q.for('update') : await q;
  if (!v) throw notFound(`Model Version (name=${model.name}, version=${version})`);
  return v;
}

export async function findVersionById(tx: Tx, ctx: TenantContext, id: string): Promise<{ model: RegisteredModel; version: ModelVersion }> {
  const [row] = await tx
    .select({ version: modelVersions, model: registeredModels })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(and(eq(modelVersions.orgId, ctx.orgId), eq(modelVersions.id, id)));
  if (!row) throw notFound(`Model version '${id.slice(0, 64)}'`);
  return row;
}

/** Tags, aliases and latest version of many models in three queries. */
export async function loadModelViews(tx: Tx, rows: RegisteredModel[]): Promise<RegisteredModelView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [tags, aliases, versions] = await Promise.all([
    tx.select().from(registeredModelTags).where(inArray(registeredModelTags.modelId, ids)).orderBy(asc(registeredModelTags.key)),
    tx
      .select({ modelId: modelAliases.modelId, alias: modelAliases.alias, version: modelVersions.version })
      .from(modelAliases)
      .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
      .where(inArray(modelAliases.modelId, ids))
      .orderBy(asc(modelAliases.alias)),
    tx
      .selectDistinctOn([modelVersions.modelId])
      .from(modelVersions)
      .where(inArray(modelVersions.modelId, ids))
      .orderBy(modelVersions.modelId, desc(modelVersions.version)),
  ]);
  return rows.map((r) => ({
    ...r,
    tags: tags.filter((t) => t.modelId === r.id).map(({ key, value }) => ({ key, value })),
    aliases: aliases.filter((a) => a.modelId === r.id).map(({ alias, version }) => ({ alias, version })),
    latestVersion: versions.find((v) => v.modelId === r.id) ?? null,
  }));
}

export async function loadVersionViews(tx: Tx, rows: ModelVersion[]): Promise<ModelVersionView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const modelIds = [...new Set(rows.map((r) => r.modelId))];
  const [tags, aliases, models] = await Promise.all([
    tx.select().from(modelVersionTags).where(inArray(modelVersionTags.versionId, ids)).orderBy(asc(modelVersionTags.key)),
    tx.select().from(modelAliases).where(inArray(modelAliases.versionId, ids)).orderBy(asc(modelAliases.alias)),
    tx.select({ id: registeredModels.id, name: registeredModels.name }).from(registeredModels).where(inArray(registeredModels.id, modelIds)),
  ]);
  const names = new Map(models.map((m) => [m.id, m.name]));
  return rows.map((r) => ({
    ...r,
    modelName: names.get(r.modelId) ?? '',
    tags: tags.filter((t) => t.versionId === r.id).map(({ key, value }) => ({ key, value })),
    aliases: aliases.filter((a) => a.versionId === r.id).map((a) => a.alias),
  }));
}

/** Appends one alias event; the history table is insert-only for the app role. */
export async function recordAliasEvent(
  tx: Tx,
  ctx: ActingContext,
  e: { modelId: string; alias: string; action: 'set' | 'move' | 'delete'; fromVersion: number | null; toVersion: number | null },
): Promise<void> {
  await tx.insert(modelAliasHistory).values({
    id: newId('modelAliasEvent'),
    orgId: ctx.orgId,
    modelId: e.modelId,
    alias: e.alias,
    action: e.action,
    fromVersion: e.fromVersion,
    toVersion: e.toVersion,
    actorUserId: isSystemContext(ctx) ? null : ctx.actor.userId,
    actorApiKeyId: isSystemContext(ctx) ? null : apiKeyOf(ctx),
  });
}
