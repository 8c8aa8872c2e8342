import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { billingUsageReports, memberships } from '../../db/schema';
import { recordAudit } from '../governance/audit';
import { createLogger } from '../observability/logger';
import { systemContext } from '../tenancy/context';
import { loadBillingAccount } from '../tenancy/plan-limits';
import { withoutTenant, withTenant } from '../tenancy/with-tenant';
import { billingConfig, stripeClient, stripeFailure } from './stripe';

const log = createLogger('billing-usage');

export interface SeatUsageResult {
  /** Organizations with a subscription that meters seats. */
  orgs: number;
  /** Reports sent to Stripe by this call (first sends and resends of unconfirmed ones). */
  sent: number;
  /** Reports Stripe had already confirmed for the day: nothing sent. */
  alreadyReported: number;
}

/** The UTC day of `at`, `YYYY-MM-DD`. */
const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Reports each subscribed organization's seats (its members) for the day to Stripe's seat meter
 * (`STRIPE_SEAT_METER_EVENT`, aggregated as the last value of the billing period). Idempotent per
 * organization and day: the count and the meter event's `identifier` are recorded first, in the
 * organization's transaction, and every send of that day's report (a retried activity, a second run)
 * sends that same event under that identifier and idempotency key, which Stripe counts once; a report
 * Stripe confirmed is not sent again. Without billing there is nothing to report.
 */
export async function reportSeatUsage(opts: { now?: Date; onProgress?: (p: { orgId: string }) => void } = {}): Promise<SeatUsageResult> {
  const cfg = billingConfig();
  const result: SeatUsageResult = { orgs: 0, sent: 0, alreadyReported: 0 };
  if (!cfg) return result;
  const now = opts.now ?? new Date();
  const day = dayOf(now);
  const orgIds = await withoutTenant(async (tx) => (await tx.execute<{ org_id: string }>(sql`select org_id from gantry_billing_metered_orgs()`)).map((r) => r.org_id));
  for (const orgId of orgIds) {
    result.orgs++;
    const ctx = systemContext(orgId, 'billing', `seats/${day}`);
    const report = await withTenant(ctx, async (tx) => {
      const account = await loadBillingAccount(tx, orgId);
      if (!account) return null;
      const [existing] = await tx.select().from(billingUsageReports).where(and(eq(billingUsageReports.orgId, orgId), eq(billingUsageReports.day, day)));
      if (existing) return { ...existing, customer: account.stripeCustomerId };
      const seats = (await tx.select({ n: count() }).from(memberships).where(eq(memberships.orgId, orgId)))[0]!.n;
      const [made] = await tx.insert(billingUsageReports).values({ orgId, day, seats, identifier: `gantry-seats/${orgId}/${day}` }).returning();
      await recordAudit(tx, ctx, { action: 'billing.usage_record', targetType: 'organization', targetId: orgId, data: { day, seats, identifier: made!.identifier } });
      return { ...made!, customer: account.stripeCustomerId };
    });
    if (!report) continue;
    if (report.reportedAt) {
      result.alreadyReported++;
      continue;
    }
    await stripeClient(cfg)
      .billing.meterEvents.create(
        { event_name: cfg.seatMeterEvent, identifier: report.identifier, timestamp: Math.floor(report.recordedAt.getTime() / 1000), payload: { stripe_customer_id: report.customer, value: String(report.seats) } },
        { idempotencyKey: report.identifier },
      )
      .catch((e: unknown) => {
        throw stripeFailure(`take the seat report of ${orgId} for ${day}`, e);
      });
    await withTenant(ctx, (tx) =>
      tx.update(billingUsageReports).set({ reportedAt: new Date() }).where(and(eq(billingUsageReports.orgId, orgId), eq(billingUsageReports.day, day), isNull(billingUsageReports.reportedAt))),
    );
    result.sent++;
    log.info('seat usage reported', { orgId, day, seats: report.seats, identifier: report.identifier });
    opts.onProgress?.({ orgId });
  }
  return result;
}
