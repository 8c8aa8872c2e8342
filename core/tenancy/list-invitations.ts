import { and, desc, eq, isNull } from 'drizzle-orm';
import { invitations } from '../../db/schema';
import { withTenant } from './with-tenant';
import { assertCan, type TenantContext } from './context';

export async function listInvitations(ctx: TenantContext, opts: { pendingOnly: boolean }) {
  assertCan(ctx, 'member:read');
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.orgId, ctx.orgId), opts.pendingOnly ? and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt)) : undefined))
      .orderBy(desc(invitations.id))
      .limit(200),
  );
}
