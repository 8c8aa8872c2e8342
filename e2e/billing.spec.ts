import { expect, test } from '@playwright/test';
import { checkoutSessionObject, signedDelivery, stripeEvent } from '../testing/stripe';
import { graphqlInPage, invite, orgSlugOf, screenshot, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

// Two users in two browsers, and a checkout: slower than the default budget on a small machine.
test.describe.configure({ timeout: 180_000 });

test('an admin subscribes to the Team plan through Stripe Checkout and the plan shows', async ({ page, browser, request }) => {
  await signUp(page, { name: 'Olga Owner', email: uniqueEmail('billing-owner'), organizationName: `Paying Co ${stamp()}` });
  const org = orgSlugOf(page);
  const adminEmail = uniqueEmail('billing-admin');
  const invitePath = await invite(page, org, adminEmail, 'admin');

  const context = await browser.newContext();
  const admin = await context.newPage();
  await signUpAndAccept(admin, invitePath, 'Ada Admin');

  // The billing page from the sidebar: the Free plan, what it allows and what the organization uses.
  await admin.getByRole('link', { name: 'Billing' }).click();
  await expect(admin).toHaveURL(new RegExp(`/o/${org}/settings/billing$`));
  await expect(admin.getByTestId('current-plan')).toHaveText('Free');
  await expect(admin.getByTestId('usage-Members')).toContainText('2 of 10');
  await expect(admin.getByText('Billing is off on this installation')).toHaveCount(0);
  await screenshot(admin, 'billing-free');
  const orgId = (await admin.locator('[data-org-id]').getAttribute('data-org-id'))!;

  // Subscribe: the app sends the admin to the Checkout page stripe-mock made up; Stripe's page itself is not reachable here.
  let checkoutUrl = '';
  await admin.route('https://checkout.stripe.com/**', (route) => {
    checkoutUrl = route.request().url();
    return route.fulfill({ contentType: 'text/html', body: '<h1>Stripe Checkout</h1>' });
  });
  await admin.getByRole('button', { name: 'Subscribe to Team' }).click();
  await expect(admin.getByRole('heading', { name: 'Stripe Checkout' })).toBeVisible();
  expect(checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.com\/pay\//);

  // Stripe would now call the webhook; stripe-mock never does, so the story delivers the event it would send,
  // signed as Stripe signs it, for the customer the checkout was started for (named in the admin's audit log).
  await admin.goto(`/o/${org}/settings/billing?checkout=success`);
  const audit = await graphqlInPage(admin, orgId, '{ auditEvents(filter: { actions: ["billing.checkout_start"] }) { events { data } } }');
  expect(audit.errors).toBeUndefined();
  const started = JSON.parse((audit.data as { auditEvents: { events: { data: string }[] } }).auditEvents.events[0]!.data) as { customer: string; plan: string };
  expect(started.plan).toBe('team');

  // A forged delivery is refused and changes nothing.
  const event = stripeEvent('checkout.session.completed', checkoutSessionObject({ customer: started.customer, subscription: `sub_e2e_${stamp()}`, orgId, plan: 'team' }), Math.floor(Date.now() / 1000));
  const forged = signedDelivery(event, { secret: 'whsec_not_the_endpoints' });
  const refused = await request.post('/api/stripe/webhook', { data: forged.body, headers: { 'content-type': 'application/json', 'stripe-signature': forged.signature } });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).error.code).toBe('BAD_USER_INPUT');

  const delivery = signedDelivery(event);
  const accepted = await request.post('/api/stripe/webhook', { data: delivery.body, headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature } });
  expect(accepted.status()).toBe(200);
  expect(await accepted.json()).toEqual({ received: true, outcome: 'applied' });
  const again = await request.post('/api/stripe/webhook', { data: delivery.body, headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature } });
  expect(await again.json()).toEqual({ received: true, outcome: 'duplicate' });

  // The page, polling after the checkout, shows the plan and its limits; the portal button appears.
  await expect(admin.getByTestId('current-plan')).toHaveText('Team', { timeout: 20_000 });
  await expect(admin.getByTestId('usage-Members')).toContainText('2 of 50');
  await expect(admin.getByRole('button', { name: 'Manage billing' })).toBeVisible();
  await screenshot(admin, 'billing-team');

  // Manage billing opens the customer portal stripe-mock answers with.
  let portalUrl = '';
  await admin.route(/^https:\/\/[^/]*stripe\.(me|com)\//, (route) => {
    portalUrl = route.request().url();
    return route.fulfill({ contentType: 'text/html', body: '<h1>Stripe customer portal</h1>' });
  });
  await admin.getByRole('button', { name: 'Manage billing' }).click();
  await expect(admin.getByRole('heading', { name: 'Stripe customer portal' })).toBeVisible();
  expect(portalUrl).toMatch(/^https:\/\//);
  await context.close();

  // The owner sees the same plan on the same page.
  await page.goto(`/o/${org}/settings/billing`);
  await expect(page.getByTestId('current-plan')).toHaveText('Team');
});
