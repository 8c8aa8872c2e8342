import { and, eq, inArray } from 'drizzle-orm';
import { teams } from '../../db/schema';
import { withTenant } from './with-tenant';
import { assertCan, type TenantContext } from './context';
import { findTeam } from './team-access';

export async function getTeam(ctx: TenantContext, teamId: string) {
  assertCan(ctx, 'team:read');
  return withTenant(ctx, (tx) => findTeam(tx, ctx, teamId));
}

/** Many teams by ID in one query; IDs not in the caller's organization map to nothing. */
export async function getTeams(ctx: TenantContext, teamIds: readonly string[]) {
  assertCan(ctx, 'team:read');
  const ids = [...new Set(teamIds)];
  if (ids.length === 0) return new Map<string, typeof teams.$inferSelect>();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(teams).where(and(eq(teams.orgId, ctx.orgId), inArray(teams.id, ids)));
    return new Map(rows.map((t) => [t.id, t]));
  });
}
