import { env } from '../../config/env';
import { PLAN_CATALOG } from '../../rules/billing';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { planOfAccount } from '../tenancy/plan-limits';
import { startCheckoutInput } from './billing.schemas';
import { ensureStripeCustomer } from './ensure-stripe-customer';
import { requireBillingConfig, stripeClient, stripeFailure } from './stripe';

/**
 * Starts a Stripe Checkout for a paid plan and returns the page to send the admin to. Nothing about the
 * plan changes here: Stripe's `checkout.session.completed` and `customer.subscription.*` webhooks do
 * that once the payment is through. An organization already on a paid plan changes plans in the portal.
 */
export async function startCheckout(ctx: TenantContext, input: unknown): Promise<{ url: string; sessionId: string }> {
  assertCan(ctx, 'billing:manage');
  const cfg = requireBillingConfig();
  const { plan } = parseInput(startCheckoutInput, input);
  const { account, orgSlug } = await ensureStripeCustomer(ctx, cfg);
  const current = planOfAccount(account);
  if (current !== 'free') {
    throw new AppError('CONFLICT', `This organization is on the ${PLAN_CATALOG[current].name} plan already: change or cancel it with Manage billing (the Stripe customer portal)`);
  }
  const page = `${env().GANTRY_PUBLIC_URL}/o/${orgSlug}/settings/billing`;
  const session = await stripeClient(cfg)
    .checkout.sessions.create(
      {
        mode: 'subscription',
        customer: account.stripeCustomerId,
        client_reference_id: ctx.orgId,
        line_items: [{ price: cfg.prices[plan], quantity: 1 }, ...(cfg.seatPrice ? [{ price: cfg.seatPrice }] : [])],
        metadata: { orgId: ctx.orgId, plan },
        subscription_data: { metadata: { orgId: ctx.orgId, plan } },
        success_url: `${page}?checkout=success`,
        cancel_url: `${page}?checkout=cancelled`,
      },
      // The same request retried (the client's retry, a double click carrying one request ID) is one session.
      { idempotencyKey: `gantry-checkout/${ctx.orgId}/${plan}/${ctx.meta.requestId}` },
    )
    .catch((e: unknown) => {
      throw stripeFailure('start a checkout', e);
    });
  if (!session.url) throw new AppError('UNAVAILABLE', 'Stripe returned a checkout session without a page to open');
  await withTenant(ctx, (tx) =>
    recordAudit(tx, ctx, { action: 'billing.checkout_start', targetType: 'organization', targetId: ctx.orgId, data: { plan, checkoutSessionId: session.id, customer: account.stripeCustomerId } }),
  );
  return { url: session.url, sessionId: session.id };
}
