import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { PLAN_CATALOG } from '../../rules/billing';
import { signUpUser, testMeta, type SignedUp } from '../../testing/fixtures';
import { checkoutSessionObject, signedDelivery, startTestStripe, stripeEvent, subscriptionObject, TEST_STRIPE } from '../../testing/stripe';
import type { StripeMockServer } from '../../scripts/lib/stripe-mock-binary';
import { AppError } from '../errors';
import { acceptInvitation } from '../tenancy/accept-invitation';
import { createInvitation } from '../tenancy/create-invitation';
import { createProject } from '../tenancy/create-project';
import { createTeam } from '../tenancy/create-team';
import { resolveTenantContext } from '../tenancy/resolve-context';
import { recordChildTrainingJob } from '../training/record-training-job';
import { getBilling } from './get-billing';
import { handleStripeWebhook } from './handle-stripe-webhook';
import { openBillingPortal } from './open-billing-portal';
import { reportSeatUsage } from './report-seat-usage';
import { startCheckout } from './start-checkout';

let db: TestDatabase;
let stripe: StripeMockServer;
let A: SignedUp;
let customerA = '';

const now = () => Math.floor(Date.now() / 1000);

async function deliver(event: Record<string, unknown>) {
  const { body, signature } = signedDelivery(event);
  return handleStripeWebhook(body, signature);
}

async function counts(orgId: string) {
  const [row] = await db.ownerSql<{ events: number; audits: number; account: string | null }[]>`
    select (select count(*) from billing_events where org_id = ${orgId})::int as events,
           (select count(*) from audit_events where org_id = ${orgId} and action like 'billing.%')::int as audits,
           (select row_to_json(a)::text from billing_accounts a where org_id = ${orgId}) as account`;
  return row!;
}

function setBilling(on: boolean) {
  for (const [k, v] of Object.entries({ ...TEST_STRIPE, STRIPE_API_BASE: stripe.apiBase })) {
    if (on) process.env[k] = v;
    else delete process.env[k];
  }
  resetEnvCache();
}

beforeAll(async () => {
  const started = await startTestStripe();
  stripe = started.server;
  db = await createTestDatabase();
  setBilling(true);
  A = await signUpUser('billing-a');
});
afterAll(async () => {
  await db?.drop();
  await stripe?.stop();
});

describe('checkout and portal (real stripe client against stripe-mock)', () => {
  it('starts a checkout for a paid plan, making the Stripe customer once, audited', async () => {
    const first = await startCheckout(A.ctx, { plan: 'team' });
    expect(first.url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    const account = JSON.parse((await counts(A.orgId)).account!);
    customerA = account.stripe_customer_id;
    expect(customerA).toMatch(/^cus_/);
    await startCheckout({ ...A.ctx, meta: testMeta('second-request') }, { plan: 'enterprise' });
    expect(JSON.parse((await counts(A.orgId)).account!).stripe_customer_id).toBe(customerA);
    const audits = await db.ownerSql`select action, data from audit_events where org_id = ${A.orgId} and action = 'billing.checkout_start' order by seq`;
    expect(audits.map((a) => a.data.plan)).toEqual(['team', 'enterprise']);
  });

  it('refuses a plan that is not sold, and members', async () => {
    await expect(startCheckout(A.ctx, { plan: 'free' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(startCheckout({ ...A.ctx, role: 'member', permissions: new Set(['org:read']) }, { plan: 'team' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('opens the customer portal once a customer exists', async () => {
    const B = await signUpUser('billing-b');
    await expect(openBillingPortal(B.ctx)).rejects.toMatchObject({ code: 'CONFLICT' });
    const portal = await openBillingPortal(A.ctx);
    expect(portal.url).toMatch(/^https:\/\//);
    const [audit] = await db.ownerSql`select data from audit_events where org_id = ${A.orgId} and action = 'billing.portal_open'`;
    expect(audit!.data.customer).toBe(customerA);
  });
});

describe('webhooks', () => {
  it('applies checkout.session.completed: the plan shows, the event is stored and audited', async () => {
    const before = await counts(A.orgId);
    const event = stripeEvent('checkout.session.completed', checkoutSessionObject({ customer: customerA, subscription: 'sub_a1', orgId: A.orgId, plan: 'team' }), now() - 100);
    expect(await deliver(event)).toMatchObject({ outcome: 'applied', orgId: A.orgId });
    const billing = await getBilling(A.ctx);
    expect(billing).toMatchObject({ enabled: true, plan: 'team', planName: 'Team', limits: PLAN_CATALOG.team.limits, subscription: { id: 'sub_a1', status: 'active' } });
    const after = await counts(A.orgId);
    expect([after.events - before.events, after.audits - before.audits]).toEqual([1, 1]);
  });

  it('applies a redelivered event once, also when the deliveries race', async () => {
    const event = stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice', customer: customerA, status: 'paid', amount_due: 50000, currency: 'usd' }, now() - 90);
    const before = await counts(A.orgId);
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => deliver(event)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await deliver(event)).toMatchObject({ outcome: 'duplicate' });
    const after = await counts(A.orgId);
    expect([after.events - before.events, after.audits - before.audits]).toEqual([1, 1]);
    expect((await getBilling(A.ctx)).subscription?.lastInvoiceStatus).toBe('paid');
  });

  it('refuses a tampered body, an expired timestamp, another secret and a missing signature, writing nothing', async () => {
    const event = stripeEvent('customer.subscription.deleted', subscriptionObject({ id: 'sub_a1', customer: customerA, status: 'canceled', price: TEST_STRIPE.STRIPE_PRICE_TEAM }), now());
    const before = await counts(A.orgId);
    const { body, signature } = signedDelivery(event);
    const tampered = body.replace('"canceled"', '"active"');
    expect(tampered).not.toBe(body);
    const refusals = [
      handleStripeWebhook(tampered, signature),
      handleStripeWebhook(signedDelivery(event, { timestamp: now() - 600 }).body, signedDelivery(event, { timestamp: now() - 600 }).signature),
      handleStripeWebhook(body, signedDelivery(event, { secret: 'whsec_someone_else' }).signature),
      handleStripeWebhook(body, null),
      handleStripeWebhook(body, 't=1,v1=deadbeef'),
    ];
    for (const r of refusals) await expect(r).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(handleStripeWebhook(tampered, signature)).rejects.toThrow(/signature/i);
    expect(await counts(A.orgId)).toEqual(before);
    expect((await getBilling(A.ctx)).plan).toBe('team');
  });

  it('refuses an event for a customer no organization has, writing nothing', async () => {
    const [before] = await db.ownerSql<{ n: number }[]>`select count(*)::int as n from billing_events`;
    const event = stripeEvent('customer.subscription.updated', subscriptionObject({ id: 'sub_x', customer: 'cus_nobody', status: 'active', price: TEST_STRIPE.STRIPE_PRICE_TEAM }), now());
    await expect(deliver(event)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('cus_nobody') });
    const [after] = await db.ownerSql<{ n: number }[]>`select count(*)::int as n from billing_events`;
    expect(after!.n).toBe(before!.n);
  });

  it('acknowledges event types billing does not use without writing anything', async () => {
    const before = await counts(A.orgId);
    expect(await deliver(stripeEvent('charge.succeeded', { id: 'ch_1', object: 'charge', customer: customerA }, now()))).toMatchObject({ outcome: 'ignored' });
    expect(await counts(A.orgId)).toEqual(before);
  });

  it('ends in the right state whatever order the deliveries come in', async () => {
    const t = now() - 50;
    const sub = (status: string, price: string) => subscriptionObject({ id: 'sub_a1', customer: customerA, status, price, seatPrice: TEST_STRIPE.STRIPE_PRICE_SEATS, periodEnd: t + 30 * 86400 });
    const upgraded = stripeEvent('customer.subscription.updated', sub('active', TEST_STRIPE.STRIPE_PRICE_ENTERPRISE), t + 10);
    const pastDue = stripeEvent('customer.subscription.updated', sub('past_due', TEST_STRIPE.STRIPE_PRICE_TEAM), t);
    // The newer upgrade first, the older state after it: the older one is stored as stale and changes nothing.
    expect(await deliver(upgraded)).toMatchObject({ outcome: 'applied' });
    expect(await deliver(pastDue)).toMatchObject({ outcome: 'stale' });
    let billing = await getBilling(A.ctx);
    expect(billing).toMatchObject({ plan: 'enterprise', subscription: { status: 'active' } });
    const [row] = await db.ownerSql`select seat_item_id, current_period_end from billing_accounts where org_id = ${A.orgId}`;
    expect(row!.seat_item_id).toBe('si_sub_a1_seats');
    expect(row!.current_period_end.getTime()).toBe((t + 30 * 86400) * 1000);

    // Canceled, then a stale update of the same second: a canceled subscription stays canceled.
    const canceled = stripeEvent('customer.subscription.deleted', sub('canceled', TEST_STRIPE.STRIPE_PRICE_ENTERPRISE), t + 20);
    const sameSecondUpdate = stripeEvent('customer.subscription.updated', sub('active', TEST_STRIPE.STRIPE_PRICE_ENTERPRISE), t + 20);
    const olderCheckout = stripeEvent('checkout.session.completed', checkoutSessionObject({ customer: customerA, subscription: 'sub_a1', orgId: A.orgId, plan: 'team' }), t + 5);
    expect(await deliver(canceled)).toMatchObject({ outcome: 'applied' });
    expect(await deliver(sameSecondUpdate)).toMatchObject({ outcome: 'stale' });
    expect(await deliver(olderCheckout)).toMatchObject({ outcome: 'stale' });
    billing = await getBilling(A.ctx);
    expect(billing).toMatchObject({ plan: 'free', subscription: { status: 'canceled' } });

    // A new subscription, and then a late cancellation of an earlier one: the new one stays.
    const renewed = stripeEvent('customer.subscription.created', subscriptionObject({ id: 'sub_a2', customer: customerA, status: 'active', price: TEST_STRIPE.STRIPE_PRICE_TEAM }), t + 30);
    const lateOther = stripeEvent('customer.subscription.deleted', subscriptionObject({ id: 'sub_a0', customer: customerA, status: 'canceled', price: TEST_STRIPE.STRIPE_PRICE_TEAM }), t + 31);
    expect(await deliver(renewed)).toMatchObject({ outcome: 'applied' });
    expect(await deliver(lateOther)).toMatchObject({ outcome: 'stale' });
    expect(await getBilling(A.ctx)).toMatchObject({ plan: 'team', subscription: { id: 'sub_a2', status: 'active' } });
    const outcomes = await db.ownerSql`select outcome, count(*)::int as n from billing_events where org_id = ${A.orgId} group by outcome order by outcome`;
    expect(outcomes).toEqual([
      { outcome: 'applied', n: 5 },
      { outcome: 'stale', n: 4 },
    ]);
  });

  it('keeps a failed invoice on the page without changing the plan', async () => {
    await deliver(stripeEvent('invoice.payment_failed', { id: 'in_2', object: 'invoice', customer: customerA, status: 'open', amount_due: 50000, currency: 'usd' }, now()));
    expect(await getBilling(A.ctx)).toMatchObject({ plan: 'team', subscription: { lastInvoiceStatus: 'payment_failed' } });
  });
});

describe('plan limits', () => {
  it('refuses a job past the Free plan’s concurrent jobs, naming the plan and limit; concurrent submissions never pass it', async () => {
    const C = await signUpUser('billing-limits');
    const team = await createTeam(C.ctx, { name: 'ML' });
    const project = await createProject(C.ctx, { teamId: team.id, name: 'Churn' });
    const limit = PLAN_CATALOG.free.limits.concurrentJobs!;
    const results = await Promise.allSettled(Array.from({ length: limit + 4 }, () => recordChildTrainingJob(C.ctx, { project: project.id, command: ['true'] })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(limit);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as AppError);
    expect(refused).toHaveLength(4);
    for (const e of refused) {
      expect(e.code).toBe('PLAN_LIMIT_EXCEEDED');
      expect(e.message).toBe(`The Free plan allows ${limit} jobs running at once and this organization has ${limit}: wait for a job to end, cancel one, or upgrade the plan (Settings → Billing)`);
    }
    const [jobs] = await db.ownerSql<{ n: number }[]>`select count(*)::int as n from training_jobs where org_id = ${C.orgId}`;
    expect(jobs!.n).toBe(limit);
    expect(await getBilling(C.ctx)).toMatchObject({ plan: 'free', usage: { concurrentJobs: limit, seats: 1, clusters: 0 }, limitsEnforced: true });

    // Without Stripe the limits do not apply (there would be no way to raise them).
    setBilling(false);
    try {
      await recordChildTrainingJob(C.ctx, { project: project.id, command: ['true'] });
      expect(await getBilling(C.ctx)).toMatchObject({ enabled: false, limitsEnforced: false });
      await expect(startCheckout(C.ctx, { plan: 'team' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      setBilling(true);
    }
  });

  it('refuses accepting an invitation past the plan’s seats, and lets it in once the plan is raised', async () => {
    const D = await signUpUser('billing-seats');
    const seats = PLAN_CATALOG.free.limits.seats!;
    // Fill the seats with members written directly: signing up each through argon2 would only slow the test.
    for (let i = 1; i < seats; i++) {
      const userId = `usr_seat${D.orgId.slice(4, 14)}${i}`;
      await db.ownerSql`insert into users (id, email, name, password_hash) values (${userId}, ${`${userId}@example.com`}, 'Seat', 'x')`;
      await db.ownerSql`insert into memberships (id, org_id, user_id, role) values (${`mem_${userId}`}, ${D.orgId}, ${userId}, 'member')`;
    }
    const invitee = await signUpUser('billing-invitee');
    const inv = await createInvitation(D.ctx, { email: invitee.actor.email, role: 'member' });
    const token = inv.url.split('/').pop()!;
    const refusal = acceptInvitation(invitee.actor, testMeta(), token);
    await expect(refusal).rejects.toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', message: expect.stringMatching(/^The Free plan allows 10 members and this organization has 10/) });
    const [members] = await db.ownerSql<{ n: number }[]>`select count(*)::int as n from memberships where org_id = ${D.orgId}`;
    expect(members!.n).toBe(seats);

    // The organization subscribes to Team (its webhook), and the same invitation now goes through.
    await startCheckout(D.ctx, { plan: 'team' });
    const [acct] = await db.ownerSql<{ c: string }[]>`select stripe_customer_id as c from billing_accounts where org_id = ${D.orgId}`;
    await deliver(stripeEvent('customer.subscription.created', subscriptionObject({ id: 'sub_d1', customer: acct!.c, status: 'active', price: TEST_STRIPE.STRIPE_PRICE_TEAM }), now()));
    await acceptInvitation(invitee.actor, testMeta(), token);
    const ctx = await resolveTenantContext(invitee.actor, D.orgId, testMeta());
    expect(ctx.role).toBe('member');
  });
});

describe('metered seats', () => {
  /** What reached stripe-mock: a pass-through in front of it that keeps each request's path, idempotency key and form body. */
  async function recordingProxy() {
    const seen: { path: string; key: string | undefined; body: URLSearchParams }[] = [];
    const target = new URL(stripe.apiBase);
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ path: req.url!, key: req.headers['idempotency-key'] as string | undefined, body: new URLSearchParams(body.toString()) });
        const out = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode!, up.headers);
          up.pipe(res);
        });
        out.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { seen, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('reports each subscribed organization’s seats once a day; a resend carries the recorded count under the same identifier', async () => {
    const proxy = await recordingProxy();
    process.env.STRIPE_API_BASE = proxy.base;
    resetEnvCache();
    try {
      const E = await signUpUser('billing-seats-metered');
      await startCheckout(E.ctx, { plan: 'team' });
      const [acct] = await db.ownerSql<{ c: string }[]>`select stripe_customer_id as c from billing_accounts where org_id = ${E.orgId}`;
      await deliver(stripeEvent('customer.subscription.created', subscriptionObject({ id: 'sub_e1', customer: acct!.c, status: 'active', price: TEST_STRIPE.STRIPE_PRICE_TEAM, seatPrice: TEST_STRIPE.STRIPE_PRICE_SEATS }), now()));
      const meterCalls = () => proxy.seen.filter((r) => r.path === '/v1/billing/meter_events');
      const day = new Date('2026-12-07T23:50:00Z');

      expect(await reportSeatUsage({ now: day })).toEqual({ orgs: 1, sent: 1, alreadyReported: 0 });
      const identifier = `gantry-seats/${E.orgId}/2026-12-07`;
      expect(meterCalls()).toHaveLength(1);
      const first = meterCalls()[0]!;
      expect([first.key, first.body.get('identifier'), first.body.get('event_name'), first.body.get('payload[stripe_customer_id]'), first.body.get('payload[value]')]).toEqual([
        identifier,
        identifier,
        'gantry_seats',
        acct!.c,
        '1',
      ]);

      // The same day again: confirmed already, nothing sent.
      expect(await reportSeatUsage({ now: day })).toEqual({ orgs: 1, sent: 0, alreadyReported: 1 });
      expect(meterCalls()).toHaveLength(1);

      // Stripe's answer lost (the confirmation never written) and a member joined since: the resend is the same event.
      await db.ownerSql`update billing_usage_reports set reported_at = null where org_id = ${E.orgId}`;
      const userId = `usr_metered${E.orgId.slice(4, 16)}`;
      await db.ownerSql`insert into users (id, email, name, password_hash) values (${userId}, ${`${userId}@example.com`}, 'Seat', 'x')`;
      await db.ownerSql`insert into memberships (id, org_id, user_id, role) values (${`mem_${userId}`}, ${E.orgId}, ${userId}, 'member')`;
      expect(await reportSeatUsage({ now: day })).toEqual({ orgs: 1, sent: 1, alreadyReported: 0 });
      const resent = meterCalls()[1]!;
      expect([resent.key, resent.body.get('identifier'), resent.body.get('payload[value]'), resent.body.get('timestamp')]).toEqual([identifier, identifier, '1', first.body.get('timestamp')]);

      // The next day counts the new member.
      expect(await reportSeatUsage({ now: new Date('2026-12-08T23:50:00Z') })).toEqual({ orgs: 1, sent: 1, alreadyReported: 0 });
      expect(meterCalls()[2]!.body.get('payload[value]')).toBe('2');
      expect(meterCalls()[2]!.key).toBe(`gantry-seats/${E.orgId}/2026-12-08`);
      const audits = await db.ownerSql`select data from audit_events where org_id = ${E.orgId} and action = 'billing.usage_record' order by seq`;
      expect(audits.map((a) => [a.data.day, a.data.seats])).toEqual([
        ['2026-12-07', 1],
        ['2026-12-08', 2],
      ]);
    } finally {
      process.env.STRIPE_API_BASE = stripe.apiBase;
      resetEnvCache();
      await proxy.close();
    }
  });
});
