import { and, eq } from 'drizzle-orm';
import { memberships, teamMemberships } from '../../db/schema';
import { withTenant } from './with-tenant';
import { notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { parseInput } from '../validation';
import { assertCan, type TenantContext } from './context';
import { addTeamMemberInput } from './teams.schemas';
import { assertMayManageTeam, findTeam } from './team-access';

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
