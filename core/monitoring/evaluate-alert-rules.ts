import { and, desc, eq, gt, lte, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { alertRules, alerts, deployments, driftResults, memberships, notifications, predictions, webhookDeliveries, webhookEndpoints, type AlertRule } from '../../db/schema';
import { breaches, describeBreach, featureMetricOf, type Breach } from '../../rules/monitoring/alert-rules';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import type { SystemContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';

/** What one notifying breach asks the workflow to do after the commit. */
export interface AlertDispatch {
  alertId: string;
  ruleId: string;
  /** The n-th notification of this alert: the business key of its webhook messages and retraining. */
  notification: number;
  deliveryIds: string[];
  retrainingPolicyId: string | null;
}

/** The value of a rule's metric at `windowEnd`, with the feature it was worst on; null when nothing was measured. */
async function measure(tx: Tx, rule: AlertRule, windowEnd: Date): Promise<{ value: number; feature: string | null; column?: string | null } | null> {
  const windowStart = new Date(windowEnd.getTime() - rule.windowMinutes * 60_000);
  const featureMetric = featureMetricOf(rule.metric);
  if (featureMetric) {
    // The newest drift result of each version inside the rule's window; the worst of them counts.
    const rows = await tx
      .selectDistinctOn([driftResults.modelVersionId], { features: driftResults.features })
      .from(driftResults)
      .where(and(eq(driftResults.deploymentId, rule.deploymentId), gt(driftResults.windowEnd, windowStart), lte(driftResults.windowEnd, windowEnd)))
      .orderBy(driftResults.modelVersionId, desc(driftResults.windowEnd));
    let worst: { value: number; feature: string | null; column: string | null } | null = null;
    for (const r of rows) {
      for (const [feature, d] of Object.entries(r.features)) {
        if (rule.feature && feature !== rule.feature) continue;
        const v = featureMetric(d);
        if (v === null) continue;
        const better = rule.comparator === 'above' ? !worst || v > worst.value : !worst || v < worst.value;
        if (better) worst = { value: v, feature, column: typeof d.column === 'string' ? d.column : null };
      }
    }
    return worst;
  }
  const [r] = await tx
    .select({
      requests: sql<number>`count(*)::int`,
      errors: sql<number>`(count(*) filter (where ${predictions.status} >= 400))::int`,
      p95: sql<number | null>`percentile_cont(0.95) within group (order by ${predictions.latencyMs})`,
    })
    .from(predictions)
    .where(and(eq(predictions.deploymentId, rule.deploymentId), gt(predictions.at, windowStart), lte(predictions.at, windowEnd), ne(predictions.arm, 'shadow')));
  const requests = r?.requests ?? 0;
  switch (rule.metric) {
    case 'request_rate':
      return { value: requests / (rule.windowMinutes * 60), feature: null };
    case 'error_rate':
      return requests ? { value: r!.errors / requests, feature: null } : null;
    case 'p95_latency_ms':
      return r?.p95 === null || r?.p95 === undefined ? null : { value: Number(r.p95), feature: null };
    default:
      return null;
  }
}

/**
 * Checks every enabled rule of the deployment at `windowEnd` (a monitor run's business key). A breach
 * opens the rule's alert or counts into its open one (once per window end, so a retried run counts
 * nothing twice); it notifies when the rule's cooldown has passed since its last notification: one
 * in-app notification per member, one pending webhook message per enabled endpoint, recorded here in
 * the same transaction and delivered by the workflow afterwards.
 */
export async function evaluateAlertRules(ctx: SystemContext, input: { deploymentId: string; windowEnd: string }): Promise<AlertDispatch[]> {
  const windowEnd = new Date(input.windowEnd);
  return withTenant(ctx, async (tx) => {
    const [dep] = await tx.select({ id: deployments.id, name: deployments.name }).from(deployments).where(eq(deployments.id, input.deploymentId));
    if (!dep) return [];
    const rules = await tx
      .select()
      .from(alertRules)
      .where(and(eq(alertRules.deploymentId, input.deploymentId), eq(alertRules.enabled, true)))
      .orderBy(alertRules.createdAt)
      .for('update');
    const dispatches: AlertDispatch[] = [];
    for (const rule of rules) {
      const measured = await measure(tx, rule, windowEnd);
      if (!measured || !breaches(rule, measured.value)) continue;
      const breach: Breach = { ...measured, deploymentName: dep.name };
      const summary = describeBreach(rule, breach);
      const [open] = await tx
        .select()
        .from(alerts)
        .where(and(eq(alerts.ruleId, rule.id), ne(alerts.status, 'resolved')))
        .for('update');
      if (open && open.lastWindowEnd.getTime() >= windowEnd.getTime()) continue;
      const cooled = !rule.lastNotifiedAt || windowEnd.getTime() - rule.lastNotifiedAt.getTime() >= rule.cooldownMinutes * 60_000;
      let alert = open;
      if (open) {
        [alert] = await tx
          .update(alerts)
          .set({ count: sql`${alerts.count} + 1`, lastAt: windowEnd, value: measured.value, feature: measured.feature, summary, lastWindowEnd: windowEnd, notifications: cooled ? sql`${alerts.notifications} + 1` : alerts.notifications })
          .where(eq(alerts.id, open.id))
          .returning();
      } else {
        [alert] = await tx
          .insert(alerts)
          .values({ id: newId('alert'), orgId: ctx.orgId, ruleId: rule.id, deploymentId: rule.deploymentId, firstAt: windowEnd, lastAt: windowEnd, value: measured.value, feature: measured.feature, summary, lastWindowEnd: windowEnd, notifications: cooled ? 1 : 0 })
          .returning();
        await recordAudit(tx, ctx, { action: 'alert.open', targetType: 'deployment', targetId: rule.deploymentId, data: { alertId: alert!.id, ruleId: rule.id, rule: rule.name, value: measured.value, feature: measured.feature } });
      }
      if (!cooled) continue;
      await tx.update(alertRules).set({ lastNotifiedAt: windowEnd }).where(eq(alertRules.id, rule.id));
      const n = alert!.notifications;
      const eventKey = `alert/${alert!.id}/${n}`;
      const link = `/deployments/${dep.name}/monitoring`;
      const members = await tx.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.orgId, ctx.orgId));
      if (members.length) {
        await tx
          .insert(notifications)
          .values(members.map((m) => ({ id: newId('notification'), orgId: ctx.orgId, userId: m.userId, kind: 'alert', title: `${rule.name} on ${dep.name}`, body: summary, link, alertId: alert!.id, eventKey })))
          .onConflictDoNothing();
      }
      const endpoints = await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(and(eq(webhookEndpoints.enabled, true), sql`${webhookEndpoints.deletedAt} is null`));
      const deliveryIds: string[] = [];
      for (const e of endpoints) {
        const payload = {
          type: 'alert.fired',
          timestamp: windowEnd.toISOString(),
          data: {
            alertId: alert!.id,
            ruleId: rule.id,
            rule: rule.name,
            deployment: dep.name,
            deploymentId: dep.id,
            metric: rule.metric,
            feature: measured.feature,
            value: measured.value,
            threshold: rule.threshold,
            comparator: rule.comparator,
            count: alert!.count,
            summary,
          },
        };
        const [d] = await tx
          .insert(webhookDeliveries)
          .values({ id: newId('webhookMessage'), orgId: ctx.orgId, endpointId: e.id, eventType: 'alert.fired', eventKey, payload })
          .onConflictDoNothing()
          .returning({ id: webhookDeliveries.id });
        if (d) deliveryIds.push(d.id);
      }
      dispatches.push({ alertId: alert!.id, ruleId: rule.id, notification: n, deliveryIds, retrainingPolicyId: rule.retrainingPolicyId });
    }
    return dispatches;
  });
}
