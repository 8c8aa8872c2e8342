import { and, eq } from 'drizzle-orm';
import { teamMemberships } from '../../db/schema';
import { withTenant } from './with-tenant';
import { notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { parseInput } from '../validation';
import { assertCan, type TenantContext } from './context';
import { removeTeamMemberInput } from './teams.schemas';
import { assertMayManageTeam, findTeam } from './team-access';

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
