import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// Debian's Chromium (installed by .ci/run) instead of a browser download.
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const executablePath = process.env.CHROMIUM_PATH || systemChromium;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // A subfolder: Playwright empties its output dir, and vitest's report sits in test-results/.
  outputDir: 'test-results/playwright',
  // Starts the whole platform (scripts/run.ts) on free ports with a fresh GANTRY_HOME.
  globalSetup: './e2e/support/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // The platform and the browsers share two cores.
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL: process.env.GANTRY_E2E_BASE_URL,
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'chromium', testIgnore: 'limits/**', use: { ...devices['Desktop Chrome'] } },
    // Uses up the client's sign-in allowance, so it runs after everything else.
    { name: 'limits', testMatch: 'limits/**/*.spec.ts', dependencies: ['chromium'] },
  ],
});
