import { and, eq } from 'drizzle-orm';
import { memberships } from '../../db/schema';
import { withTenant } from './with-tenant';
import { forgetApiKeys } from '../auth/api-key-cache';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { parseInput } from '../validation';
import { assertCan, type TenantContext } from './context';
import { changeMemberRoleInput } from './members.schemas';
import { assertMayManage, ownersLeft } from './member-access';

export async function changeMemberRole(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'member:update-role');
  const { membershipId, role } = parseInput(changeMemberRoleInput, input);
  const result = await withTenant(ctx, async (tx) => {
    const [m] = await tx.select().from(memberships).where(and(eq(memberships.id, membershipId), eq(memberships.orgId, ctx.orgId))).for('update');
    if (!m) throw notFound('Member');
    assertMayManage(ctx, m.role, role);
    if (m.role === role) return m;
    if (m.role === 'owner' && (await ownersLeft(tx, ctx.orgId)) <= 1) {
      throw new AppError('CONFLICT', 'An organization needs at least one owner; make someone else owner first');
    }
    const [updated] = await tx.update(memberships).set({ role }).where(eq(memberships.id, membershipId)).returning();
    await recordAudit(tx, ctx, { action: 'member.update_role', targetType: 'membership', targetId: membershipId, data: { userId: m.userId, from: m.role, to: role } });
    return updated!;
  });
  // The member's API keys carry the role they were verified with.
  forgetApiKeys({ orgId: ctx.orgId, userId: result.userId });
  return result;
}
