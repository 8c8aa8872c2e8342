import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/lib/net';
import { runToEnd, startManaged, waitForHttp } from './cleanup';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON = process.env.BENCH_PYTHON || 'python3';
export const MLFLOW_VERSION = '3.17.2';

export interface HttpServer {
  url: string;
  describe: string;
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
 * Gantry's MLflow REST route in its own Node process (bench/gantry-http-server.ts), production
 * settings, on the bench database. One process, like the one mlflow server worker.
 */
export async function startGantryHttp(opts: { ownerUrl: string; appPassword: string; home: string; verbose: boolean }): Promise<HttpServer> {
  const port = await freePort();
  mkdirSync(opts.home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: opts.ownerUrl,
    DATABASE_APP_PASSWORD: opts.appPassword,
    DATABASE_APP_URL: undefined,
    AUTH_SECRET: randomBytes(32).toString('hex'),
    GANTRY_HOME: opts.home,
    LOG_LEVEL: 'warn',
    // The per-key limit (6000/min by default) would throttle a million-point run; the bench measures throughput, not the limiter.
    RATE_LIMIT_API_KEY_PER_MINUTE: '100000000',
  };
  const managed = startManaged('gantry-http', process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'gantry-http-server.ts')], { env, cwd: ROOT, verbose: opts.verbose });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 120_000, managed);
  return { url, describe: `Gantry's MLflow route handler (app/api/2.0/mlflow) in one Node process (bench/gantry-http-server.ts), NODE_ENV=production` };
}

/** `mlflow server` with its SQL backend on the bench Postgres (its own database), one worker. */
export async function startMlflowServer(opts: { backendUrl: string; dir: string; verbose: boolean }): Promise<HttpServer> {
  const port = await freePort();
  const artifacts = path.join(opts.dir, 'mlflow-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const backend = opts.backendUrl.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
  const args = ['-m', 'mlflow', 'server', '--backend-store-uri', backend, '--default-artifact-root', artifacts, '--host', '127.0.0.1', '--port', String(port), '--workers', '1'];
  const managed = startManaged('mlflow-server', PYTHON, args, {
    env: { ...process.env, MLFLOW_ENABLE_TELEMETRY: 'false', MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
    cwd: opts.dir,
    verbose: opts.verbose,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 240_000, managed);
  return { url, describe: `mlflow server ${MLFLOW_VERSION}, --workers 1, --backend-store-uri postgresql (same Postgres server, database "mlflow")` };
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
