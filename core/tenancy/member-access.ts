import { and, count, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { memberships, users, type OrgRole } from '../../db/schema';
import { forbidden } from '../errors';
import { type TenantContext } from './context';
import { ROLE_RANK } from './permissions';

export const memberColumns = {
  id: memberships.id,
  role: memberships.role,
  createdAt: memberships.createdAt,
  userId: users.id,
  email: users.email,
  name: users.name,
};

/** Only owners grant or take away ownership; nobody acts on a role above their own. */
export function assertMayManage(ctx: TenantContext, targetRole: OrgRole, newRole?: OrgRole) {
  const mine = ROLE_RANK[ctx.role];
  if (ROLE_RANK[targetRole] > mine || (newRole && ROLE_RANK[newRole] > mine)) {
    throw forbidden('You cannot manage a member whose role is above yours, or grant a role above yours');
  }
}

export async function ownersLeft(tx: Tx, orgId: string) {
  const [r] = await tx.select({ n: count() }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner')));
  return r?.n ?? 0;
}
