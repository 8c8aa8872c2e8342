import { expect, test } from '@playwright/test';
import { screenshot } from './helpers';

/**
 * As someone trying Gantry, I sign in with the demo login the launcher printed and find an ML
 * team's organization rather than an empty one: an experiment of two dozen training runs with their
 * curves, and a registered model whose versions came from the best runs, with champion and
 * challenger. (The suite's platform seeds the demo without its background jobs; those are covered
 * by core/demo/seed-demo.test.ts.)
 */
test('the demo login opens an organization with trained runs and a model with champion and challenger', async ({ page }) => {
  await page.goto('/signin');
  await page.getByLabel('Email').fill('demo@gantry.dev');
  await page.getByLabel('Password').fill('gantry-demo-2026');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/o\/[^/]+$/, { timeout: 30_000 });
  const base = new URL(page.url()).pathname;

  await page.goto(`${base}/experiments`);
  await page.getByRole('link', { name: /home-feed-ctr/ }).first().click();
  await expect(page.getByTestId('experiment-name')).toHaveText('home-feed-ctr');
  await expect(page.getByTestId('runs-count')).toContainText('24 runs');
  await screenshot(page, 'demo-experiment');

  await page.getByRole('link', { name: 'mlp8-lr1', exact: true }).click();
  await expect(page.getByTestId('run-name')).toHaveText('mlp8-lr1');
  for (const metric of ['val_auc', 'val_loss', 'train_loss_smoothed']) await expect(page.getByText(metric, { exact: true }).first()).toBeVisible();
  await screenshot(page, 'demo-run');

  await page.goto(`${base}/models`);
  await page.getByRole('link', { name: /home-feed-ctr/ }).first().click();
  await expect(page.locator('[data-testid="alias-card"][data-alias="champion"]').getByTestId('alias-target')).toContainText('v2');
  await expect(page.locator('[data-testid="alias-card"][data-alias="challenger"]').getByTestId('alias-target')).toContainText('v3');
  await screenshot(page, 'demo-model');
});
