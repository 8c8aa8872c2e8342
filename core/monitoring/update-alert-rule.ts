import { eq } from 'drizzle-orm';
import { alertRules, type AlertRule } from '../../db/schema';
import { recordAudit } from '../governance/audit';
import { findDeployment } from '../serving/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { assertRetrainingPolicyOf, findAlertRule, uniqueRuleName } from './alert-rules';
import { updateAlertRuleInput } from './monitoring.schemas';

/** Replaces a rule's condition, cooldown and retraining link; its open alert stays as counted. */
export async function updateAlertRule(ctx: TenantContext, input: unknown): Promise<AlertRule> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(updateAlertRuleInput, input);
  return withTenant(ctx, async (tx) => {
    const rule = await findAlertRule(tx, ctx, data.ruleId, { forUpdate: true });
    const dep = await findDeployment(tx, ctx, { deploymentId: rule.deploymentId });
    if ((data.retrainingPolicyId ?? null) !== rule.retrainingPolicyId) assertCan(ctx, 'retraining:manage');
    await assertRetrainingPolicyOf(tx, dep, data.retrainingPolicyId);
    const [row] = await uniqueRuleName(data.name, () =>
      tx
        .update(alertRules)
        .set({
          name: data.name,
          metric: data.metric,
          feature: data.feature || null,
          comparator: data.comparator,
          threshold: data.threshold,
          windowMinutes: data.windowMinutes,
          cooldownMinutes: data.cooldownMinutes,
          enabled: data.enabled,
          retrainingPolicyId: data.retrainingPolicyId ?? null,
          updatedAt: new Date(),
        })
        .where(eq(alertRules.id, rule.id))
        .returning(),
    );
    await recordAudit(tx, ctx, { action: 'alert_rule.update', targetType: 'deployment', targetId: dep.id, data: { ruleId: rule.id, name: data.name, metric: data.metric, threshold: data.threshold, enabled: data.enabled } });
    return row!;
  });
}
