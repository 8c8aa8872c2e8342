import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import { notifications, type Notification } from '../../db/schema';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { markNotificationsReadInput } from './monitoring.schemas';

/**
 * The signed-in member's own in-app notifications (the bell). Reading and marking one's own
 * notifications needs no permission beyond membership; an API key reads its user's.
 */
export async function listNotifications(ctx: TenantContext, input: { limit?: number } = {}): Promise<{ items: Notification[]; unread: number }> {
  assertCan(ctx, 'org:read');
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  return withTenant(ctx, async (tx) => {
    const mine = and(eq(notifications.orgId, ctx.orgId), eq(notifications.userId, ctx.actor.userId));
    const items = await tx.select().from(notifications).where(mine).orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(limit);
    const [u] = await tx.select({ n: count() }).from(notifications).where(and(mine, isNull(notifications.readAt)));
    return { items, unread: Number(u?.n ?? 0) };
  });
}

/** Marks the given notifications (or all) of the member read; returns how many were unread. Others' IDs change nothing. */
export async function markNotificationsRead(ctx: TenantContext, input: unknown): Promise<number> {
  assertCan(ctx, 'org:read');
  const data = parseInput(markNotificationsReadInput, input);
  return withTenant(ctx, async (tx) => {
    const where = [eq(notifications.orgId, ctx.orgId), eq(notifications.userId, ctx.actor.userId), isNull(notifications.readAt)];
    if (data.ids) where.push(inArray(notifications.id, data.ids.length ? data.ids : ['']));
    const rows = await tx.update(notifications).set({ readAt: new Date() }).where(and(...where)).returning({ id: notifications.id });
    return rows.length;
  });
}
