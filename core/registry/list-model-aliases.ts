import { asc, desc, eq, sql } from 'drizzle-orm';
import { modelAliases, modelAliasHistory, modelVersions, protectedModelAliases, users, type ModelAliasHistoryEntry } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findModel, tenantScope } from './access';
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
  return withTenant(tenantScope(ctx), async (tx) => {
    const model = await findModel(tx, ctx, data);
    const [aliases, protections, history] = await Promise.all([
      tx
        .select({ alias: modelAliases.alias, versionId: modelAliases.versionId, version: modelVersions.version, updatedAt: modelAliases.updatedAt })
        .from(modelAliases)
        .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
        .where(eq(modelAliases.modelId, model.id)),
      tx.select().from(protectedModelAliases).where(eq(protectedModelAliases.modelId, model.id)),
      tx
        .select({ h: modelAliasHistory, actorEmail: sql<string | null>`${users.email}` })
        .from(modelAliasHistory)
        .leftJoin(users, eq(users.id, modelAliasHistory.actorUserId))
        .where(eq(modelAliasHistory.modelId, model.id))
        .orderBy(asc(modelAliasHistory.alias), desc(modelAliasHistory.occurredAt), desc(modelAliasHistory.id)),
    ]);
    const names = [...new Set([...aliases.map((a) => a.alias), ...protections.map((p) => p.alias), ...history.map((h) => h.h.alias)])].sort();
    return names
      .map((alias) => {
        const a = aliases.find((x) => x.alias === alias);
        const p = protections.find((x) => x.alias === alias);
        return {
          alias,
          version: a?.version ?? null,
          versionId: a?.versionId ?? null,
          updatedAt: a?.updatedAt ?? null,
          protection: p ? { minRole: p.minRole, requiresPassingEvaluation: p.requiresPassingEvaluation } : null,
          history: history.filter((h) => h.h.alias === alias).map((h) => ({ ...h.h, actorEmail: h.actorEmail })),
        };
      })
      // A deleted, unprotected alias is only history; it is listed while it has some, so the UI can show who removed it.
      .filter((a) => a.version != null || a.protection || a.history.length > 0);
  });
}
