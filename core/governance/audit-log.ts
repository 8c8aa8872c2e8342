import { and, desc, eq, lt } from 'drizzle-orm';
import { auditEvents } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { verifyAuditChainIn } from './audit';

export async function listAuditEvents(ctx: TenantContext, page: { first: number; after?: number | null }) {
  assertCan(ctx, 'audit:read');
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, ctx.orgId), page.after ? lt(auditEvents.seq, page.after) : undefined))
      .orderBy(desc(auditEvents.seq))
      .limit(page.first + 1),
  );
}

export async function verifyAuditChain(ctx: TenantContext) {
  assertCan(ctx, 'audit:read');
  return withTenant({ orgId: ctx.orgId, userId: ctx.actor.userId }, (tx) => verifyAuditChainIn(tx, ctx.orgId));
}
