import { eq } from 'drizzle-orm';
import { invitations, memberships } from '../../db/schema';
import { withMembershipScope } from './with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { type Actor, type RequestMeta, type TenantContext } from './context';
import { permissionsFor } from './permissions';
import { lookupInvitation } from './invitation-access';
import { assertPlanAllows } from './plan-limits';

/**
 * The signed-in invitee joins the org. The invitation is bound to its email
 * address and single-use (the row lock makes a double accept fail cleanly).
 */
export async function acceptInvitation(actor: Actor, meta: RequestMeta, token: string) {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN', 'Invitations are accepted by signing in, not with an API key');
  const row = await lookupInvitation(token);
  if (row.email !== actor.email) {
    throw new AppError('FORBIDDEN', `This invitation is for ${row.email}; sign in with that address to accept it`);
  }
  return withMembershipScope({ orgId: row.org_id, userId: actor.userId }, async (tx) => {
    const [inv] = await tx.select().from(invitations).where(eq(invitations.id, row.id)).for('update');
    if (!inv || inv.acceptedAt || inv.revokedAt) throw new AppError('CONFLICT', 'This invitation has already been used');
    // Each member is a seat of the organization's plan.
    await assertPlanAllows(tx, row.org_id, 'seats');
    const membershipId = newId('membership');
    const inserted = await tx
      .insert(memberships)
      .values({ id: membershipId, orgId: row.org_id, userId: actor.userId, role: row.role })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) throw new AppError('CONFLICT', 'You are already a member of this organization');
    await tx.update(invitations).set({ acceptedAt: new Date(), acceptedBy: actor.userId }).where(eq(invitations.id, row.id));
    const ctx: TenantContext = { actor, orgId: row.org_id, role: row.role, permissions: permissionsFor(row.role), meta };
    await recordAudit(tx, ctx, { action: 'invitation.accept', targetType: 'invitation', targetId: row.id, data: { email: row.email, role: row.role, membershipId } });
    return { orgId: row.org_id, organizationName: row.org_name, role: row.role };
  });
}
