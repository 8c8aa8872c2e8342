import { boolean, check, date, integer } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { index, pgEnum, pgTable, primaryKey, text, timestamptz, uniqueIndex } from './columns';
import { orgIdColumn } from './org-column';

export const billingPlan = pgEnum('billing_plan', ['free', 'team', 'enterprise']);

/**
 * An organization's Stripe customer and the subscription state webhooks last applied. An organization
 * without a row is on the Free plan and has never started a checkout. `state_at` is the `created` time
 * of the Stripe event whose subscription state is stored: an older event never overwrites a newer one.
 */
export const billingAccounts = pgTable(
  'billing_accounts',
  {
    orgId: orgIdColumn().primaryKey(),
    stripeCustomerId: text('stripe_customer_id').notNull(),
    subscriptionId: text('subscription_id'),
    /** The plan the subscription is for (from its price); what the organization is on also depends on `subscription_status`. */
    subscriptionPlan: billingPlan('subscription_plan'),
    /** Stripe's status of the subscription (`active`, `past_due`, `canceled`, …). */
    subscriptionStatus: text('subscription_status'),
    /** The subscription item seats are metered on, when the subscription has one. */
    seatItemId: text('seat_item_id'),
    currentPeriodEnd: timestamptz('current_period_end'),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    stateAt: timestamptz('state_at'),
    /** The latest invoice's status as its `invoice.*` events tell it (`paid`, `payment_failed`, …). */
    lastInvoiceStatus: text('last_invoice_status'),
    lastInvoiceAt: timestamptz('last_invoice_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('billing_accounts_customer_uq').on(t.stripeCustomerId)],
);

/**
 * Every Stripe event applied to an organization, by Stripe's event ID: written in the transaction
 * that applies the event, so a redelivered event finds its row and changes nothing.
 */
export const billingEvents = pgTable(
  'billing_events',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    type: text('type').notNull(),
    /** The event's own `created` time at Stripe. */
    createdAt: timestamptz('created_at').notNull(),
    receivedAt: timestamptz('received_at').notNull().defaultNow(),
    /** `applied`, or `stale` when a newer event had already set the state it carried. */
    outcome: text('outcome').notNull(),
  },
  (t) => [index('billing_events_org_idx').on(t.orgId, t.receivedAt)],
);

/**
 * Seat counts reported to Stripe's meter, one per organization per UTC day. The row is written
 * before the report, with the count and the meter event's identifier fixed, so a retried report
 * sends the same event again and Stripe counts it once.
 */
export const billingUsageReports = pgTable(
  'billing_usage_reports',
  {
    orgId: orgIdColumn(),
    day: date('day', { mode: 'string' }).notNull(),
    seats: integer('seats').notNull(),
    /** The meter event's `identifier` (Stripe deduplicates on it) and the request's idempotency key. */
    identifier: text('identifier').notNull(),
    recordedAt: timestamptz('recorded_at').notNull().defaultNow(),
    reportedAt: timestamptz('reported_at'),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.day] }), check('billing_usage_reports_seats_nonnegative', sql`${t.seats} >= 0`)],
);

export type BillingAccount = typeof billingAccounts.$inferSelect;
