import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { billingAccounts, clusters, memberships, trainingJobs, type BillingAccount } from '../../db/schema';
import { effectivePlan, limitRefusal, PLAN_CATALOG, type LimitKind, type Plan } from '../../rules/billing';
import { ACTIVE_JOB_STATUSES } from '../../rules/job-status';
import { env } from '../../config/env';
import { AppError } from '../errors';

/**
 * Whether billing is on: a Stripe key is configured. The one test of it; core/billing reads the rest
 * of its settings only when this holds.
 */
export const billingIsOn = (): boolean => env().STRIPE_SECRET_KEY !== undefined;

export async function loadBillingAccount(tx: Tx, orgId: string): Promise<BillingAccount | null> {
  const [row] = await tx.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return row ?? null;
}

/** The plan an organization is on: its subscription's while that keeps it, else Free. */
export function planOfAccount(account: BillingAccount | null): Plan {
  return effectivePlan(account ? { plan: account.subscriptionPlan, status: account.subscriptionStatus } : null);
}

export interface PlanUsage {
  seats: number;
  clusters: number;
  concurrentJobs: number;
}

const COUNTERS: Record<LimitKind, (tx: Tx, orgId: string) => Promise<number>> = {
  seats: async (tx, orgId) => (await tx.select({ n: count() }).from(memberships).where(eq(memberships.orgId, orgId)))[0]!.n,
  clusters: async (tx, orgId) => (await tx.select({ n: count() }).from(clusters).where(and(eq(clusters.orgId, orgId), eq(clusters.kind, 'kubernetes'))))[0]!.n,
  concurrentJobs: async (tx, orgId) =>
    (await tx.select({ n: count() }).from(trainingJobs).where(and(eq(trainingJobs.orgId, orgId), inArray(trainingJobs.status, [...ACTIVE_JOB_STATUSES]))))[0]!.n,
};

/** What the organization uses of each limit now. */
export async function planUsage(tx: Tx, orgId: string): Promise<PlanUsage> {
  return { seats: await COUNTERS.seats(tx, orgId), clusters: await COUNTERS.clusters(tx, orgId), concurrentJobs: await COUNTERS.concurrentJobs(tx, orgId) };
}

/**
 * Refuses (PLAN_LIMIT_EXCEEDED, naming the plan and the limit) an action that would take the organization
 * past its plan's `kind` limit by adding one. Limits apply only while billing is on: without Stripe there
 * is no way to change plans, so a self-hosted installation is never capped. A transaction-scoped lock
 * per organization and limit serialises concurrent additions, so two requests cannot both take the last
 * seat or slot; the caller writes its row in the same transaction.
 */
export async function assertPlanAllows(tx: Tx, orgId: string, kind: LimitKind): Promise<void> {
  if (!billingIsOn()) return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`plan-limit/${orgId}/${kind}`}, 0))`);
  const plan = planOfAccount(await loadBillingAccount(tx, orgId));
  const limit = PLAN_CATALOG[plan].limits[kind];
  if (limit === null) return;
  const current = await COUNTERS[kind](tx, orgId);
  if (current + 1 > limit) throw new AppError('PLAN_LIMIT_EXCEEDED', limitRefusal(plan, kind, limit, current));
}
