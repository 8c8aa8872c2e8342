import { PLAN_CATALOG, PLANS, type Plan, type PlanInfo, type PlanLimits } from '../../rules/billing';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { billingIsOn, loadBillingAccount, planOfAccount, planUsage, type PlanUsage } from '../tenancy/plan-limits';

export interface BillingView {
  /** False without STRIPE_SECRET_KEY: nothing is sold and no limit applies. */
  enabled: boolean;
  plan: Plan;
  planName: string;
  limits: PlanLimits;
  /** Whether the limits are enforced (only while billing is on). */
  limitsEnforced: boolean;
  platformFeeMicros: number;
  usage: PlanUsage;
  subscription: {
    id: string | null;
    plan: Plan | null;
    status: string | null;
    currentPeriodEnd: Date | null;
    cancelAtPeriodEnd: boolean;
    lastInvoiceStatus: string | null;
    lastInvoiceAt: Date | null;
    updatedAt: Date;
  } | null;
  /** Whether a Stripe customer exists, so the portal can open. */
  hasCustomer: boolean;
  plans: PlanInfo[];
}

/** The organization's plan, what it allows and what the organization uses of it. */
export async function getBilling(ctx: TenantContext): Promise<BillingView> {
  assertCan(ctx, 'billing:read');
  const enabled = billingIsOn();
  return withTenant(ctx, async (tx) => {
    const account = await loadBillingAccount(tx, ctx.orgId);
    const plan = planOfAccount(account);
    const info = PLAN_CATALOG[plan];
    return {
      enabled,
      plan,
      planName: info.name,
      limits: info.limits,
      limitsEnforced: enabled,
      platformFeeMicros: info.platformFeeMicros,
      usage: await planUsage(tx, ctx.orgId),
      subscription: account?.subscriptionId
        ? {
            id: account.subscriptionId,
            plan: account.subscriptionPlan,
            status: account.subscriptionStatus,
            currentPeriodEnd: account.currentPeriodEnd,
            cancelAtPeriodEnd: account.cancelAtPeriodEnd,
            lastInvoiceStatus: account.lastInvoiceStatus,
            lastInvoiceAt: account.lastInvoiceAt,
            updatedAt: account.updatedAt,
          }
        : null,
      hasCustomer: account !== null,
      plans: PLANS.map((p) => PLAN_CATALOG[p]),
    };
  });
}
