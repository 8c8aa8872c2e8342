import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { sleep } from '../scripts/lib/net';
import { isAlive, stopProcessGroup } from '../scripts/lib/processes';
import { freePorts, printTable, recordOf, startLauncher, waitHealthy, type Launched, type Ports } from './support/launcher';

/**
 * `npm run dev`, started three times over the same project as a developer does, with a browser
 * open and PostgreSQL and Temporal busy writing: the development server must not rebuild or
 * reload a page while no source changed. It once did, on every other restart: the web app
 * reloaded every page once or twice a second and never rendered past its skeletons.
 *
 * Runs in a copy of the project under test-results/ (sources copied, node_modules hard-linked):
 * a `next dev` holds a lock on its project's build directory, which a developer's own `npm run
 * dev` here would hold, and the test changes a source file at the end to show that it does see a
 * rebuild when there is one. The copy keeps the launcher's defaults, data directory included.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Not copied: what installs, builds, tests and runs leave in a checkout. */
const NOT_SOURCES = new Set(['node_modules', '.next', '.git', '.gantry', 'test-results', 'playwright-report']);

function copyProject(): string {
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, 'test-results', 'dev-launcher-'));
  // As root, the embedded PostgreSQL runs as `postgres`, which must reach the data directory inside.
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(ROOT)) {
    if (NOT_SOURCES.has(entry)) continue;
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true, filter: (src) => path.basename(src) !== '__pycache__' });
  }
  // Same filesystem as the checkout, so hard links work and cost nothing.
  execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')]);
  return dir;
}

/**
 * Writes to PostgreSQL and starts workflows nobody runs (each one writes Temporal's database) until
 * stopped; resolves with the number of rounds. A failure while it runs is the test's failure.
 */
function busyData(ports: Ports): { stop: () => Promise<number> } {
  let running = true;
  const done = (async () => {
    const sql = postgres(`postgres://postgres:gantry-embedded@127.0.0.1:${ports.pg}/gantry`, { max: 1, onnotice: () => {} });
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    const client = new Client({ connection });
    let writes = 0;
    try {
      await sql`create table if not exists dev_launcher_load (id bigserial primary key, at timestamptz not null default now(), pad text)`;
      while (running) {
        await sql`insert into dev_launcher_load (pad) values (${'x'.repeat(4000)})`;
        await client.workflow.start('devLauncherLoad', { taskQueue: 'dev-launcher-load', workflowId: `dev-launcher-load-${Date.now()}-${writes}` });
        writes++;
        await sleep(100);
      }
    } finally {
      await sql.end({ timeout: 5 });
      await connection.close();
    }
    return writes;
  })();
  // Held until stop() is awaited, so a failure is not reported twice.
  done.catch(() => undefined);
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}

interface Watch {
  page: Page;
  /** Full page loads so far: a reload the test did not ask for shows as one more. */
  loads: () => number;
  /** Update messages from the dev server telling the page to reload itself. */
  restarts: () => number;
}

/** A browser tab that counts its page loads and the dev server's reload orders. */
async function watchedPage(browser: Browser, base: string): Promise<Watch> {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  let loads = 0;
  let restarts = 0;
  page.on('load', () => loads++);
  page.on('websocket', (ws) => ws.on('framereceived', (f) => typeof f.payload === 'string' && f.payload.includes('"type":"restart"') && restarts++));
  return { page, loads: () => loads, restarts: () => restarts };
}

/** Runs `steps`, failing as soon as the dev server has told the page to reload a few times. */
async function untilReloadOrders<T>(tab: Watch, p: Launched, round: number, steps: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const looping = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (tab.restarts() >= 3) {
        reject(new Error(`start ${round}: the dev server keeps telling the page to reload (${tab.restarts()} times, ${compiledLines(p, 0).length} rebuilds):\n${p.output.slice(-20).join('\n')}`));
      }
    }, 500);
  });
  try {
    return await Promise.race([steps(), looping]);
  } finally {
    clearInterval(timer);
  }
}

/** Each start's output is kept for a look afterwards. */
const logOf = (round: number) => path.join(ROOT, 'test-results', `dev-launcher-start-${round}.log`);

/** The dev server's rebuild lines (`✓ Compiled in 35ms`), its colours aside. */
const compiledLines = (p: Launched, from: number) => p.output.slice(from).filter((l) => /✓ Compiled in\b/.test(l.replace(/\x1b\[[0-9;]*m/g, '')));

test('npm run dev, restarted with a browser open and busy databases, rebuilds nothing and reloads no page while no source changes', async ({ browser }) => {
  // Three development starts, each compiling the pages it is asked for: minutes each on a busy machine.
  test.setTimeout(20 * 60_000);
  const copy = copyProject();
  const ports = await freePorts();
  const base = `http://localhost:${ports.web}`;
  const rounds: [string, string][] = [];
  let launched: Launched | undefined;
  let busy: ReturnType<typeof busyData> | undefined;
  let round = 0;
  try {
    for (round = 1; round <= 3; round++) {
      // The defaults a developer gets, data directory included; the suite's Temporal CLI.
      const p = (launched = startLauncher({ root: copy, ports, dev: true, env: { GANTRY_PUBLIC_URL: base } }));
      await waitHealthy(p, ports, (h) => h.status === 'ready', 5 * 60_000);
      const from = p.output.length;
      const load = (busy = busyData(ports));
      const tab = await watchedPage(browser, base);
      const { page } = tab;

      // Compiling a page takes long on a busy machine; a page told to reload over and over fails at once.
      const org = await untilReloadOrders(tab, p, round, async () => {
        await page.goto('/signin', { waitUntil: 'networkidle', timeout: 300_000 });
        await expect(page.getByRole('heading', { name: 'Sign in to Gantry' })).toBeVisible();
        // Signed in through the auth API with the tab's cookies (the form is not what is under test).
        const request = page.context().request;
        const { csrfToken } = (await (await request.get('/api/auth/csrf')).json()) as { csrfToken: string };
        const signin = await request.post('/api/auth/callback/credentials', {
          form: { csrfToken, email: 'demo@gantry.dev', password: 'gantry-demo-2026', json: 'true', callbackUrl: base },
        });
        expect(signin.status()).toBe(200);
        await page.goto('/', { waitUntil: 'networkidle', timeout: 300_000 });
        await expect(page).toHaveURL(/\/o\/[^/]+$/, { timeout: 300_000 });
        const overview = new URL(page.url()).pathname;
        // A spread of pages, each compiled on its first visit: the loop followed a start that had compiled several.
        for (const section of ['experiments', 'models', 'jobs', 'projects']) {
          await page.goto(`${overview}/${section}`, { waitUntil: 'networkidle', timeout: 300_000 });
          await expect(page.getByRole('heading', { level: 1 })).toBeVisible({ timeout: 300_000 });
        }
        return overview;
      });
      // Idle with the page open while the databases write (once the page's own load has been counted).
      await page.goto(org, { waitUntil: 'networkidle', timeout: 300_000 });
      await sleep(2_000);
      const loadsBefore = tab.loads();
      await sleep(15_000);
      const reloads = tab.loads() - loadsBefore;
      const writes = await load.stop();
      busy = undefined;
      const compiled = compiledLines(p, from);
      rounds.push([`start ${round}`, `${compiled.length} rebuilds, ${reloads} reloads while idle, ${tab.restarts()} reload orders, ${writes} writes meanwhile`]);
      expect(compiled, `start ${round}: the dev server rebuilt with no source change:\n${p.output.slice(-30).join('\n')}`).toEqual([]);
      expect(tab.restarts(), `start ${round}: the dev server told the page to reload`).toBe(0);
      expect(reloads, `start ${round}: the open page reloaded itself`).toBe(0);

      if (round === 3) {
        // A real change is seen: the stylesheet gains a rule, the server rebuilds, the open page has it.
        const before = p.output.length;
        appendFileSync(path.join(copy, 'app', 'globals.css'), '\nbody { --dev-launcher-probe: 1; }\n');
        await expect.poll(() => compiledLines(p, before).length, { timeout: 120_000 }).toBeGreaterThan(0);
        await expect
          .poll(() => page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--dev-launcher-probe').trim()), { timeout: 60_000 })
          .toBe('1');
      }
      await page.context().close();

      // Ctrl-C, and everything it started is gone before the next start.
      writeFileSync(logOf(round), `${p.output.join('\n')}\n`);
      const pids = recordOf(path.join(copy, '.gantry')).children.map((c) => c.pid);
      process.kill(-p.proc.pid!, 'SIGINT');
      expect(await p.exited).toBe(0);
      await expect.poll(() => pids.filter(isAlive), { timeout: 30_000 }).toEqual([]);
      launched = undefined;
    }
    printTable('npm run dev, three starts of one project (busy PostgreSQL and Temporal, a browser open):', rounds);
  } finally {
    await busy?.stop().catch(() => undefined);
    if (launched) writeFileSync(logOf(round), `${launched.output.join('\n')}\n`);
    if (launched?.proc.pid && !launched.hasExited()) {
      process.kill(-launched.proc.pid, 'SIGINT');
      await Promise.race([launched.exited, sleep(60_000)]);
      await stopProcessGroup(launched.proc.pid, 'SIGKILL', 5_000);
    }
    rmSync(copy, { recursive: true, force: true });
  }
});
