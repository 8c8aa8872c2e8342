import { expect, test } from '@playwright/test';
import { createProject, createTeam, graphqlAs, invite, orgSlugOf, screenshot, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

// A tour of the main pages with realistic data; the PNGs under test-results/screenshots/
// are kept as artifacts for reviewing the UI.
test('tour of the main pages', async ({ page, browser, request }) => {
  test.setTimeout(180_000);

  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in to Gantry' })).toBeVisible();
  await screenshot(page, '01-signin');
  await page.goto('/signup');
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  await screenshot(page, '02-signup');

  await signUp(page, { name: 'Grace Hopper', email: uniqueEmail('grace'), organizationName: `Northwind ML ${stamp()}` });
  const org = orgSlugOf(page);

  await createTeam(page, org, 'Recommendations');
  const projectPath = await createProject(page, 'Home feed ranking', 'Click-through model for the home feed');
  await createProject(page, 'Similar items', 'Item-to-item retrieval');
  await createTeam(page, org, 'Fraud');
  await createProject(page, 'Card fraud scoring', 'Real-time transaction risk');

  const invitePath = await invite(page, org, uniqueEmail('linus'), 'member');
  const context = await browser.newContext();
  const teammate = await context.newPage();
  await teammate.goto(invitePath);
  await expect(teammate.getByTestId('invite-org-name')).toBeVisible();
  await screenshot(teammate, '13-invite');
  await signUpAndAccept(teammate, invitePath, 'Linus Lindqvist');
  await context.close();
  await invite(page, org, uniqueEmail('margaret'), 'admin');
  await expect(page.getByTestId('member-row')).toHaveCount(2);
  await expect(page.getByTestId('invite-link-box')).toBeVisible();
  await screenshot(page, '04-members');

  await page.goto(`/o/${org}`);
  await expect(page.getByTestId('stat-projects')).toHaveText('3');
  await screenshot(page, '03-overview');

  await page.goto(`/o/${org}/teams`);
  await expect(page.getByTestId('team-list').getByRole('link')).toHaveCount(2);
  await screenshot(page, '05-teams');

  await page.getByTestId('team-list').getByRole('link', { name: /Recommendations/ }).click();
  await expect(page.getByTestId('team-projects').getByRole('link')).toHaveCount(2);
  await screenshot(page, '06-team');

  await page.goto(`/o/${org}/projects`);
  await expect(page.getByTestId('project-row')).toHaveCount(3);
  await screenshot(page, '07-projects');

  await page.goto(projectPath);
  await expect(page.getByTestId('project-name')).toHaveText('Home feed ranking');
  await screenshot(page, '08-project');

  await page.goto(`/o/${org}/settings/api-keys`);
  await page.getByLabel('Name', { exact: true }).fill('Nightly retraining');
  await page.getByRole('checkbox', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('api-key-secret')).toContainText('gty_');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, '09-api-keys');

  // A tool using the key adds enough events (10 so far + 16) for the audit log to page at 25.
  const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
  for (let i = 1; i <= 16; i++) {
    const { body } = await graphqlAs(request, secret, `mutation { createTeam(input: { name: "Batch scoring ${i}" }) { id } }`);
    expect(body.errors).toBeUndefined();
  }

  await page.goto(`/o/${org}/audit`);
  await expect(page.getByTestId('audit-row')).toHaveCount(25);
  await expect(page.getByTestId('audit-row').first()).toContainText('API key');
  await page.getByRole('button', { name: 'Load older' }).click();
  await expect(page.getByTestId('audit-row')).toHaveCount(26);
  await expect(page.getByText('Beginning of the log')).toBeVisible();
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.getByTestId('chain-result')).toContainText('Chain intact');
  await screenshot(page, '10-audit');

  await page.goto(`/o/${org}/settings`);
  await screenshot(page, '11-settings');

  const notFound = await page.goto(`/o/${org}/projects/project_missing`);
  expect(notFound?.status()).toBe(404);
  await screenshot(page, '12-not-found');

  await page.goto(invitePath);
  await expect(page.getByTestId('invite-error')).toBeVisible();
  await screenshot(page, '14-invite-used');
});
