import { expect, test } from '@playwright/test';
import { PASSWORD, orgSlugOf, signUp, stamp, uniqueEmail } from './helpers';

test('sign-up and sign-in explain what went wrong, and sign-in returns to the page asked for', async ({ page, browser }) => {
  const email = uniqueEmail('returning');
  await signUp(page, { name: 'Rita Returning', email, organizationName: `Return Co ${stamp()}` });
  const org = orgSlugOf(page);
  await expect(page.getByTestId('current-org')).toHaveText(/Return Co/);

  const context = await browser.newContext();
  const anon = await context.newPage();

  // Client-side checks mirror the server's rules before anything is sent.
  await anon.goto('/signup');
  await anon.getByLabel('Full name').fill('Someone Else');
  await anon.getByLabel('Work email').fill('not-an-email');
  await anon.getByLabel('Password').fill('short');
  await anon.getByRole('button', { name: 'Create account' }).click();
  await expect(anon.getByText('Enter a valid email address')).toBeVisible();
  await expect(anon.getByText('Password must be at least 10 characters')).toBeVisible();

  // The server's CONFLICT lands on the email field.
  await anon.getByLabel('Work email').fill(email);
  await anon.getByLabel('Password').fill(PASSWORD);
  await anon.getByRole('button', { name: 'Create account' }).click();
  await expect(anon.getByText('An account with this email already exists')).toBeVisible();
  await expect(anon.getByLabel('Work email')).toHaveAttribute('aria-invalid', 'true');

  // Signed out, an org page sends you to sign in and back again.
  await anon.goto(`/o/${org}/members`);
  await expect(anon).toHaveURL(/\/signin\?callbackUrl=%2Fo%2F.+%2Fmembers$/);
  await anon.getByLabel('Email').fill(email);
  await anon.getByLabel('Password').fill('not-the-password');
  await anon.getByRole('button', { name: 'Sign in' }).click();
  await expect(anon.getByText('Wrong email or password')).toBeVisible();
  await anon.getByLabel('Password').fill(PASSWORD);
  await anon.getByRole('button', { name: 'Sign in' }).click();
  await expect(anon).toHaveURL(new RegExp(`/o/${org}/members$`));
  await expect(anon.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();

  // Signing out ends the session.
  await anon.getByRole('button', { name: 'Account menu' }).click();
  await anon.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(anon).toHaveURL(/\/signin/);
  await anon.goto('/');
  await expect(anon).toHaveURL(/\/signin$/);
  await context.close();
});
