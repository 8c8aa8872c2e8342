import { and, eq } from 'drizzle-orm';
import { memberships, teamMemberships } from '../../db/schema';
import { withTenant } from './with-tenant';
import { forgetApiKeys } from '../auth/api-key-cache';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { parseInput } from '../validation';
import { assertCan, type TenantContext } from './context';
import { removeMemberInput } from './members.schemas';
import { assertMayManage, ownersLeft } from './member-access';

export async function removeMember(ctx: TenantContext, input: unknown) {
  const { membershipId } = parseInput(removeMemberInput, input);
  const removed = await withTenant(ctx, async (tx) => {
    const [m] = await tx.select().from(memberships).where(and(eq(memberships.id, membershipId), eq(memberships.orgId, ctx.orgId))).for('update');
    if (!m) throw notFound('Member');
    // Anyone may leave; removing others needs the permission.
    if (m.userId !== ctx.actor.userId) {
      assertCan(ctx, 'member:remove');
      assertMayManage(ctx, m.role);
    }
    if (m.role === 'owner' && (await ownersLeft(tx, ctx.orgId)) <= 1) {
      throw new AppError('CONFLICT', 'The last owner cannot leave; make someone else owner first');
    }
    await tx.delete(teamMemberships).where(and(eq(teamMemberships.orgId, ctx.orgId), eq(teamMemberships.userId, m.userId)));
    await tx.delete(memberships).where(eq(memberships.id, membershipId));
    await recordAudit(tx, ctx, { action: 'member.remove', targetType: 'membership', targetId: membershipId, data: { userId: m.userId, role: m.role } });
    return m;
  });
  // The member's API keys die with the membership.
  forgetApiKeys({ orgId: ctx.orgId, userId: removed.userId });
  return removed;
}
