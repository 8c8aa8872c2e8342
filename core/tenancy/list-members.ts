import { and, asc, eq, gt } from 'drizzle-orm';
import { memberships, users } from '../../db/schema';
import { withTenant } from './with-tenant';
import { assertCan, type TenantContext } from './context';
import { memberColumns } from './member-access';

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
