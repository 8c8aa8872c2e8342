import Stripe from 'stripe';
import { env } from '../../config/env';
import type { PaidPlan, Plan } from '../../rules/billing';
import { AppError } from '../errors';
import { billingIsOn } from '../tenancy/plan-limits';

/** Billing's settings, when billing is on (`STRIPE_SECRET_KEY` set; env.ts requires the rest with it). */
export interface BillingConfig {
  secretKey: string;
  webhookSecret: string;
  prices: Record<PaidPlan, string>;
  /** The metered seat price added to each subscription; without it seats are not reported. */
  seatPrice: string | null;
  seatMeterEvent: string;
  apiBase: string | null;
}

export function billingConfig(): BillingConfig | null {
  const e = env();
  if (!billingIsOn() || !e.STRIPE_SECRET_KEY) return null;
  return {
    secretKey: e.STRIPE_SECRET_KEY,
    webhookSecret: e.STRIPE_WEBHOOK_SECRET!,
    prices: { team: e.STRIPE_PRICE_TEAM!, enterprise: e.STRIPE_PRICE_ENTERPRISE! },
    seatPrice: e.STRIPE_PRICE_SEATS ?? null,
    seatMeterEvent: e.STRIPE_SEAT_METER_EVENT,
    apiBase: e.STRIPE_API_BASE ?? null,
  };
}

/** The refusal for billing actions on an installation without Stripe. */
export function billingOff(): AppError {
  return new AppError('UNAVAILABLE', 'Billing is off on this installation (no STRIPE_SECRET_KEY is configured)');
}

export function requireBillingConfig(): BillingConfig {
  const cfg = billingConfig();
  if (!cfg) throw billingOff();
  return cfg;
}

/** The plan a Stripe price ID sells, or null for a price that is not a plan's (the seat price, an unknown one). */
export function planOfPrice(cfg: BillingConfig, priceId: string | null | undefined): PaidPlan | null {
  for (const [plan, id] of Object.entries(cfg.prices) as [PaidPlan, string][]) if (id === priceId) return plan;
  return null;
}

export const isPaidPlan = (plan: Plan): plan is PaidPlan => plan !== 'free';

let cached: { key: string; client: Stripe } | undefined;

/** The real Stripe client, pointed at `STRIPE_API_BASE` when set (stripe-mock in tests and CI). */
export function stripeClient(cfg: BillingConfig): Stripe {
  const key = `${cfg.secretKey}\n${cfg.apiBase ?? ''}`;
  if (cached?.key === key) return cached.client;
  const base = cfg.apiBase ? new URL(cfg.apiBase) : null;
  const client = new Stripe(cfg.secretKey, {
    // Every write carries an idempotency key, so the client's retries of a failed request are safe.
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'Gantry' },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }
      : {}),
  });
  cached = { key, client };
  return client;
}

/** Stripe's answer as a coded error the caller can show: the network or Stripe failing is UNAVAILABLE. */
export function stripeFailure(action: string, e: unknown): AppError {
  const message = e instanceof Stripe.errors.StripeError ? e.message : (e as Error)?.message ?? String(e);
  return new AppError('UNAVAILABLE', `Stripe did not ${action}: ${message}`, { cause: e });
}
