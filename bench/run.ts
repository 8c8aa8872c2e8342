/**
 * `npm run bench [-- ingest|read|search|jobs|serving|costs ...] [--scale 0.1] [--mlflow-scale 0.2] [--concurrency 4]
 *  [--client-processes 4] [--mlflow-workers 4] [--no-mlflow] [--verbose]`
 *
 * Starts a throwaway PostgreSQL, Gantry's web process (as `npm start` runs it) and a real
 * `mlflow server`, measures Gantry against baselines in the same run, prints absolute numbers and
 * ratios, writes JSON to test-results/bench/, and removes everything it started. See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createApiKey } from '../core/auth/create-api-key';
import { resetEnvCache } from '../config/env';
import { signUpUser } from '../testing/fixtures';
import { closeAppDb } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { benchCosts } from './costs';
import { benchIngest } from './ingest';
import { benchJobs } from './jobs';
import { cleanup, installSignalHandlers, interrupted, onCleanup } from './lib/cleanup';
import type { Bench } from './lib/context';
import { render } from './lib/report';
import { createDatabase, startBenchPostgres } from './lib/postgres';
import { checkMlflow, MLFLOW_VERSION, ROOT, startGantryWeb, startMlflowServer } from './lib/servers';
import { benchRead } from './read';
import { benchSearch } from './search';
import { benchServing } from './serving';

const PARTS = ['ingest', 'read', 'search', 'jobs', 'serving', 'costs'] as const;
type Part = (typeof PARTS)[number];
const APP_PASSWORD = 'gantry_bench_app_password';

function options() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      scale: { type: 'string', default: '1' },
      'mlflow-scale': { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      'client-processes': { type: 'string', default: '4' },
      // mlflow server's own default; 1 compares one server process with Gantry's one web process.
      'mlflow-workers': { type: 'string', default: '4' },
      'no-mlflow': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: npm run bench [-- ingest|read|search|jobs|serving|costs ...] [--scale 1] [--mlflow-scale 0.2] [--concurrency 4] [--client-processes 4] [--mlflow-workers 4] [--no-mlflow] [--verbose]');
    process.exit(0);
  }
  const bad = positionals.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (bad.length) throw new Error(`Unknown part(s) ${bad.join(', ')}: choose from ${PARTS.join(', ')}`);
  const num = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number between ${min} and ${max}`);
    return n;
  };
  const scale = num('scale', values.scale, 0.001, 10);
  return {
    parts: (positionals.length ? positionals : [...PARTS]) as Part[],
    scale,
    // Writing through the mlflow server is the slow part; by default it ingests a quarter of the workload (points/s stays comparable).
    mlflowScale: values['mlflow-scale'] !== undefined ? num('mlflow-scale', values['mlflow-scale'], 0.001, 10) : Math.min(scale, 0.25),
    concurrency: Math.round(num('concurrency', values.concurrency, 1, 64)),
    clientProcesses: Math.round(num('client-processes', values['client-processes'], 1, 32)),
    mlflowWorkers: Math.round(num('mlflow-workers', values['mlflow-workers'], 1, 32)),
    noMlflow: values['no-mlflow'],
    verbose: values.verbose,
  };
}

async function main(): Promise<void> {
  installSignalHandlers();
  const opts = options();
  const t0 = Date.now();
  const log = (m: string) => console.log(`[bench +${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`);
  const loadAtStart = os.loadavg()[0]!;
  log(`parts: ${opts.parts.join(', ')}; scale ${opts.scale}; ${os.cpus().length} CPUs; load average ${loadAtStart.toFixed(1)}`);

  const pg = await startBenchPostgres();
  const ownerUrl = await createDatabase(pg, 'gantry_bench');
  await migrateDatabase(ownerUrl, APP_PASSWORD);
  process.env.DATABASE_URL = ownerUrl;
  delete process.env.DATABASE_APP_URL;
  process.env.DATABASE_APP_PASSWORD = APP_PASSWORD;
  process.env.LOG_LEVEL = 'warn';
  process.env.GANTRY_HOME = path.join(pg.dir, 'home');
  // Pool big enough for the concurrent callers (the app's default is 10).
  process.env.DATABASE_POOL_MAX = String(Math.max(10, opts.concurrency + 2));
  resetEnvCache();
  onCleanup('app pool', closeAppDb);
  const owner = postgres(ownerUrl, { max: opts.concurrency + 2, onnotice: () => {} });
  onCleanup('owner pool', () => owner.end({ timeout: 5 }));
  log(`PostgreSQL on port ${pg.port} (embedded, ephemeral), database migrated`);

  const user = await signUpUser('bench');
  const { secret } = await createApiKey(user.ctx, { name: 'bench', scopes: ['read', 'write'], expiresInDays: 1 });

  const b: Bench = {
    scale: opts.scale,
    mlflowScale: opts.mlflowScale,
    concurrency: opts.concurrency,
    clientProcesses: opts.clientProcesses,
    mlflowWorkers: opts.mlflowWorkers,
    owner,
    pgPid: pg.pid,
    ctx: user.ctx,
    apiKey: secret,
    rows: [],
    ratios: [],
    notes: [],
    results: {},
    log,
  };

  // The jobs, serving and costs parts use neither server: run alone, they do not start them.
  const ownServers = (p: Part) => p === 'jobs' || p === 'serving' || p === 'costs';
  const skipMlflow = opts.noMlflow ? '--no-mlflow' : opts.parts.every(ownServers) ? `only ${opts.parts.join(' and ')} run` : null;
  const mlflowCheck = skipMlflow ? ({ ok: false, why: skipMlflow } as const) : await checkMlflow();
  const [gantryHttp, mlflow] = await Promise.all([
    opts.parts.every(ownServers) ? undefined : startGantryWeb({ ownerUrl, appPassword: APP_PASSWORD, home: path.join(pg.dir, 'gantry-web-home'), verbose: opts.verbose, log }),
    mlflowCheck.ok
      ? createDatabase(pg, 'mlflow').then(async (mlUrl) => {
          b.mlflowDb = postgres(mlUrl, { max: 2, onnotice: () => {} });
          onCleanup('mlflow db pool', () => b.mlflowDb!.end({ timeout: 5 }));
          return startMlflowServer({ backendUrl: mlUrl, dir: pg.dir, verbose: opts.verbose, workers: opts.mlflowWorkers });
        })
      : undefined,
  ]);
  b.gantryHttp = gantryHttp;
  b.mlflow = mlflow;
  if (!mlflowCheck.ok) {
    b.mlflowMissing = mlflowCheck.why;
    b.notes.push(`No mlflow client or server measurements: ${mlflowCheck.why}.`);
    if (gantryHttp) log(`server up: Gantry ${gantryHttp.url}`);
  } else {
    log(`servers up: Gantry ${gantryHttp!.url}, mlflow ${mlflowCheck.version} ${mlflow!.url}`);
  }

  for (const part of opts.parts) {
    if (part === 'ingest') await benchIngest(b);
    if (part === 'read') await benchRead(b);
    if (part === 'search') await benchSearch(b);
    if (part === 'jobs') await benchJobs(b);
    if (part === 'costs') await benchCosts(b);
    if (part === 'serving') await benchServing(b, { ownerUrl, appPassword: APP_PASSWORD, verbose: opts.verbose, noPython: opts.noMlflow });
  }

  b.notes.push(
    `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; every server and client shares it, so absolute numbers are low and ratios are what to compare. 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end (other work on the machine adds noise).`,
    `Postgres: one embedded PostgreSQL (db/embedded.ts, ephemeral: fsync and synchronous_commit off)${mlflow ? ' for Gantry and the mlflow server (database "mlflow")' : ''}.`,
  );
  if (gantryHttp) b.notes.push(`Gantry HTTP: ${gantryHttp.describe}.`);
  if (mlflow) b.notes.push(`MLflow: ${mlflow.describe}.`);
  if (mlflow && opts.parts.includes('ingest') && b.mlflowScale < b.scale) {
    b.notes.push(`The mlflow server ingested ${Math.round(b.mlflowScale * 100)}% of the workload (--mlflow-scale ${b.mlflowScale}) to keep the run short; points/s is still comparable.`);
  }
  b.notes.push('Latencies: sequential requests, one at a time, after warm-up; p50/p95 by nearest rank.');

  const text = render(b.rows, b.ratios, b.notes);
  console.log(`\nGantry benchmark — scale ${opts.scale} — ${new Date().toISOString()}\n`);
  console.log(text);

  const outDir = path.join(ROOT, 'test-results', 'bench');
  mkdirSync(outDir, { recursive: true });
  const report = { at: new Date().toISOString(), options: opts, mlflowVersion: mlflow ? MLFLOW_VERSION : null, rows: b.rows, ratios: b.ratios, notes: b.notes, results: b.results };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(outDir, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON: ${path.relative(ROOT, path.join(outDir, `bench-${stamp}.json`))} (also latest.json); took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main()
  .then(async () => {
    await cleanup();
    process.exit(0);
  })
  .catch(async (err: unknown) => {
    if (interrupted()) return; // the signal handler cleans up and exits
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanup();
    process.exit(1);
  });
