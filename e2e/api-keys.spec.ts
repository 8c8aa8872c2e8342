import { expect, test } from '@playwright/test';
import { createProject, createTeam, graphqlAs, orgSlugOf, signUp, stamp, uniqueEmail } from './helpers';

test('a new user creates an API key, uses it from a script, and revokes it', async ({ page, request }) => {
  const s = stamp();
  await signUp(page, { name: 'Ada Keys', email: uniqueEmail('keys'), organizationName: `Keys Lab ${s}` });
  const org = orgSlugOf(page);

  await createTeam(page, org, 'Vision');
  await createProject(page, 'Defect detection', 'Finds scratches on the assembly line');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();
  await expect(page.getByText('No API keys yet')).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('CI pipeline');
  await page.getByRole('checkbox', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Create key' }).click();

  const secretBox = page.getByTestId('api-key-secret-box');
  await expect(secretBox).toContainText('only time the full key is shown');
  const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
  expect(secret).toMatch(/^gty_/);
  const row = page.getByTestId('api-key-row').filter({ hasText: 'CI pipeline' });
  await expect(row.getByTestId('api-key-status')).toHaveText('Active');

  // A script with the key sees the organization's data, as that user.
  const ok = await graphqlAs(request, secret, '{ viewer { authMethod user { email } } projects { edges { node { name team { name } } } } }');
  expect(ok.status).toBe(200);
  expect(ok.body.errors).toBeUndefined();
  const data = ok.body.data as { viewer: { authMethod: string }; projects: { edges: { node: { name: string; team: { name: string } } }[] } };
  expect(data.viewer.authMethod).toBe('API_KEY');
  expect(data.projects.edges.map((e) => e.node)).toEqual([{ name: 'Defect detection', team: { name: 'Vision' } }]);

  // Revoking asks first, then the key stops working at once.
  await row.getByRole('button', { name: 'Revoke' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('Revoke “CI pipeline”?');
  await dialog.getByRole('button', { name: 'Revoke key' }).click();
  await expect(row.getByTestId('api-key-status')).toHaveText('Revoked');
  await expect(row.getByRole('button', { name: 'Revoke' })).toHaveCount(0);

  const denied = await graphqlAs(request, secret, '{ viewer { user { email } } }');
  expect(denied.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(denied.body.data ?? null).toBeNull();
});
