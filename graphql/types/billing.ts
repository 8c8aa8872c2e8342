import type { BillingView } from '../../core/billing/get-billing';
import { getBilling } from '../../core/billing/get-billing';
import { openBillingPortal } from '../../core/billing/open-billing-portal';
import { startCheckout } from '../../core/billing/start-checkout';
import type { PlanUsage } from '../../core/tenancy/plan-limits';
import { PAID_PLANS, PLANS, type PlanInfo, type PlanLimits } from '../../rules/billing';
import type { Builder } from '../builder';

export function register(builder: Builder) {
  const PlanEnum = builder.enumType('BillingPlan', { values: PLANS });
  const PaidPlanEnum = builder.enumType('PaidBillingPlan', { values: PAID_PLANS, description: 'A plan sold through Stripe Checkout' });

  const Limits = builder.objectRef<PlanLimits>('PlanLimits').implement({
    description: 'What a plan allows; null is unlimited',
    fields: (t) => ({
      seats: t.exposeInt('seats', { nullable: true, description: 'Members of the organization' }),
      clusters: t.exposeInt('clusters', { nullable: true, description: 'Connected Kubernetes clusters (the built-in local cluster is not counted)' }),
      concurrentJobs: t.exposeInt('concurrentJobs', { nullable: true, description: 'Jobs queued, pending or running at once' }),
    }),
  });
  const Usage = builder.objectRef<PlanUsage>('PlanUsage').implement({
    description: 'What the organization uses of its limits now',
    fields: (t) => ({ seats: t.exposeInt('seats'), clusters: t.exposeInt('clusters'), concurrentJobs: t.exposeInt('concurrentJobs') }),
  });
  const PlanOffer = builder.objectRef<PlanInfo>('PlanOffer').implement({
    fields: (t) => ({
      plan: t.expose('plan', { type: PlanEnum }),
      name: t.exposeString('name'),
      limits: t.field({ type: Limits, resolve: (p) => p.limits }),
      platformFee: t.expose('platformFeeMicros', { type: 'Micros', description: 'Monthly platform fee, before seats' }),
    }),
  });
  type Subscription = NonNullable<BillingView['subscription']>;
  const SubscriptionRef = builder.objectRef<Subscription>('BillingSubscription').implement({
    description: 'The Stripe subscription as its webhooks last told it',
    fields: (t) => ({
      id: t.exposeString('id', { nullable: true }),
      plan: t.expose('plan', { type: PlanEnum, nullable: true }),
      status: t.exposeString('status', { nullable: true, description: 'Stripe’s status: active, trialing, past_due, canceled, …' }),
      currentPeriodEnd: t.expose('currentPeriodEnd', { type: 'DateTime', nullable: true }),
      cancelAtPeriodEnd: t.exposeBoolean('cancelAtPeriodEnd'),
      lastInvoiceStatus: t.exposeString('lastInvoiceStatus', { nullable: true }),
      lastInvoiceAt: t.expose('lastInvoiceAt', { type: 'DateTime', nullable: true }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    }),
  });
  const Billing = builder.objectRef<BillingView>('Billing').implement({
    description: 'The organization’s plan, its limits and usage, and its subscription',
    fields: (t) => ({
      enabled: t.exposeBoolean('enabled', { description: 'False when the installation has no Stripe key: nothing is sold and no limit applies' }),
      plan: t.expose('plan', { type: PlanEnum }),
      planName: t.exposeString('planName'),
      limits: t.field({ type: Limits, resolve: (b) => b.limits }),
      limitsEnforced: t.exposeBoolean('limitsEnforced'),
      platformFee: t.expose('platformFeeMicros', { type: 'Micros' }),
      usage: t.field({ type: Usage, resolve: (b) => b.usage }),
      subscription: t.field({ type: SubscriptionRef, nullable: true, resolve: (b) => b.subscription }),
      hasCustomer: t.exposeBoolean('hasCustomer', { description: 'Whether the organization has a Stripe customer, so the portal can open' }),
      plans: t.field({ type: [PlanOffer], resolve: (b) => b.plans }),
    }),
  });

  builder.queryFields((t) => ({
    billing: t.field({
      type: Billing,
      description: 'The organization’s plan, limits, usage and subscription (everyone in it; changing it is for admins and owners)',
      authScopes: { permission: 'billing:read' },
      resolve: async (_r, _a, ctx) => getBilling(await ctx.tenant()),
    }),
  }));

  builder.mutationFields((t) => ({
    startCheckout: t.string({
      description: 'Starts a Stripe Checkout for a paid plan and returns its page’s URL; the plan changes when Stripe’s webhook says the payment went through',
      authScopes: { permission: 'billing:manage' },
      args: { plan: t.arg({ type: PaidPlanEnum, required: true }) },
      resolve: async (_r, { plan }, ctx) => (await startCheckout(await ctx.tenant(), { plan })).url,
    }),
    openBillingPortal: t.string({
      description: 'A Stripe customer portal session’s URL: change plan, payment method, invoices, cancel',
      authScopes: { permission: 'billing:manage' },
      resolve: async (_r, _a, ctx) => (await openBillingPortal(await ctx.tenant())).url,
    }),
  }));
}
