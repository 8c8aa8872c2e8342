import { and, eq } from 'drizzle-orm';
import { alerts, type Alert } from '../../db/schema';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { setAlertStatusInput } from './monitoring.schemas';

/**
 * Acknowledges an alert (someone is on it; it keeps counting) or resolves it (the next breach opens a
 * new one, still subject to the rule's cooldown). A resolved alert stays resolved.
 */
export async function setAlertStatus(ctx: TenantContext, input: unknown): Promise<Alert> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(setAlertStatusInput, input);
  return withTenant(ctx, async (tx) => {
    const [a] = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.orgId, ctx.orgId), eq(alerts.id, data.alertId)))
      .for('update');
    if (!a) throw notFound(`Alert '${data.alertId.slice(0, 64)}'`);
    if (a.status === 'resolved') throw new AppError('CONFLICT', 'The alert is already resolved');
    if (a.status === data.status) return a;
    const now = new Date();
    const [row] = await tx
      .update(alerts)
      .set(data.status === 'acknowledged' ? { status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: ctx.actor.userId } : { status: 'resolved', resolvedAt: now, resolvedBy: ctx.actor.userId })
      .where(eq(alerts.id, a.id))
      .returning();
    await recordAudit(tx, ctx, { action: data.status === 'acknowledged' ? 'alert.acknowledge' : 'alert.resolve', targetType: 'deployment', targetId: a.deploymentId, data: { alertId: a.id } });
    return row!;
  });
}
