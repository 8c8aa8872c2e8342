import { eq } from 'drizzle-orm';
import { billingAccounts, organizations, type BillingAccount } from '../../db/schema';
import { notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { loadBillingAccount } from '../tenancy/plan-limits';
import { stripeClient, stripeFailure, type BillingConfig } from './stripe';

/**
 * The organization's billing account, made with its Stripe customer the first time. The customer is
 * created under an idempotency key of the organization, so two first checkouts at once (or a retry
 * after a lost answer) get one customer, and the row is inserted once whichever commits first.
 */
export async function ensureStripeCustomer(ctx: TenantContext, cfg: BillingConfig): Promise<{ account: BillingAccount; orgSlug: string }> {
  const existing = await withTenant(ctx, async (tx) => {
    const [org] = await tx.select({ name: organizations.name, slug: organizations.slug }).from(organizations).where(eq(organizations.id, ctx.orgId));
    if (!org) throw notFound('Organization');
    return { org, account: await loadBillingAccount(tx, ctx.orgId) };
  });
  if (existing.account) return { account: existing.account, orgSlug: existing.org.slug };
  // Outside any transaction: no lock is held while Stripe answers.
  const customer = await stripeClient(cfg)
    .customers.create(
      { name: existing.org.name, email: ctx.actor.email, metadata: { orgId: ctx.orgId, orgSlug: existing.org.slug } },
      { idempotencyKey: `gantry-customer/${ctx.orgId}` },
    )
    .catch((e: unknown) => {
      throw stripeFailure('create a customer', e);
    });
  const account = await withTenant(ctx, async (tx) => {
    await tx.insert(billingAccounts).values({ orgId: ctx.orgId, stripeCustomerId: customer.id }).onConflictDoNothing({ target: billingAccounts.orgId });
    return (await loadBillingAccount(tx, ctx.orgId))!;
  });
  return { account, orgSlug: existing.org.slug };
}
