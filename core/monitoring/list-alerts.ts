import { and, desc, eq, ne, sql, type SQL } from 'drizzle-orm';
import { alertRules, alerts, deployments, trainingJobs, type Alert } from '../../db/schema';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { listAlertsInput } from './monitoring.schemas';

export type AlertView = Alert & {
  ruleName: string;
  metric: string;
  deploymentName: string;
  /** The training job the alert's retraining run started; null until the run has made it (or without retraining). */
  retrainingJobId: string | null;
};

/** Alerts of the organization (or one deployment), open and acknowledged first, newest first; resolved ones on request. */
export async function listAlerts(ctx: TenantContext, input: unknown = {}): Promise<AlertView[]> {
  assertCan(ctx, 'deployment:read');
  const data = parseInput(listAlertsInput, input);
  return withTenant(ctx, async (tx) => {
    const where: SQL[] = [eq(alerts.orgId, ctx.orgId)];
    if (data.deploymentId) where.push(eq(alerts.deploymentId, data.deploymentId));
    if (!data.includeResolved) where.push(ne(alerts.status, 'resolved'));
    const rows = await tx
      .select({
        alert: alerts,
        ruleName: alertRules.name,
        metric: alertRules.metric,
        deploymentName: deployments.name,
        // The run's job carries the run's workflow ID (see startRetrainingJob).
        retrainingJobId: sql<string | null>`(select ${trainingJobs.id} from ${trainingJobs} where ${trainingJobs.orgId} = ${alerts.orgId} and ${trainingJobs.spec}->'systemEnv'->>'GANTRY_RETRAINING_FIRING' = ${alerts.retrainingWorkflowId} order by ${trainingJobs.createdAt} limit 1)`,
      })
      .from(alerts)
      .innerJoin(alertRules, eq(alertRules.id, alerts.ruleId))
      .innerJoin(deployments, eq(deployments.id, alerts.deploymentId))
      .where(and(...where))
      .orderBy(desc(alerts.lastAt))
      .limit(200);
    return rows.map((r) => ({ ...r.alert, ruleName: r.ruleName, metric: r.metric, deploymentName: r.deploymentName, retrainingJobId: r.retrainingJobId }));
  });
}
