import { alertRules, type AlertRule } from '../../db/schema';
import { recordThenStart } from '../orchestration/record-then-start';
import { findDeployment } from '../serving/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { assertRetrainingPolicyOf, hasMonitor, newRuleId, uniqueRuleName } from './alert-rules';
import { driftMonitorScheduleId } from './drift-monitor-schedule';
import { createAlertRuleInput } from './monitoring.schemas';
import { writeMonitor } from './set-drift-monitor';

/**
 * Adds an alert rule to a deployment. Rules are checked by the deployment's drift monitor, so a
 * deployment without one gets it now, with the default interval and window, in the same unit.
 */
export async function createAlertRule(ctx: TenantContext, input: unknown): Promise<AlertRule> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(createAlertRuleInput, input);
  return recordThenStart(ctx, {
    key: driftMonitorScheduleId(data.deploymentId),
    async record(tx) {
      const dep = await findDeployment(tx, ctx, { deploymentId: data.deploymentId }, { forUpdate: true });
      if (data.retrainingPolicyId) assertCan(ctx, 'retraining:manage');
      await assertRetrainingPolicyOf(tx, dep, data.retrainingPolicyId);
      const monitor = (await hasMonitor(tx, dep.id)) ? null : await writeMonitor(tx, dep, { enabled: true, intervalMinutes: 5, windowMinutes: 60, baselineSamples: 200 }, `started with the first alert rule, by ${ctx.actor.email}`);
      const [row] = await uniqueRuleName(data.name, () =>
        tx
          .insert(alertRules)
          .values({
            id: newRuleId(),
            orgId: ctx.orgId,
            deploymentId: dep.id,
            name: data.name,
            metric: data.metric,
            feature: data.feature || null,
            comparator: data.comparator,
            threshold: data.threshold,
            windowMinutes: data.windowMinutes,
            cooldownMinutes: data.cooldownMinutes,
            enabled: data.enabled,
            retrainingPolicyId: data.retrainingPolicyId ?? null,
            createdBy: ctx.actor.userId,
          })
          .returning(),
      );
      return {
        row: row!,
        call: monitor?.call ?? null,
        audits: [...(monitor?.audits ?? []), { action: 'alert_rule.create', targetType: 'deployment', targetId: dep.id, data: { ruleId: row!.id, name: row!.name, metric: row!.metric, threshold: row!.threshold, retrainingPolicyId: row!.retrainingPolicyId } }],
      };
    },
  });
}
