import { formatMicros, MICROS_PER_DOLLAR } from './money';

/** The plans an organization can be on. `free` is every organization's plan until a subscription says otherwise. */
export const PLANS = ['free', 'team', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];
/** The plans sold through Stripe Checkout. */
export const PAID_PLANS = ['team', 'enterprise'] as const satisfies readonly Plan[];
export type PaidPlan = (typeof PAID_PLANS)[number];

/** What a plan allows; null is unlimited. */
export interface PlanLimits {
  /** Members of the organization (each membership is a seat). */
  seats: number | null;
  /** Connected Kubernetes clusters (the built-in `local` cluster is not counted). */
  clusters: number | null;
  /** Jobs queued, pending or running at once (training, evaluation and batch prediction). */
  concurrentJobs: number | null;
}

export interface PlanInfo {
  plan: Plan;
  name: string;
  limits: PlanLimits;
  /** The monthly platform fee in micro-dollars, before seats (billed by Stripe; shown here for the page). */
  platformFeeMicros: number;
}

/**
 * The catalog. Free's limits are generous enough for a small team trying the platform (and for every
 * story the Playwright suite runs with billing on); the limits apply only while billing is on.
 */
export const PLAN_CATALOG: Record<Plan, PlanInfo> = {
  free: { plan: 'free', name: 'Free', limits: { seats: 10, clusters: 2, concurrentJobs: 5 }, platformFeeMicros: 0 },
  team: { plan: 'team', name: 'Team', limits: { seats: 50, clusters: 10, concurrentJobs: 50 }, platformFeeMicros: 500 * MICROS_PER_DOLLAR },
  enterprise: { plan: 'enterprise', name: 'Enterprise', limits: { seats: null, clusters: null, concurrentJobs: null }, platformFeeMicros: 5_000 * MICROS_PER_DOLLAR },
};

export type LimitKind = keyof PlanLimits;

const LIMIT_WORDS: Record<LimitKind, { noun: string; hint: string }> = {
  seats: { noun: 'members', hint: 'remove a member or upgrade the plan' },
  clusters: { noun: 'connected clusters', hint: 'remove a cluster or upgrade the plan' },
  concurrentJobs: { noun: 'jobs running at once', hint: 'wait for a job to end, cancel one, or upgrade the plan' },
};

/** The refusal a use case gives when an action would take the organization past its plan's limit. */
export function limitRefusal(plan: Plan, kind: LimitKind, limit: number, current: number): string {
  const w = LIMIT_WORDS[kind];
  return `The ${PLAN_CATALOG[plan].name} plan allows ${limit} ${w.noun} and this organization has ${current}: ${w.hint} (Settings → Billing)`;
}

/**
 * Stripe subscription statuses that keep the subscribed plan. `past_due` keeps it while Stripe retries
 * the payment (its dunning settings decide when the subscription ends); every other status is the Free plan.
 */
export const PLAN_KEEPING_STATUSES = ['active', 'trialing', 'past_due'] as const;

export function effectivePlan(subscription: { plan: Plan | null; status: string | null } | null): Plan {
  if (!subscription?.plan || !subscription.status) return 'free';
  return (PLAN_KEEPING_STATUSES as readonly string[]).includes(subscription.status) ? subscription.plan : 'free';
}

/** Stripe statuses a subscription never leaves: a later event about it cannot bring it back. */
export const TERMINAL_SUBSCRIPTION_STATUSES = ['canceled', 'incomplete_expired'] as const;
export const isTerminalSubscriptionStatus = (status: string | null | undefined) => (TERMINAL_SUBSCRIPTION_STATUSES as readonly string[]).includes(status ?? '');

export const formatPlanFee = (info: PlanInfo) => (info.platformFeeMicros === 0 ? 'no platform fee' : `${formatMicros(info.platformFeeMicros)} a month`);
