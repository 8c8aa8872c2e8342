import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Tx } from '../../db/client';
import { billingAccounts, billingEvents, type BillingAccount } from '../../db/schema';
import { effectivePlan, isTerminalSubscriptionStatus, PLAN_KEEPING_STATUSES, PLANS, type Plan } from '../../rules/billing';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { createLogger } from '../observability/logger';
import { systemContext } from '../tenancy/context';
import { withoutTenant, withTenant } from '../tenancy/with-tenant';
import { planOfPrice, requireBillingConfig, stripeClient, type BillingConfig } from './stripe';

const log = createLogger('billing-webhook');

export type WebhookOutcome = 'applied' | 'stale' | 'duplicate' | 'ignored';

export interface WebhookResult {
  eventId: string;
  type: string;
  outcome: WebhookOutcome;
  orgId: string | null;
}

const isHandled = (type: string) => type === 'checkout.session.completed' || type.startsWith('customer.subscription.') || type.startsWith('invoice.');

const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

/**
 * Applies one Stripe webhook delivery: the signature is checked on the raw body first (a forged,
 * altered or expired delivery is refused with BAD_USER_INPUT and nothing is read from it), then the
 * event is applied to the organization whose Stripe customer it names, exactly once: its ID is stored
 * in the transaction that applies it, after the organization's billing row is locked, so a redelivery
 * (also a concurrent one) finds the ID and changes nothing. Deliveries can arrive in any order; each
 * state carries its event's `created` time and an older one never overwrites a newer one, and a
 * canceled subscription never comes back (see `subscriptionVerdict`). Every delivery is logged.
 */
export async function handleStripeWebhook(rawBody: string | Buffer, signature: string | null): Promise<WebhookResult> {
  const cfg = requireBillingConfig();
  let event: Stripe.Event;
  try {
    if (!signature) throw new Error('No Stripe-Signature header');
    event = stripeClient(cfg).webhooks.constructEvent(rawBody, signature, cfg.webhookSecret);
  } catch (e) {
    log.warn('stripe webhook refused: signature verification failed', { reason: (e as Error).message, bytes: rawBody.length });
    throw new AppError('BAD_USER_INPUT', `Stripe webhook signature verification failed: ${(e as Error).message}`);
  }
  const base = { eventId: event.id, type: event.type };
  if (!isHandled(event.type)) {
    log.info('stripe webhook ignored: not an event billing uses', base);
    return { ...base, outcome: 'ignored', orgId: null };
  }
  const object = event.data.object as { customer?: string | { id: string } | null };
  const customer = idOf(object.customer);
  const orgId = customer ? await withoutTenant(async (tx) => (await tx.execute<{ org_id: string | null }>(sql`select gantry_billing_customer_org(${customer}) as org_id`))[0]?.org_id ?? null) : null;
  if (!orgId) {
    log.warn('stripe webhook refused: no organization has its customer', { ...base, customer });
    throw new AppError('BAD_USER_INPUT', customer ? `No organization has the Stripe customer ${customer}` : `The ${event.type} event names no customer`);
  }
  const ctx = systemContext(orgId, 'billing', event.id);
  const outcome = await withTenant(ctx, async (tx) => {
    const [account] = await tx.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId)).for('update');
    if (!account) throw new AppError('INTERNAL', `billing account of ${orgId} vanished`);
    const [seen] = await tx.select({ id: billingEvents.id }).from(billingEvents).where(eq(billingEvents.id, event.id));
    if (seen) return 'duplicate' as const;
    const at = new Date(event.created * 1000);
    const applied = await applyEvent(tx, cfg, account, event, at);
    await tx.insert(billingEvents).values({ id: event.id, orgId, type: event.type, createdAt: at, outcome: applied ? 'applied' : 'stale' });
    if (applied) await recordAudit(tx, ctx, { action: applied.action, targetType: 'organization', targetId: orgId, data: { stripeEvent: event.id, type: event.type, ...applied.data } });
    return applied ? ('applied' as const) : ('stale' as const);
  });
  log.info(`stripe webhook ${outcome}`, { ...base, orgId });
  return { ...base, outcome, orgId };
}

interface SubscriptionState {
  subscriptionId: string;
  plan: Plan | null;
  status: string;
  seatItemId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/**
 * Whether a subscription state carried by an event created at `at` replaces the stored one:
 * - never a state older than the stored one (Stripe does not deliver in order);
 * - never a live state of a subscription already stored as canceled (Stripe never revives one);
 * - never another subscription's ended state over a live current subscription (a late cancellation
 *   of a previous subscription does not end the new one).
 */
export function subscriptionVerdict(stored: Pick<BillingAccount, 'subscriptionId' | 'subscriptionStatus' | 'stateAt'>, incoming: { subscriptionId: string; status: string }, at: Date): 'apply' | 'stale' {
  if (stored.stateAt && at.getTime() < stored.stateAt.getTime()) return 'stale';
  if (stored.subscriptionId === incoming.subscriptionId && isTerminalSubscriptionStatus(stored.subscriptionStatus) && !isTerminalSubscriptionStatus(incoming.status)) return 'stale';
  const live = (s: string | null) => (PLAN_KEEPING_STATUSES as readonly string[]).includes(s ?? '');
  if (stored.subscriptionId && stored.subscriptionId !== incoming.subscriptionId && live(stored.subscriptionStatus) && !live(incoming.status)) return 'stale';
  return 'apply';
}

function fromSubscription(cfg: BillingConfig, sub: Stripe.Subscription): SubscriptionState {
  const items = sub.items?.data ?? [];
  const planItem = items.map((i) => planOfPrice(cfg, i.price?.id)).find((p) => p !== null) ?? null;
  const metaPlan = (PLANS as readonly string[]).includes(sub.metadata?.plan ?? '') ? (sub.metadata!.plan as Plan) : null;
  const seatItem = cfg.seatPrice ? items.find((i) => i.price?.id === cfg.seatPrice) : undefined;
  // Since API version 2025-03-31 the period is on each item; older versions had it on the subscription.
  const periodEnd = (items[0] as { current_period_end?: number } | undefined)?.current_period_end ?? (sub as { current_period_end?: number }).current_period_end;
  return {
    subscriptionId: sub.id,
    // The price decides; the metadata Checkout set is the fallback for a price this installation does not list.
    plan: planItem ?? metaPlan,
    status: sub.status,
    seatItemId: seatItem?.id ?? null,
    currentPeriodEnd: periodEnd ? new Date(periodEnd * 1000) : null,
    cancelAtPeriodEnd: sub.cancel_at_period_end ?? false,
  };
}

async function applyEvent(tx: Tx, cfg: BillingConfig, account: BillingAccount, event: Stripe.Event, at: Date): Promise<{ action: string; data: Record<string, unknown> } | null> {
  const planBefore = effectivePlan({ plan: account.subscriptionPlan, status: account.subscriptionStatus });
  const setSubscription = async (state: Omit<SubscriptionState, 'seatItemId'> & { seatItemId?: string | null }) => {
    if (subscriptionVerdict(account, state, at) === 'stale') return null;
    await tx
      .update(billingAccounts)
      .set({
        subscriptionId: state.subscriptionId,
        subscriptionPlan: state.plan,
        subscriptionStatus: state.status,
        ...(state.seatItemId !== undefined ? { seatItemId: state.seatItemId } : {}),
        currentPeriodEnd: state.currentPeriodEnd,
        cancelAtPeriodEnd: state.cancelAtPeriodEnd,
        stateAt: at,
        updatedAt: new Date(),
      })
      .where(eq(billingAccounts.orgId, account.orgId));
    const planAfter = effectivePlan(state);
    return { action: 'billing.subscription_update', data: { subscription: state.subscriptionId, status: state.status, planBefore, planAfter } };
  };

  if (event.type === 'checkout.session.completed') {
    const session = event.data.object;
    const subscriptionId = idOf(session.subscription);
    if (session.mode !== 'subscription' || !subscriptionId) return null;
    const plan = (PLANS as readonly string[]).includes(session.metadata?.plan ?? '') ? (session.metadata!.plan as Plan) : null;
    // The session says the subscription exists and is paid for; its `customer.subscription.*` events carry the rest.
    const status = session.payment_status === 'unpaid' ? 'incomplete' : 'active';
    return setSubscription({ subscriptionId, plan, status, currentPeriodEnd: account.subscriptionId === subscriptionId ? account.currentPeriodEnd : null, cancelAtPeriodEnd: false });
  }
  if (event.type.startsWith('customer.subscription.')) {
    return setSubscription(fromSubscription(cfg, event.data.object as Stripe.Subscription));
  }
  // invoice.*: the latest invoice's state, for the billing page; the plan follows the subscription's events.
  if (account.lastInvoiceAt && at.getTime() < account.lastInvoiceAt.getTime()) return null;
  const invoice = event.data.object as Stripe.Invoice;
  const status = event.type === 'invoice.payment_failed' ? 'payment_failed' : event.type === 'invoice.paid' || event.type === 'invoice.payment_succeeded' ? 'paid' : (invoice.status ?? event.type.slice('invoice.'.length));
  await tx.update(billingAccounts).set({ lastInvoiceStatus: status, lastInvoiceAt: at, updatedAt: new Date() }).where(eq(billingAccounts.orgId, account.orgId));
  return { action: 'billing.invoice', data: { invoice: invoice.id, status, amountDue: invoice.amount_due ?? null, currency: invoice.currency ?? null } };
}
