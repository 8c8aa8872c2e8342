import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { modelAliases, modelAliasHistory, modelVersions, protectedModelAliases, registeredModels, users, type ModelAliasHistoryEntry } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel } from './access';
import { modelRefSchema } from './registry.schemas';

export type AliasHistoryView = ModelAliasHistoryEntry & { actorEmail: string | null };

export interface ModelAliasView {
  alias: string;
  /** Null for a protected alias that points at no version yet. */
  version: number | null;
  versionId: string | null;
  updatedAt: Date | null;
  protection: { minRole: string; requiresPassingEvaluation: boolean } | null;
  /** Newest first. */
  history: AliasHistoryView[];
}

/** The model's aliases, protected ones included, each with who moved it when. */
export async function listModelAliases(ctx: TenantContext, ref: unknown): Promise<ModelAliasView[]> {
  assertCan(ctx, 'model:read');
  const data = parseInput(modelRefSchema, ref);
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, data);
    return (await loadAliases(tx, [model.id])).get(model.id) ?? [];
  });
}

/**
 * The aliases of many models at once (three queries, whatever their number), as
 * {@link listModelAliases} answers for each; IDs of models the caller cannot see map to nothing.
 */
export async function listAliasesOfModels(ctx: TenantContext, modelIds: readonly string[]): Promise<Map<string, ModelAliasView[]>> {
  assertCan(ctx, 'model:read');
  const ids = [...new Set(modelIds)];
  if (ids.length === 0) return new Map();
  return withTenant(ctx, async (tx) => {
    const visible = await tx
      .select({ id: registeredModels.id })
      .from(registeredModels)
      .where(and(eq(registeredModels.orgId, ctx.orgId), inArray(registeredModels.id, ids)));
    return loadAliases(
      tx,
      visible.map((m) => m.id),
    );
  });
}

async function loadAliases(tx: Tx, modelIds: string[]): Promise<Map<string, ModelAliasView[]>> {
  const out = new Map<string, ModelAliasView[]>();
  if (modelIds.length === 0) return out;
  const [aliases, protections, history] = await Promise.all([
    tx
      .select({ modelId: modelAliases.modelId, alias: modelAliases.alias, versionId: modelAliases.versionId, version: modelVersions.version, updatedAt: modelAliases.updatedAt })
      .from(modelAliases)
      .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
      .where(inArray(modelAliases.modelId, modelIds)),
    tx.select().from(protectedModelAliases).where(inArray(protectedModelAliases.modelId, modelIds)),
    tx
      .select({ h: modelAliasHistory, actorEmail: sql<string | null>`${users.email}` })
      .from(modelAliasHistory)
      .leftJoin(users, eq(users.id, modelAliasHistory.actorUserId))
      .where(inArray(modelAliasHistory.modelId, modelIds))
      .orderBy(asc(modelAliasHistory.alias), desc(modelAliasHistory.occurredAt), desc(modelAliasHistory.id)),
  ]);
  for (const modelId of modelIds) {
    const mine = aliases.filter((a) => a.modelId === modelId);
    const guards = protections.filter((p) => p.modelId === modelId);
    const moves = history.filter((h) => h.h.modelId === modelId);
    const names = [...new Set([...mine.map((a) => a.alias), ...guards.map((p) => p.alias), ...moves.map((h) => h.h.alias)])].sort();
    out.set(
      modelId,
      names
        .map((alias) => {
          const a = mine.find((x) => x.alias === alias);
          const p = guards.find((x) => x.alias === alias);
          return {
            alias,
            version: a?.version ?? null,
            versionId: a?.versionId ?? null,
            updatedAt: a?.updatedAt ?? null,
            protection: p ? { minRole: p.minRole, requiresPassingEvaluation: p.requiresPassingEvaluation } : null,
            history: moves.filter((h) => h.h.alias === alias).map((h) => ({ ...h.h, actorEmail: h.actorEmail })),
          };
        })
        // A deleted, unprotected alias is only history; it is listed while it has some, so the UI can show who removed it.
        .filter((a) => a.version != null || a.protection || a.history.length > 0),
    );
  }
  return out;
}
