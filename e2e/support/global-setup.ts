import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { freePort, sleep } from '../../scripts/lib/net';
import { forEachLine, isAlive, stopProcessGroup } from '../../scripts/lib/processes';
import { startTestStripe } from '../../testing/stripe';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOG_FILE = path.join(ROOT, 'test-results', 'e2e-platform.log');
/** Includes `next build` when the production build is missing or stale. */
const STARTUP_TIMEOUT_MS = 15 * 60_000;

/**
 * The PATH without Python virtualenvs (a `bin/` beside a `pyvenv.cfg`): CI puts the mlflow client's
 * first, for the tests that run it themselves. The platform's local jobs meet the machine's own
 * python3, as on a fresh machine, so the examples must bring their packages.
 */
function withoutVirtualenvs(searchPath: string | undefined): string {
  return (searchPath ?? '')
    .split(':')
    .filter((dir) => dir && !existsSync(path.join(dir, '..', 'pyvenv.cfg')))
    .join(':');
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Starts the whole platform the way a user does (`scripts/run.ts`, production build)
 * on free ports with a throwaway GANTRY_HOME, and a throwaway database when
 * DATABASE_URL points at an external server. Set GANTRY_E2E_BASE_URL to test a
 * platform that is already running instead.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.GANTRY_E2E_BASE_URL) return async () => {};

  const home = mkdtempSync(path.join(os.tmpdir(), 'gantry-e2e-'));
  // As root, the embedded PostgreSQL runs as the `postgres` user, which must reach $GANTRY_HOME/pg.
  chmodSync(home, 0o755);
  const [port, pgPort, temporalPort, temporalUiPort, gatewayPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;

  let dropDatabase = async () => {};
  let databaseUrl: string | undefined;
  const external = process.env.DATABASE_URL;
  if (external) {
    const name = `gantry_e2e_${randomBytes(6).toString('hex')}`;
    const admin = postgres(external, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    databaseUrl = withDatabase(external, name);
    dropDatabase = async () => {
      const sql = postgres(external, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    };
  }

  // Billing is on, against stripe-mock: the stories run under the Free plan's limits, and e2e/billing.spec.ts subscribes.
  const stripe = await startTestStripe();

  mkdirSync(path.dirname(LOG_FILE), { recursive: true });
  const logStream = createWriteStream(LOG_FILE);
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: withoutVirtualenvs(process.env.PATH),
    PORT: String(port),
    GANTRY_HOME: home,
    GANTRY_PG_PORT: String(pgPort),
    GANTRY_TEMPORAL_PORT: String(temporalPort),
    GANTRY_TEMPORAL_UI_PORT: String(temporalUiPort),
    GATEWAY_PORT: String(gatewayPort),
    GANTRY_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
    GANTRY_PUBLIC_URL: baseUrl,
    NEXT_TELEMETRY_DISABLED: '1',
    // Every story signs up from 127.0.0.1; e2e/limits/ checks that the limits hold.
    RATE_LIMIT_AUTH_PER_MINUTE: '100',
    RATE_LIMIT_API_KEY_PER_MINUTE: '3000',
    // The demo organization without its background jobs: stories run their own jobs, and the demo's
    // Python jobs would compete with them for the CPU (core/demo/seed-demo.test.ts covers those).
    GANTRY_SEED_DEMO: 'data',
    ...stripe.env,
  };
  delete env.NODE_ENV;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;

  console.log(`e2e: starting the platform at ${baseUrl} (GANTRY_HOME=${home}; log: ${path.relative(ROOT, LOG_FILE)})`);
  // `node --import tsx` rather than the tsx CLI: signals then reach run.ts directly.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'run.ts')], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const recent: string[] = [];
  const onLine = (line: string) => {
    logStream.write(`${line}\n`);
    recent.push(line);
    if (recent.length > 60) recent.shift();
    if (line.startsWith('[gantry]') && line.trim() !== '[gantry]') console.log(`e2e: ${line}`);
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exitCode = code), resolve())));

  const teardown = async () => {
    const pid = child.pid;
    if (pid && exitCode === undefined) {
      // run.ts stops its children, Temporal and PostgreSQL in order on SIGTERM.
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(60_000)]);
    }
    if (pid) await stopProcessGroup(pid, 'SIGKILL', 5_000);
    await new Promise<void>((resolve) => logStream.end(resolve));
    await dropDatabase();
    await stripe.server.stop();
    rmSync(home, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (exitCode !== undefined) throw new Error(`scripts/run.ts exited (code ${exitCode}) before the platform was healthy`);
      if (Date.now() > deadline) throw new Error(`the platform did not report ready at ${baseUrl}/api/health within ${STARTUP_TIMEOUT_MS / 60_000} minutes`);
      try {
        // The web app answers before Temporal is up (`degraded`); the stories also run jobs, so they wait for `ready`.
        const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(10_000) });
        if (res.ok && ((await res.json()) as { status?: string }).status === 'ready') break;
      } catch {
        // not up yet
      }
      await sleep(1000);
    }
  } catch (err) {
    await teardown();
    throw new Error(`${(err as Error).message}\nLast platform output:\n${recent.join('\n')}`);
  }

  process.env.GANTRY_E2E_BASE_URL = baseUrl;
  process.env.GANTRY_E2E_GATEWAY_URL = `http://127.0.0.1:${gatewayPort}`;
  return async () => {
    if (child.pid && isAlive(child.pid) && exitCode === undefined) console.log('e2e: stopping the platform');
    await teardown();
  };
}
