import { and, desc, eq, getTableColumns, lt, type SQL } from 'drizzle-orm';
import { apiKeys, users } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { assertCan, can, type TenantContext } from '../tenancy/context';

/** Keys the actor may see: their own, or every key in the org for admins. Newest first, keyset-paged by ID. */
export async function listApiKeys(ctx: TenantContext, page: { first: number; after?: string | null }) {
  assertCan(ctx, 'apikey:read');
  return withTenant(ctx, async (tx) => {
    const where: SQL[] = [eq(apiKeys.orgId, ctx.orgId)];
    if (!can(ctx, 'apikey:revoke-any')) where.push(eq(apiKeys.userId, ctx.actor.userId));
    if (page.after) where.push(lt(apiKeys.id, page.after));
    return tx
      .select({ ...getTableColumns(apiKeys), ownerEmail: users.email })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(and(...where))
      .orderBy(desc(apiKeys.id))
      .limit(page.first + 1);
  });
}
