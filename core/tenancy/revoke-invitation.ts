import { and, eq } from 'drizzle-orm';
import { invitations } from '../../db/schema';
import { withTenant } from './with-tenant';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { parseInput } from '../validation';
import { assertCan, type TenantContext } from './context';
import { revokeInvitationInput } from './invitations.schemas';

export async function revokeInvitation(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'member:invite');
  const { id } = parseInput(revokeInvitationInput, input);
  return withTenant(ctx, async (tx) => {
    const [inv] = await tx.select().from(invitations).where(and(eq(invitations.id, id), eq(invitations.orgId, ctx.orgId)));
    if (!inv) throw notFound('Invitation');
    if (inv.acceptedAt) throw new AppError('CONFLICT', 'This invitation was already accepted');
    if (inv.revokedAt) return inv;
    const [updated] = await tx.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, id)).returning();
    await recordAudit(tx, ctx, { action: 'invitation.revoke', targetType: 'invitation', targetId: id, data: { email: inv.email } });
    return updated!;
  });
}
