import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/lib/net';
import { buildNeeded } from '../../scripts/lib/next-build';
import { runToEnd, startManaged, waitForHttp } from './cleanup';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON = process.env.BENCH_PYTHON || 'python3';
export const MLFLOW_VERSION = '3.17.2';

export interface HttpServer {
  url: string;
  describe: string;
  /** Its process group (the server and any workers it forks), for CPU accounting. */
  pgid: number | undefined;
}

/** The mlflow package the baseline needs, or why it cannot run. */
export async function checkMlflow(): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  try {
    const { stdout } = await runToEnd(PYTHON, ['-c', 'import mlflow, psycopg2, sqlalchemy; from mlflow.server import app; print(mlflow.__version__)']);
    const version = stdout.trim();
    if (version !== MLFLOW_VERSION) return { ok: true, version: `${version} (bench/requirements.txt pins ${MLFLOW_VERSION})` };
    return { ok: true, version };
  } catch (err) {
    return { ok: false, why: `the full mlflow server is not importable with ${PYTHON} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); install bench/requirements.txt` };
  }
}

/**
 * The real web process, as `npm start` runs it: scripts/web-server.ts serving the production
 * Next.js build (built first when it is missing or older than the sources, as `npm start` does),
 * on the bench database. One process, like the one mlflow server worker. No Temporal: the
 * tracking API does not use it.
 */
export async function startGantryWeb(opts: { ownerUrl: string; appPassword: string; home: string; verbose: boolean; log: (m: string) => void }): Promise<HttpServer> {
  const reason = buildNeeded(ROOT);
  if (reason) {
    opts.log(`web: running next build (${reason})…`);
    const started = Date.now();
    await runToEnd(process.execPath, [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    });
    opts.log(`web: next build done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const port = await freePort();
  mkdirSync(opts.home, { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  const secret = randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: opts.ownerUrl,
    DATABASE_APP_PASSWORD: opts.appPassword,
    DATABASE_APP_URL: undefined,
    DATABASE_POOL_MAX: undefined,
    AUTH_SECRET: secret,
    NEXTAUTH_SECRET: secret,
    NEXTAUTH_URL: url,
    GANTRY_PUBLIC_URL: url,
    GANTRY_HOME: opts.home,
    LOG_LEVEL: undefined,
    NEXT_TELEMETRY_DISABLED: '1',
    // The per-key limit (6000/min by default) would throttle a million-point run; the bench measures throughput, not the limiter.
    RATE_LIMIT_API_KEY_PER_MINUTE: '100000000',
  };
  // BENCH_WEB_NODE_ARGS adds Node flags to the web process only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (process.env.BENCH_WEB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const managed = startManaged('gantry-web', process.execPath, [...extra, '--import', 'tsx', path.join('scripts', 'web-server.ts')], { env, cwd: ROOT, verbose: opts.verbose });
  // The route the bench drives answering (401 without a key) means the web app is up.
  await waitForHttp(`${url}/api/2.0/mlflow/experiments/search`, 120_000, managed);
  return {
    url,
    pgid: managed.child.pid,
    describe: 'the web process as `npm start` runs it (scripts/web-server.ts around the production Next.js build, NODE_ENV=production, default log level), one Node process',
  };
}

/** `mlflow server` with its SQL backend on the bench Postgres (its own database), `workers` worker processes. */
export async function startMlflowServer(opts: { backendUrl: string; dir: string; verbose: boolean; workers: number }): Promise<HttpServer> {
  const port = await freePort();
  const artifacts = path.join(opts.dir, 'mlflow-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const backend = opts.backendUrl.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
  const args = ['-m', 'mlflow', 'server', '--backend-store-uri', backend, '--default-artifact-root', artifacts, '--host', '127.0.0.1', '--port', String(port), '--workers', String(opts.workers)];
  const managed = startManaged('mlflow-server', PYTHON, args, {
    env: { ...process.env, MLFLOW_ENABLE_TELEMETRY: 'false', MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
    cwd: opts.dir,
    verbose: opts.verbose,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 240_000, managed);
  return { url, pgid: managed.child.pid, describe: `mlflow server ${MLFLOW_VERSION}, --workers ${opts.workers}, --backend-store-uri postgresql (same Postgres server, database "mlflow")` };
}

/** JSON over HTTP, failing loudly on an error answer. */
export async function httpJson<T>(url: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(600_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} -> ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
