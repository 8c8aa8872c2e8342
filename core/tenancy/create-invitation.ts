import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { invitations, memberships, users } from '../../db/schema';
import { withTenant } from './with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { createLogger } from '../observability/logger';
import { parseInput } from '../validation';
import { assertCan, type TenantContext } from './context';
import { ROLE_RANK } from './permissions';
import { createInvitationInput } from './invitations.schemas';
import { hashToken, invitationUrl } from './invitation-access';

const log = createLogger('invitations');

const INVITE_TTL_DAYS = 7;

/**
 * Invites an email address into the org. With no mail transport configured the
 * link is written to the log and returned to the inviter to pass on.
 */
export async function createInvitation(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'member:invite');
  const { email, role } = parseInput(createInvitationInput, input);
  if (ROLE_RANK[role] > ROLE_RANK[ctx.role]) throw new AppError('FORBIDDEN', 'You cannot invite someone with a role above yours');
  const token = randomBytes(32).toString('base64url');
  const id = newId('invitation');
  const result = await withTenant(ctx, async (tx) => {
    const [already] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, ctx.orgId), eq(users.email, email)));
    if (already) throw new AppError('CONFLICT', `${email} is already a member`, { fields: [{ path: 'email', message: 'Already a member' }] });
    // A new invitation to the same address replaces the pending one.
    await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitations.orgId, ctx.orgId), eq(invitations.email, email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
    const [inv] = await tx
      .insert(invitations)
      .values({ id, orgId: ctx.orgId, email, role, tokenHash: hashToken(token), invitedBy: ctx.actor.userId, expiresAt: new Date(Date.now() + INVITE_TTL_DAYS * 86_400_000) })
      .returning();
    await recordAudit(tx, ctx, { action: 'invitation.create', targetType: 'invitation', targetId: id, data: { email, role } });
    return inv!;
  });
  const url = invitationUrl(token);
  log.info('invitation link (no mail transport configured; deliver it to the invitee)', { invitationId: id, email, inviteUrl: url });
  return { invitation: result, url };
}
