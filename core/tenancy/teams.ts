import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { memberships, teamMemberships, teamRole, teams, users } from '../../db/schema';
import { withTenant } from './with-tenant';
import { AppError, forbidden, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { descriptionSchema, idSchema, nameSchema, parseInput, slugify } from '../validation';
import { assertCan, can, type TenantContext } from './context';

export const createTeamInput = z.object({ name: nameSchema('Team name', 80), description: descriptionSchema });
export const addTeamMemberInput = z.object({
  teamId: idSchema('Team ID'),
  userId: idSchema('User ID'),
  role: z.enum(teamRole.enumValues).default('member'),
});
export const removeTeamMemberInput = z.object({ teamId: idSchema('Team ID'), userId: idSchema('User ID') });


export async function findTeam(tx: Tx, ctx: TenantContext, teamId: string) {
  const [t] = await tx.select().from(teams).where(and(eq(teams.id, teamId), eq(teams.orgId, ctx.orgId)));
  if (!t) throw notFound('Team');
  return t;
}

/** The actor's role in the team, if any. */
export async function teamRoleOf(tx: Tx, ctx: TenantContext, teamId: string) {
  const [m] = await tx
    .select({ role: teamMemberships.role })
    .from(teamMemberships)
    .where(and(eq(teamMemberships.teamId, teamId), eq(teamMemberships.userId, ctx.actor.userId)));
  return m?.role ?? null;
}

export async function createTeam(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'team:create');
  const data = parseInput(createTeamInput, input);
  const id = newId('team');
  return withTenant(ctx, async (tx) => {
    const inserted = await tx
      .insert(teams)
      .values({ id, orgId: ctx.orgId, name: data.name, slug: slugify(data.name), description: data.description })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) {
      throw new AppError('CONFLICT', `A team named like "${data.name}" already exists`, { fields: [{ path: 'name', message: 'Already taken' }] });
    }
    // The creator maintains the team they made.
    await tx.insert(teamMemberships).values({ id: newId('teamMembership'), orgId: ctx.orgId, teamId: id, userId: ctx.actor.userId, role: 'maintainer' });
    await recordAudit(tx, ctx, { action: 'team.create', targetType: 'team', targetId: id, data: { name: data.name } });
    return inserted[0]!;
  });
}

export async function listTeams(ctx: TenantContext, page: { first: number; after?: string | null }) {
  assertCan(ctx, 'team:read');
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(teams)
      .where(and(eq(teams.orgId, ctx.orgId), page.after ? gt(teams.id, page.after) : undefined))
      .orderBy(asc(teams.id))
      .limit(page.first + 1),
  );
}

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

/** Org admins, or the team's maintainers, manage who is in a team. */
async function assertMayManageTeam(tx: Tx, ctx: TenantContext, teamId: string) {
  if (can(ctx, 'team:manage-members')) return;
  if (ctx.actor.kind === 'api_key' && !ctx.actor.scopes.includes('admin')) throw forbidden('This API key cannot manage team members');
  if ((await teamRoleOf(tx, ctx, teamId)) !== 'maintainer') throw forbidden('Only org admins and team maintainers manage team members');
}

export async function addTeamMember(ctx: TenantContext, input: unknown) {
  const data = parseInput(addTeamMemberInput, input);
  assertCan(ctx, 'team:read');
  return withTenant(ctx, async (tx) => {
    const team = await findTeam(tx, ctx, data.teamId);
    await assertMayManageTeam(tx, ctx, team.id);
    const [member] = await tx.select().from(memberships).where(and(eq(memberships.orgId, ctx.orgId), eq(memberships.userId, data.userId)));
    if (!member) throw notFound('Member');
    const [row] = await tx
      .insert(teamMemberships)
      .values({ id: newId('teamMembership'), orgId: ctx.orgId, teamId: team.id, userId: data.userId, role: data.role })
      .onConflictDoUpdate({ target: [teamMemberships.teamId, teamMemberships.userId], set: { role: data.role } })
      .returning();
    await recordAudit(tx, ctx, { action: 'team.member_set', targetType: 'team', targetId: team.id, data: { userId: data.userId, role: data.role } });
    return row!;
  });
}

export async function removeTeamMember(ctx: TenantContext, input: unknown) {
  const data = parseInput(removeTeamMemberInput, input);
  assertCan(ctx, 'team:read');
  return withTenant(ctx, async (tx) => {
    const team = await findTeam(tx, ctx, data.teamId);
    if (data.userId !== ctx.actor.userId) await assertMayManageTeam(tx, ctx, team.id);
    const removed = await tx
      .delete(teamMemberships)
      .where(and(eq(teamMemberships.teamId, team.id), eq(teamMemberships.userId, data.userId)))
      .returning();
    if (removed.length === 0) throw notFound('Team member');
    await recordAudit(tx, ctx, { action: 'team.member_remove', targetType: 'team', targetId: team.id, data: { userId: data.userId } });
    return team;
  });
}
