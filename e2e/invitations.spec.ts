import { expect, test } from '@playwright/test';
import { invite, orgSlugOf, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

// Two users sign up in two browsers: slower than the default budget on a small machine.
test.describe.configure({ timeout: 120_000 });

test('an owner invites a teammate, who signs up from the link and joins the organization', async ({ page, browser }) => {
  const orgName = `Invite Works ${stamp()}`;
  await signUp(page, { name: 'Olivia Owner', email: uniqueEmail('owner'), organizationName: orgName });
  const org = orgSlugOf(page);

  const teammate = uniqueEmail('teammate');
  const invitePath = await invite(page, org, teammate, 'member');
  await expect(page.getByTestId('invitation-row').filter({ hasText: teammate })).toBeVisible();

  // The teammate opens the link in their own browser, signed out.
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(invitePath);
  await expect(other.getByTestId('invite-org-name')).toHaveText(orgName);
  await expect(other.getByTestId('invite-email')).toHaveText(teammate);
  await expect(other.getByText('Member', { exact: true })).toBeVisible();

  await signUpAndAccept(other, invitePath, 'Tomás Teammate');
  expect(orgSlugOf(other)).toBe(org);
  await expect(other.getByTestId('current-org')).toHaveText(orgName);

  // The same link cannot be used twice.
  await other.goto(invitePath);
  await expect(other.getByTestId('invite-error')).toContainText('already been used');
  await context.close();

  // The owner sees the new member, and the invitation is no longer pending.
  await page.reload();
  const row = page.getByTestId('member-row').filter({ hasText: teammate });
  await expect(row).toContainText('Tomás Teammate');
  await expect(row.getByRole('combobox')).toHaveValue('member');
  await expect(page.getByTestId('invitation-row').filter({ hasText: teammate })).toHaveCount(0);
});

test('a broken invitation link explains itself', async ({ page }) => {
  await page.goto('/invite/not-a-token');
  await expect(page.getByTestId('invite-error')).toContainText('This invitation link is malformed');
  await page.goto(`/invite/${'A'.repeat(43)}`);
  await expect(page.getByTestId('invite-error')).toContainText('This invitation link is not valid');
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
});
