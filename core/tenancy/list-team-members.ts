import { and, asc, eq, inArray } from 'drizzle-orm';
import { teamMemberships, teams, users } from '../../db/schema';
import { withTenant } from './with-tenant';
import { assertCan, type TenantContext } from './context';
import { findTeam } from './team-access';

/** The members of many teams in one query, each team's sorted by email as {@link listTeamMembers} sorts them. */
export async function listMembersOfTeams(ctx: TenantContext, teamIds: readonly string[]) {
  assertCan(ctx, 'team:read');
  const ids = [...new Set(teamIds)];
  const out = new Map<string, Awaited<ReturnType<typeof listTeamMembers>>>();
  if (ids.length === 0) return out;
  const rows = await withTenant(ctx, (tx) =>
    tx
      .select({ teamId: teamMemberships.teamId, id: teamMemberships.id, role: teamMemberships.role, userId: users.id, email: users.email, name: users.name, createdAt: teamMemberships.createdAt })
      .from(teamMemberships)
      .innerJoin(users, eq(users.id, teamMemberships.userId))
      .innerJoin(teams, eq(teams.id, teamMemberships.teamId))
      .where(and(eq(teamMemberships.orgId, ctx.orgId), eq(teams.orgId, ctx.orgId), inArray(teamMemberships.teamId, ids)))
      .orderBy(asc(users.email)),
  );
  for (const id of ids) out.set(id, []);
  for (const { teamId, ...member } of rows) out.get(teamId)!.push(member);
  return out;
}

export async function listTeamMembers(ctx: TenantContext, teamId: string) {
  assertCan(ctx, 'team:read');
  return withTenant(ctx, async (tx) => {
    await findTeam(tx, ctx, teamId);
    return tx
      .select({ id: teamMemberships.id, role: teamMemberships.role, userId: users.id, email: users.email, name: users.name, createdAt: teamMemberships.createdAt })
      .from(teamMemberships)
      .innerJoin(users, eq(users.id, teamMemberships.userId))
      .where(and(eq(teamMemberships.teamId, teamId), eq(teamMemberships.orgId, ctx.orgId)))
      .orderBy(asc(users.email));
  });
}
