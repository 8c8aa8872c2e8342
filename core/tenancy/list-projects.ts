import { and, asc, eq, getTableColumns, gt, inArray, lte, sql } from 'drizzle-orm';
import { projects } from '../../db/schema';
import { withTenant } from './with-tenant';
import { assertCan, type TenantContext } from './context';

export async function listProjects(ctx: TenantContext, opts: { first: number; after?: string | null; teamId?: string | null }) {
  assertCan(ctx, 'project:read');
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(projects)
      .where(
        and(
          eq(projects.orgId, ctx.orgId),
          opts.teamId ? eq(projects.teamId, opts.teamId) : undefined,
          opts.after ? gt(projects.id, opts.after) : undefined,
        ),
      )
      .orderBy(asc(projects.id))
      .limit(opts.first + 1),
  );
}

/**
 * {@link listProjects} for many teams in one query: each team's page (up to `first + 1`
 * projects after `after`, in ID order). Teams of other organizations map to nothing.
 */
export async function listProjectsOfTeams(ctx: TenantContext, teamIds: readonly string[], page: { first: number; after?: string | null }) {
  assertCan(ctx, 'project:read');
  const ids = [...new Set(teamIds)];
  const out = new Map<string, (typeof projects.$inferSelect)[]>();
  if (ids.length === 0) return out;
  return withTenant(ctx, async (tx) => {
    const ranked = tx
      .select({ ...getTableColumns(projects), n: sql<number>`row_number() over (partition by ${projects.teamId} order by ${projects.id})`.as('n') })
      .from(projects)
      .where(and(eq(projects.orgId, ctx.orgId), inArray(projects.teamId, ids), page.after ? gt(projects.id, page.after) : undefined))
      .as('ranked');
    const rows = await tx.select().from(ranked).where(lte(ranked.n, page.first + 1)).orderBy(asc(ranked.id));
    for (const { n: _n, ...p } of rows) out.set(p.teamId, [...(out.get(p.teamId) ?? []), p]);
    return out;
  });
}
