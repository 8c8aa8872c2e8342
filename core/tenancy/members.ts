import { and, asc, count, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { memberships, teamMemberships, users, type OrgRole } from '../../db/schema';
import { withTenant } from './with-tenant';
import { forgetApiKeys } from '../auth/api-key-cache';
import { AppError, forbidden, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { idSchema, parseInput } from '../validation';
import { assertCan, type TenantContext } from './context';
import { ORG_ROLES, ROLE_RANK } from './permissions';

export const changeMemberRoleInput = z.object({ membershipId: idSchema('Membership ID'), role: z.enum(ORG_ROLES) });
export const removeMemberInput = z.object({ membershipId: idSchema('Membership ID') });

const memberColumns = {
  id: memberships.id,
  role: memberships.role,
  createdAt: memberships.createdAt,
  userId: users.id,
  email: users.email,
  name: users.name,
};

export async function getMember(ctx: TenantContext, membershipId: string) {
  assertCan(ctx, 'member:read');
  const [m] = await withTenant(ctx, (tx) =>
    tx
      .select(memberColumns)
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, ctx.orgId), eq(memberships.id, membershipId))),
  );
  if (!m) throw notFound('Member');
  return m;
}

export async function listMembers(ctx: TenantContext, page: { first: number; after?: string | null }) {
  assertCan(ctx, 'member:read');
  return withTenant(ctx, (tx) =>
    tx
      .select(memberColumns)
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, ctx.orgId), page.after ? gt(memberships.id, page.after) : undefined))
      .orderBy(asc(memberships.id))
      .limit(page.first + 1),
  );
}

/** Only owners grant or take away ownership; nobody acts on a role above their own. */
function assertMayManage(ctx: TenantContext, targetRole: OrgRole, newRole?: OrgRole) {
  const mine = ROLE_RANK[ctx.role];
  if (ROLE_RANK[targetRole] > mine || (newRole && ROLE_RANK[newRole] > mine)) {
    throw forbidden('You cannot manage a member whose role is above yours, or grant a role above yours');
  }
}

async function ownersLeft(tx: Tx, orgId: string) {
  const [r] = await tx.select({ n: count() }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner')));
  return r?.n ?? 0;
}

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
