import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { invitations, memberships, users } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { env } from '../../config/env';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { createLogger } from '../observability/logger';
import { emailSchema, idSchema, parseInput } from '../validation';
import { assertCan, type Actor, type RequestMeta, type TenantContext } from './context';
import { ORG_ROLES, ROLE_RANK, permissionsFor } from './permissions';

const log = createLogger('invitations');
const INVITE_TTL_DAYS = 7;

export const createInvitationInput = z.object({ email: emailSchema, role: z.enum(ORG_ROLES).default('member') });
export const revokeInvitationInput = z.object({ id: idSchema('Invitation ID') });
const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This invitation link is malformed');

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

export function invitationUrl(token: string): string {
  return new URL(`/invite/${token}`, env().GANTRY_PUBLIC_URL).toString();
}

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
  const result = await withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
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

export async function listInvitations(ctx: TenantContext, opts: { pendingOnly: boolean }) {
  assertCan(ctx, 'member:read');
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, (tx) =>
    tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.orgId, ctx.orgId), opts.pendingOnly ? and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt)) : undefined))
      .orderBy(desc(invitations.id))
      .limit(200),
  );
}

export async function revokeInvitation(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'member:invite');
  const { id } = parseInput(revokeInvitationInput, input);
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, async (tx) => {
    const [inv] = await tx.select().from(invitations).where(and(eq(invitations.id, id), eq(invitations.orgId, ctx.orgId)));
    if (!inv) throw notFound('Invitation');
    if (inv.acceptedAt) throw new AppError('CONFLICT', 'This invitation was already accepted');
    if (inv.revokedAt) return inv;
    const [updated] = await tx.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, id)).returning();
    await recordAudit(tx, ctx, { action: 'invitation.revoke', targetType: 'invitation', targetId: id, data: { email: inv.email } });
    return updated!;
  });
}

type LookupRow = {
  id: string;
  org_id: string;
  org_name: string;
  email: string;
  role: (typeof ORG_ROLES)[number];
  expires_at: Date | string;
  accepted_at: Date | string | null;
  revoked_at: Date | string | null;
};

async function lookup(token: string): Promise<LookupRow> {
  const t = parseInput(z.object({ token: tokenSchema }), { token }).token;
  const row = await withTenant({ orgId: null }, async (tx) => {
    const rows = await tx.execute<LookupRow>(sql`select * from gantry_invitation_lookup(${hashToken(t)})`);
    return rows[0];
  });
  if (!row) throw new AppError('NOT_FOUND', 'This invitation link is not valid');
  if (row.revoked_at) throw new AppError('CONFLICT', 'This invitation was withdrawn; ask for a new one');
  if (row.accepted_at) throw new AppError('CONFLICT', 'This invitation has already been used');
  if (new Date(row.expires_at).getTime() <= Date.now()) throw new AppError('CONFLICT', 'This invitation has expired; ask for a new one');
  return row;
}

/** What the invite page shows before the invitee accepts. */
export async function previewInvitation(token: string) {
  const row = await lookup(token);
  return { organizationName: row.org_name, email: row.email, role: row.role, expiresAt: new Date(row.expires_at) };
}

/**
 * The signed-in invitee joins the org. The invitation is bound to its email
 * address and single-use (the row lock makes a double accept fail cleanly).
 */
export async function acceptInvitation(actor: Actor, meta: RequestMeta, token: string) {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN', 'Invitations are accepted by signing in, not with an API key');
  const row = await lookup(token);
  if (row.email !== actor.email) {
    throw new AppError('FORBIDDEN', `This invitation is for ${row.email}; sign in with that address to accept it`);
  }
  return withTenant({ orgId: row.org_id, userId: actor.userId }, async (tx) => {
    const [inv] = await tx.select().from(invitations).where(eq(invitations.id, row.id)).for('update');
    if (!inv || inv.acceptedAt || inv.revokedAt) throw new AppError('CONFLICT', 'This invitation has already been used');
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
