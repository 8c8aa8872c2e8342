import { expect, test } from '@playwright/test';
import { createProject, createTeam, graphqlInPage, invite, orgSlugOf, screenshot, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

// Two users sign up in two browsers: slower than the default budget on a small machine.
test.describe.configure({ timeout: 120_000 });

test('a viewer cannot create teams, in the UI or through the API', async ({ page, browser }) => {
  await signUp(page, { name: 'Owen Owner', email: uniqueEmail('owner'), organizationName: `Read Only ${stamp()}` });
  const org = orgSlugOf(page);
  const invitePath = await invite(page, org, uniqueEmail('viewer'), 'viewer');

  const context = await browser.newContext();
  const viewer = await context.newPage();
  await signUpAndAccept(viewer, invitePath, 'Vera Viewer');
  expect(orgSlugOf(viewer)).toBe(org);

  await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teams' }).click();
  await expect(viewer.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
  await expect(viewer.getByTestId('team-create-locked')).toContainText('Creating teams needs an admin');
  await expect(viewer.getByTestId('team-create-locked')).toContainText('viewer');
  await expect(viewer.getByRole('button', { name: 'Create team' })).toHaveCount(0);
  await expect(viewer.getByLabel('Team name')).toHaveCount(0);
  await screenshot(viewer, '15-teams-as-viewer');

  // The server enforces the same rule for the viewer's own session.
  const orgId = (await viewer.locator('[data-org-id]').getAttribute('data-org-id'))!;
  const answer = await graphqlInPage(viewer, orgId, 'mutation { createTeam(input: { name: "Shadow team" }) { id } }');
  expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

  // The audit log is for admins: the viewer gets an explanation, not data, and no links to it.
  await viewer.goto(`/o/${org}/audit`);
  await expect(viewer.getByText('The audit log is for admins only')).toBeVisible();
  await viewer.goto(`/o/${org}/members`);
  await expect(viewer.getByTestId('member-row')).toHaveCount(2);
  await expect(viewer.getByRole('link', { name: /^Activity of / })).toHaveCount(0);
  await context.close();
});

test("another organization's project answers 404, and so does a project that does not exist", async ({ page, browser }) => {
  await signUp(page, { name: 'Alice A', email: uniqueEmail('alice'), organizationName: `Tenant A ${stamp()}` });
  const orgA = orgSlugOf(page);
  await createTeam(page, orgA, 'Forecasting');
  const projectPath = await createProject(page, 'Demand forecast');
  const own = await page.goto(projectPath);
  expect(own?.status()).toBe(200);
  await expect(page.getByTestId('project-name')).toHaveText('Demand forecast');

  const missing = await page.goto(`/o/${orgA}/projects/project_doesnotexist000000000`);
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();

  const context = await browser.newContext();
  const bob = await context.newPage();
  await signUp(bob, { name: 'Bob B', email: uniqueEmail('bob'), organizationName: `Tenant B ${stamp()}` });
  const response = await bob.goto(projectPath);
  expect(response?.status()).toBe(404);
  await expect(bob.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(bob.getByText('Demand forecast')).toHaveCount(0);

  // The same for the organization itself.
  const orgPage = await bob.goto(`/o/${orgA}/members`);
  expect(orgPage?.status()).toBe(404);
  await context.close();
});
