import { eq } from 'drizzle-orm';
import { env } from '../../config/env';
import { organizations } from '../../db/schema';
import { AppError, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { loadBillingAccount } from '../tenancy/plan-limits';
import { requireBillingConfig, stripeClient, stripeFailure } from './stripe';

/** A Stripe customer portal session (change plan, payment method, invoices, cancel) for the organization's customer. */
export async function openBillingPortal(ctx: TenantContext): Promise<{ url: string }> {
  assertCan(ctx, 'billing:manage');
  const cfg = requireBillingConfig();
  const { account, slug } = await withTenant(ctx, async (tx) => {
    const [org] = await tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, ctx.orgId));
    if (!org) throw notFound('Organization');
    return { account: await loadBillingAccount(tx, ctx.orgId), slug: org.slug };
  });
  if (!account) throw new AppError('CONFLICT', 'This organization has no Stripe customer yet: subscribe to a plan first');
  const session = await stripeClient(cfg)
    .billingPortal.sessions.create({ customer: account.stripeCustomerId, return_url: `${env().GANTRY_PUBLIC_URL}/o/${slug}/settings/billing` })
    .catch((e: unknown) => {
      throw stripeFailure('open the customer portal', e);
    });
  await withTenant(ctx, (tx) =>
    recordAudit(tx, ctx, { action: 'billing.portal_open', targetType: 'organization', targetId: ctx.orgId, data: { customer: account.stripeCustomerId, portalSessionId: session.id } }),
  );
  return { url: session.url };
}
