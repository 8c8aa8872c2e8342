import { and, asc, eq, gt } from 'drizzle-orm';
import { teams } from '../../db/schema';
import { withTenant } from './with-tenant';
import { assertCan, type TenantContext } from './context';

export async function listTeams(ctx: TenantContext, page: { first: number; after?: string | null }) {
  assertCan(ctx, 'team:read');
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(teams)
      .where(and(eq(teams.orgId, ctx.orgId), page.after ? gt(teams.id, page.after) : undefined))
      .orderBy(asc(teams.id))
      .limit(page.first + 1),
  );
}
