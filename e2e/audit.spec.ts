import { expect, test, type Page } from '@playwright/test';
import { auditHref } from '../app/lib/audit-filter';
import { createProject, createTeam, graphqlAs, graphqlInPage, orgSlugOf, screenshot, signUp, stamp, uniqueEmail } from './helpers';

test.describe.configure({ timeout: 180_000 });

/** The action badge of every listed event. */
async function actionsShown(page: Page): Promise<string[]> {
  return page.getByTestId('audit-row').getByRole('button', { name: /^Show only .+ events$/ }).allTextContents();
}

test('an admin narrows the audit log to who did what to which object, and when', async ({ page, request }) => {
  const s = stamp();
  const email = uniqueEmail('auditor');
  await signUp(page, { name: 'Grace Auditor', email, organizationName: `Audited ${s}` });
  const org = orgSlugOf(page);

  await createTeam(page, org, 'Vision');
  await createProject(page, 'Defect detection');
  await createTeam(page, org, 'Forecasting');
  const demandPath = await createProject(page, 'Demand forecast');
  const demandId = demandPath.split('/').pop()!;

  // The owner steps down to a plain member of Vision: a second kind of team action.
  const orgId = (await page.locator('[data-org-id]').getAttribute('data-org-id'))!;
  const me = await graphqlInPage(page, orgId, '{ viewer { user { id } } teams { edges { node { id name } } } }');
  const { viewer, teams } = me.data as { viewer: { user: { id: string } }; teams: { edges: { node: { id: string; name: string } }[] } };
  const visionId = teams.edges.find((e) => e.node.name === 'Vision')!.node.id;
  const stepDown = await graphqlInPage(page, orgId, `mutation { addTeamMember(input: { teamId: "${visionId}", userId: "${viewer.user.id}", role: member }) { id } }`);
  expect(stepDown.errors).toBeUndefined();

  await page.goto(`/o/${org}/settings/api-keys`);
  await page.getByLabel('Name', { exact: true }).fill('Nightly sync');
  await page.getByRole('checkbox', { name: /Write/ }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();

  // A tool with the key makes a team and a project in it.
  const team = await graphqlAs(request, secret, `mutation { createTeam(input: { name: "Synced ${s}" }) { id } }`);
  expect(team.body.errors).toBeUndefined();
  const teamId = (team.body.data as { createTeam: { id: string } }).createTeam.id;
  const project = await graphqlAs(request, secret, `mutation { createProject(input: { teamId: "${teamId}", name: "Synced data" }) { id } }`);
  expect(project.body.errors).toBeUndefined();

  await page.goto(`/o/${org}/audit`);
  const rows = page.getByTestId('audit-row');
  const filters = page.getByRole('search', { name: 'Filter events' });
  const actionSelect = filters.getByLabel('Action', { exact: true });
  const actorSelect = filters.getByLabel('Actor', { exact: true });
  const targetTypeSelect = filters.getByLabel('Target type', { exact: true });
  const targetIdInput = filters.getByLabel('Target ID', { exact: true });
  const fromInput = filters.getByLabel('From', { exact: true });
  const toInput = filters.getByLabel('To', { exact: true });
  await expect(rows.first()).toContainText('project.create');
  const total = await rows.count();
  expect(total).toBeGreaterThanOrEqual(8);
  await expect(page.getByTestId('audit-filter-summary')).toHaveCount(0);

  // One action.
  await actionSelect.selectOption('project.create');
  await expect(page).toHaveURL(/[?&]action=project\.create(&|$)/);
  await expect(rows).toHaveCount(3);
  expect(await actionsShown(page)).toEqual(['project.create', 'project.create', 'project.create']);
  await expect(page.getByTestId('audit-filter-summary')).toContainText('Showing 3 events matching');

  // A family: every team.… action, and nothing else.
  await actionSelect.selectOption('team.*');
  await expect(page).toHaveURL(/[?&]action=team\.\*(&|$)/);
  await expect(actionSelect.locator('option:checked')).toHaveText(/^team\.\* \(all team actions, \d+\)$/);
  await expect(rows).toHaveCount(4);
  expect((await actionsShown(page)).sort()).toEqual(['team.create', 'team.create', 'team.create', 'team.member_set']);

  // The API key as the actor: only what the tool did.
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(total);
  const keyOption = page.locator('#audit-actor optgroup[label="API keys"] option');
  await expect(keyOption).toHaveCount(1);
  // Known by its name and prefix, then its owner.
  await expect(keyOption).toHaveText(new RegExp(`^Nightly sync · gty_\\w+ · ${email.replace(/[.+]/g, '\\$&')} \\(2\\)$`));
  await actorSelect.selectOption((await keyOption.getAttribute('value'))!);
  await expect(page).toHaveURL(/[?&]apiKey=key_/);
  await expect(rows).toHaveCount(2);
  expect(await actionsShown(page)).toEqual(['project.create', 'team.create']);
  await expect(rows.filter({ hasText: 'API key' })).toHaveCount(2);
  await expect(page.getByTestId('audit-filter-summary')).toContainText('with API key');

  // An object by its ID, typed (or pasted) once its type is chosen.
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await expect(targetIdInput).toBeDisabled();
  await targetTypeSelect.selectOption('team');
  await targetIdInput.fill(teamId);
  await expect(page).toHaveURL(new RegExp(`[?&]targetType=team&targetId=${teamId}$`));
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('team.create');

  // The target of a row: everything that happened to the "Demand forecast" project.
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(total);
  const demandRow = rows.filter({ hasText: demandId });
  await demandRow.getByRole('button', { name: `Show only events on project ${demandId}` }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]targetType=project&targetId=${demandId}(&|$)`));
  await expect(rows).toHaveCount(1);
  await expect(rows.getByTestId('audit-target-id')).toHaveText(demandId);
  await expect(targetTypeSelect).toHaveValue('project');
  await expect(targetIdInput).toHaveValue(demandId);
  // Filtering from a row does not open it.
  await expect(rows.getByRole('button', { name: /Show details of event/ })).toHaveAttribute('aria-expanded', 'false');
  await rows.hover();
  await screenshot(page, 'audit-target');

  // From the keyboard: the action badge of a row adds its action to the filter.
  await rows.getByRole('button', { name: 'Show only project.create events' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/[?&]action=project\.create&targetType=project&targetId=/);
  await expect(rows).toHaveCount(1);
  await expect(rows.getByRole('button', { name: /Show details of event/ })).toHaveAttribute('aria-expanded', 'false');

  // A time range before anything happened: an empty result, not an empty log.
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(total);
  await fromInput.fill('2001-01-01T09:00');
  await toInput.fill('2001-01-31T18:00');
  await toInput.press('Enter');
  await expect(page).toHaveURL(/[?&]since=[^&]+&until=[^&]+$/);
  await expect(page.getByText('No events match these filters')).toBeVisible();
  await expect(page.getByText('No events yet')).toHaveCount(0);
  const url = new URL(page.url());
  expect(new Date(url.searchParams.get('since')!).getTime()).toBe(await page.evaluate(() => new Date('2001-01-01T09:00').getTime()));
  expect(new Date(url.searchParams.get('until')!).getTime()).toBe(await page.evaluate(() => new Date('2001-01-31T18:00:59.999').getTime()));
  await screenshot(page, 'audit-no-match');

  // From after To: the server's explanation, in the page.
  await fromInput.fill('2001-02-15T09:00');
  await fromInput.press('Enter');
  const problem = page.getByRole('alert').filter({ hasText: 'These filters cannot be applied' });
  await expect(problem).toContainText('since must not be after until');
  await expect(fromInput).toHaveAttribute('aria-invalid', 'true');
  await screenshot(page, 'audit-bad-filter');
  await problem.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(total);
  await expect(page).toHaveURL(new RegExp(`/o/${org}/audit$`));
  await expect(fromInput).toHaveValue('');

  // A filtered view is a link: it survives a reload.
  const keyValue = (await keyOption.getAttribute('value'))!;
  await actorSelect.selectOption(keyValue);
  await actionSelect.selectOption('team.*');
  await expect(rows).toHaveCount(1);
  expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(auditHref(org, { actions: ['team.*'], actorApiKeyId: keyValue.replace(/^key:/, '') }));
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'audit-filtered');

  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('team.create');
  await expect(rows).toContainText('API key');
  await expect(actionSelect).toHaveValue('team.*');
  await expect(actorSelect).toHaveValue(keyValue);
  await expect(page.getByTestId('audit-filter-summary')).toContainText('Showing 1 event matching');
  // Dropping one filter keeps the others.
  await page.getByRole('button', { name: 'Remove filter: action team.*' }).click();
  await expect(rows).toHaveCount(2);
  await expect(actorSelect).toHaveValue(keyValue);
  await expect(actionSelect).toHaveValue('');

  // Other pages link to the log the same way: a link built with auditHref…
  await page.goto(auditHref(org, { targetType: 'team', targetId: teamId }));
  await expect(rows).toHaveCount(1);
  await expect(rows.getByTestId('audit-target-id')).toHaveText(teamId);
  await expect(targetTypeSelect).toHaveValue('team');
  await expect(targetIdInput).toHaveValue(teamId);

  // …a project's History…
  await page.goto(demandPath);
  await page.getByRole('link', { name: 'History of this project' }).click();
  await expect(page).toHaveURL(auditHref(org, { targetType: 'project', targetId: demandId }));
  await expect(rows).toHaveCount(1);
  expect(await actionsShown(page)).toEqual(['project.create']);

  // …a team's History…
  await page.goto(`/o/${org}/teams/${teamId}`);
  await page.getByRole('link', { name: 'History of this team' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.getByTestId('audit-target-id')).toHaveText(teamId);

  // …an API key's Activity: what was done with it…
  await page.goto(`/o/${org}/settings/api-keys`);
  await page.getByRole('link', { name: 'Activity of key Nightly sync' }).click();
  await expect(actorSelect).toHaveValue(keyValue);
  await expect(rows).toHaveCount(2);
  expect(await actionsShown(page)).toEqual(['project.create', 'team.create']);

  // …and a member's Activity: everything they did, in the browser and with their keys.
  await page.goto(`/o/${org}/members`);
  await page.getByRole('link', { name: `Activity of ${email}` }).click();
  await expect(page).toHaveURL(/[?&]actor=usr_/);
  await expect(rows).toHaveCount(total);
});
