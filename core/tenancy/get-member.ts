import { and, eq } from 'drizzle-orm';
import { memberships, users } from '../../db/schema';
import { withTenant } from './with-tenant';
import { notFound } from '../errors';
import { assertCan, type TenantContext } from './context';
import { memberColumns } from './member-access';

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
