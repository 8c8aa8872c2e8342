import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { teamMemberships, teams } from '../../db/schema';
import { forbidden, notFound } from '../errors';
import { can, type TenantContext } from './context';

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

/** Org admins, or the team's maintainers, manage who is in a team. */
export async function assertMayManageTeam(tx: Tx, ctx: TenantContext, teamId: string) {
  if (can(ctx, 'team:manage-members')) return;
  if (ctx.actor.kind === 'api_key' && !ctx.actor.scopes.includes('admin')) throw forbidden('This API key cannot manage team members');
  if ((await teamRoleOf(tx, ctx, teamId)) !== 'maintainer') throw forbidden('Only org admins and team maintainers manage team members');
}
