import { eq } from 'drizzle-orm';
import { alertRules } from '../../db/schema';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findAlertRule } from './alert-rules';
import { ruleIdInput } from './monitoring.schemas';

/** Deletes a rule and, with it, its alerts. */
export async function deleteAlertRule(ctx: TenantContext, input: unknown): Promise<void> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(ruleIdInput, input);
  await withTenant(ctx, async (tx) => {
    const rule = await findAlertRule(tx, ctx, data.ruleId, { forUpdate: true });
    await tx.delete(alertRules).where(eq(alertRules.id, rule.id));
    await recordAudit(tx, ctx, { action: 'alert_rule.delete', targetType: 'deployment', targetId: rule.deploymentId, data: { ruleId: rule.id, name: rule.name } });
  });
}
