import { expect, test } from '@playwright/test';
import { createTeam, invite, orgSlugOf, signUp, signUpAndAccept, stamp, uniqueEmail } from './helpers';

test.describe.configure({ timeout: 120_000 });

test('an owner manages roles, team membership, invitations and organizations', async ({ page, browser }) => {
  const s = stamp();
  await signUp(page, { name: 'Mara Manager', email: uniqueEmail('manager'), organizationName: `Managed ${s}` });
  const org = orgSlugOf(page);

  const colleague = uniqueEmail('colleague');
  const invitePath = await invite(page, org, colleague, 'member');
  const context = await browser.newContext();
  await signUpAndAccept(await context.newPage(), invitePath, 'Cole Colleague');
  await context.close();

  // Change a role.
  await page.reload();
  const row = page.getByTestId('member-row').filter({ hasText: colleague });
  await row.getByRole('combobox').selectOption('admin');
  await expect(page.getByTestId('toast').filter({ hasText: 'Role updated' })).toBeVisible();
  await page.reload();
  await expect(row.getByRole('combobox')).toHaveValue('admin');

  // Withdraw a pending invitation, after confirming.
  const pending = uniqueEmail('pending');
  await invite(page, org, pending, 'viewer');
  const invitation = page.getByTestId('invitation-row').filter({ hasText: pending });
  await invitation.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(invitation).toBeVisible();
  await invitation.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(invitation).toHaveCount(0);

  // Add the colleague to a team as maintainer, then take them out again.
  await createTeam(page, org, 'Platform');
  await page.getByLabel('Organization member').selectOption({ label: `Cole Colleague (${colleague})` });
  await page.getByLabel('Team role').selectOption('maintainer');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const teamRow = page.getByTestId('team-member-row').filter({ hasText: colleague });
  await expect(teamRow).toContainText('Maintainer');
  await teamRow.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
  await expect(teamRow).toHaveCount(0);

  // Remove the colleague from the organization.
  await page.goto(`/o/${org}/members`);
  await page.getByRole('button', { name: `Remove ${colleague}` }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Remove member' }).click();
  await expect(page.getByTestId('member-row').filter({ hasText: colleague })).toHaveCount(0);

  // A second organization, reached through the switcher.
  await page.goto(`/o/${org}/settings`);
  await page.getByLabel('Organization name').fill(`Side Project ${s}`);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByTestId('current-org')).toHaveText(`Side Project ${s}`);
  const side = orgSlugOf(page);
  expect(side).not.toBe(org);
  await page.getByRole('button', { name: 'Switch organization' }).click();
  await page.getByRole('menuitem', { name: new RegExp(`Managed ${s}`) }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}$`));
  await expect(page.getByTestId('current-org')).toHaveText(`Managed ${s}`);
});
