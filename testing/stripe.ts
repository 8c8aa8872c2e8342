import Stripe from 'stripe';
import { freePort } from '../core/platform/net';
import { findOrBuildStripeMock, startStripeMock, type StripeMockServer } from '../scripts/lib/stripe-mock-binary';

/** The billing settings tests and the Playwright platform run with: keys and prices stripe-mock accepts. */
export const TEST_STRIPE = {
  STRIPE_SECRET_KEY: 'sk_test_gantry',
  STRIPE_WEBHOOK_SECRET: 'whsec_gantry_test_secret',
  STRIPE_PRICE_TEAM: 'price_gantry_team',
  STRIPE_PRICE_ENTERPRISE: 'price_gantry_enterprise',
  STRIPE_PRICE_SEATS: 'price_gantry_seats',
} as const;

/** stripe-mock on a free port (found or built like the other Go tools), and the settings that point billing at it. */
export async function startTestStripe(): Promise<{ server: StripeMockServer; env: Record<string, string> }> {
  const found = await findOrBuildStripeMock({ log: (l) => console.error(l) });
  if (found.binary === null) throw new Error(`stripe-mock is not available: ${found.reason}`);
  const server = await startStripeMock({ binary: found.binary, port: await freePort() });
  return { server, env: { ...TEST_STRIPE, STRIPE_API_BASE: server.apiBase } };
}

/**
 * A webhook delivery as Stripe sends it: the event's JSON and its `Stripe-Signature` header, made with
 * the stripe library's own test-header helper. `timestamp` (seconds) signs as of another time.
 */
export function signedDelivery(event: object, opts: { secret?: string; timestamp?: number } = {}): { body: string; signature: string } {
  const body = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: opts.secret ?? TEST_STRIPE.STRIPE_WEBHOOK_SECRET, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
  return { body, signature };
}

let n = 0;
const eventId = () => `evt_test_${Date.now().toString(36)}_${(n += 1)}`;

/** A Stripe event envelope around `object`, created at `created` (seconds). */
export function stripeEvent(type: string, object: Record<string, unknown>, created: number): Record<string, unknown> {
  return { id: eventId(), object: 'event', api_version: '2026-11-18.endive', created, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object } };
}

/** A subscription object for `customer` with the plan's price (and the seat price) as Stripe sends it in `customer.subscription.*` events. */
export function subscriptionObject(args: { id: string; customer: string; status: string; price: string; periodEnd?: number; cancelAtPeriodEnd?: boolean; seatPrice?: string }): Record<string, unknown> {
  const item = (id: string, price: string) => ({ id, object: 'subscription_item', price: { id: price, object: 'price' }, current_period_end: args.periodEnd ?? null });
  return {
    id: args.id,
    object: 'subscription',
    customer: args.customer,
    status: args.status,
    cancel_at_period_end: args.cancelAtPeriodEnd ?? false,
    metadata: {},
    items: { object: 'list', data: [item(`si_${args.id}_plan`, args.price), ...(args.seatPrice ? [item(`si_${args.id}_seats`, args.seatPrice)] : [])] },
  };
}

/** The `checkout.session.completed` object of a subscription checkout for `plan`. */
export function checkoutSessionObject(args: { customer: string; subscription: string; orgId: string; plan: string }): Record<string, unknown> {
  return {
    id: `cs_test_${args.subscription}`,
    object: 'checkout.session',
    mode: 'subscription',
    customer: args.customer,
    subscription: args.subscription,
    client_reference_id: args.orgId,
    payment_status: 'paid',
    status: 'complete',
    metadata: { orgId: args.orgId, plan: args.plan },
  };
}
