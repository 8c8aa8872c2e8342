import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { logBatch } from '../core/tracking/log-batch';
import { runToEnd } from './lib/cleanup';
import { BASE_TS, parallel, pointValue, type Bench } from './lib/context';
import { cpuMs } from './lib/cpu';
import { fmtInt } from './lib/report';
import { PYTHON, ROOT, httpJson, type HttpServer } from './lib/servers';

const METRICS = 10;
const STEPS = 1000;
const BATCH = 1000; // MLflow's limit of metrics per log-batch
const STEPS_PER_BATCH = BATCH / METRICS;

interface Throughput {
  points: number;
  seconds: number;
  pointsPerSecond: number;
  /** PostgreSQL's CPU per 1,000 points while the clock ran, where /proc tells. */
  postgresMsPer1000?: number;
}

/** PostgreSQL's CPU (ms) so far, or null where /proc does not tell. */
const postgresCpu = (b: Bench): number | null => (b.pgPid ? cpuMs({ parent: b.pgPid }) : null);
const per1000 = (before: number | null, after: number | null, points: number) => (before === null || after === null ? undefined : ((after - before) * 1000) / points);
const describePostgres = (t: Throughput) => (t.postgresMsPer1000 === undefined ? '' : `; PostgreSQL CPU ${t.postgresMsPer1000.toFixed(1)} ms per 1000 points`);

const throughput = (points: number, seconds: number): Throughput => ({ points, seconds, pointsPerSecond: points / seconds });

/** Every phase starts from an empty metrics table and a checkpoint, so none inherits another's index size or dirty pages. */
async function resetGantryMetrics(b: Bench): Promise<void> {
  await b.owner`truncate run_metrics, run_latest_metrics`;
  await b.owner`checkpoint`;
}

async function countGantryPoints(b: Bench): Promise<number> {
  const [r] = await b.owner<{ n: string }[]>`select count(*) as n from run_metrics`;
  return Number(r!.n);
}

async function makeRuns(b: Bench, experimentId: string, n: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await createRun(b.ctx, { experimentId, runName: `${label}-${i}` })).id);
  return ids;
}

/** Raw COPY as the owner: the same rows into the same table, `concurrency` streams. */
async function copyBaseline(b: Bench, runIds: string[]): Promise<Throughput> {
  await resetGantryMetrics(b);
  const orgId = b.ctx.orgId;
  const pgBefore = postgresCpu(b);
  const started = performance.now();
  await parallel(runIds.map((id, i) => [id, i] as const), b.concurrency, async ([runId, r]) => {
    function* rows() {
      for (let s = 0; s < STEPS; s += STEPS_PER_BATCH) {
        let chunk = '';
        for (let step = s; step < s + STEPS_PER_BATCH; step++) {
          for (let m = 0; m < METRICS; m++) chunk += `${orgId}\t${runId}\tm${m}\t${step}\t${BASE_TS + step * 1000}\t${pointValue(r, m, step)}\n`;
        }
        yield chunk;
      }
    }
    const writable = await b.owner`copy run_metrics (org_id, run_id, key, step, timestamp, value) from stdin`.writable();
    await pipeline(Readable.from(rows()), writable);
  });
  const seconds = (performance.now() - started) / 1000;
  const pgAfter = postgresCpu(b);
  const n = await countGantryPoints(b);
  if (n !== runIds.length * METRICS * STEPS) throw new Error(`COPY wrote ${n} points, expected ${runIds.length * METRICS * STEPS}`);
  return { ...throughput(n, seconds), postgresMsPer1000: per1000(pgBefore, pgAfter, n) };
}

/** The logBatch use case (what the MLflow log-batch route and the GraphQL logBatch mutation call), as the app role under RLS. */
async function logBatchPath(b: Bench, runIds: string[]): Promise<Throughput> {
  await resetGantryMetrics(b);
  const jobs: { runId: string; r: number; from: number }[] = [];
  for (let r = 0; r < runIds.length; r++) for (let s = 0; s < STEPS; s += STEPS_PER_BATCH) jobs.push({ runId: runIds[r]!, r, from: s });
  // Runs log side by side, as concurrent training jobs do: interleave the runs' batches.
  jobs.sort((x, y) => x.from - y.from || x.r - y.r);
  const pgBefore = postgresCpu(b);
  const started = performance.now();
  await parallel(jobs, b.concurrency, async ({ runId, r, from }) => {
    const metrics = [];
    for (let step = from; step < from + STEPS_PER_BATCH; step++) {
      for (let m = 0; m < METRICS; m++) metrics.push({ key: `m${m}`, value: pointValue(r, m, step), timestamp: BASE_TS + step * 1000, step });
    }
    await logBatch(b.ctx, { runId, metrics });
  });
  const seconds = (performance.now() - started) / 1000;
  const pgAfter = postgresCpu(b);
  const n = await countGantryPoints(b);
  if (n !== jobs.length * BATCH) throw new Error(`logBatch wrote ${n} points, expected ${jobs.length * BATCH}`);
  return { ...throughput(n, seconds), postgresMsPer1000: per1000(pgBefore, pgAfter, n) };
}

interface ClientResult {
  points: number;
  seconds: number;
  calls: number;
  processes: number;
  /** The client processes' own CPU while the clock ran. */
  clientCpuSeconds: number;
}

/** CPU used so far by one server (its process group) and by PostgreSQL, where /proc tells. */
interface CpuMark {
  server: number | null;
  postgres: number | null;
}

const cpuMark = (b: Bench, server: HttpServer): CpuMark => ({
  server: server.pgid ? cpuMs({ group: server.pgid }) : null,
  postgres: b.pgPid ? cpuMs({ parent: b.pgPid }) : null,
});

/** CPU per request in ms: the client processes' own (when reported), the server's and PostgreSQL's. */
interface CpuPerRequest {
  client?: number;
  server?: number;
  postgres?: number;
}

function cpuPerRequest(before: CpuMark, after: CpuMark, requests: number, clientSeconds?: number): CpuPerRequest {
  const per = (a: number | null, z: number | null) => (a === null || z === null ? undefined : (z - a) / requests);
  return {
    client: clientSeconds === undefined ? undefined : (clientSeconds * 1000) / requests,
    server: per(before.server, after.server),
    postgres: per(before.postgres, after.postgres),
  };
}

/** E.g. "; CPU per request: client 15.2 ms, server 7.1 ms, PostgreSQL 4.9 ms". */
function describeCpu(cpu: CpuPerRequest): string {
  const parts = (
    [
      ['client', cpu.client],
      ['server', cpu.server],
      ['PostgreSQL', cpu.postgres],
    ] as const
  ).flatMap(([name, ms]) => (ms === undefined ? [] : [`${name} ${ms.toFixed(1)} ms`]));
  return parts.length ? `; CPU per request: ${parts.join(', ')}` : '';
}

async function mlflowClient(b: Bench, server: HttpServer, experimentId: string, runs: number, token?: string): Promise<ClientResult & { cpu: CpuPerRequest }> {
  const env = { ...process.env, MLFLOW_TRACKING_TOKEN: token, MLFLOW_ENABLE_ASYNC_LOGGING: 'false' };
  if (!token) delete env.MLFLOW_TRACKING_TOKEN;
  const before = cpuMark(b, server);
  const { stdout } = await runToEnd(
    PYTHON,
    [path.join(ROOT, 'bench', 'mlflow_ingest.py'), server.url, experimentId, String(runs), String(METRICS), String(STEPS), String(b.clientProcesses)],
    { env },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as ClientResult;
  return { ...result, cpu: cpuPerRequest(before, cpuMark(b, server), result.calls, result.clientCpuSeconds) };
}

/**
 * The servers without the Python client's cost: `runs/log-batch` bodies encoded before the clock
 * starts, sent by `clientProcesses` concurrent fetch loops from this process.
 */
async function rawHttp(b: Bench, server: HttpServer, experimentId: string, runs: number, token?: string): Promise<Throughput & { cpu: CpuPerRequest }> {
  const base = server.url;
  const bodies: string[] = [];
  for (let r = 0; r < runs; r++) {
    const created = await httpJson<{ run: { info: { run_id: string } } }>(`${base}/api/2.0/mlflow/runs/create`, {
      body: { experiment_id: experimentId, run_name: `raw-${r}`, start_time: Date.now() },
      token,
    });
    const runId = created.run.info.run_id;
    for (let s = 0; s < STEPS; s += STEPS_PER_BATCH) {
      const metrics = [];
      for (let step = s; step < s + STEPS_PER_BATCH; step++) {
        for (let m = 0; m < METRICS; m++) metrics.push({ key: `m${m}`, value: pointValue(r, m, step), timestamp: BASE_TS + step * 1000, step });
      }
      bodies.push(JSON.stringify({ run_id: runId, metrics }));
    }
  }
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const before = cpuMark(b, server);
  const started = performance.now();
  await parallel(bodies, b.clientProcesses, async (body) => {
    const res = await fetch(`${base}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers, body });
    if (!res.ok) throw new Error(`log-batch on ${base} -> ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
  });
  const result = throughput(bodies.length * BATCH, (performance.now() - started) / 1000);
  return { ...result, cpu: cpuPerRequest(before, cpuMark(b, server), bodies.length) };
}

/** Requests each server answers before its first timed phase, so neither is measured cold (JIT, lazily loaded modules, pools). */
const WARM_UP_RUNS = 3;

async function warmUp(b: Bench, server: HttpServer, experimentId: string, token?: string): Promise<void> {
  await rawHttp(b, server, experimentId, WARM_UP_RUNS, token);
}

export async function benchIngest(b: Bench): Promise<void> {
  const runs = Math.max(1, Math.round(100 * b.scale));
  const points = runs * METRICS * STEPS;
  const how = `${runs} runs × ${METRICS} metrics × ${STEPS} steps`;
  b.log(`ingest: ${fmtInt(points)} points (${how})`);
  const exp = await createExperiment(b.ctx, { name: 'bench-ingest' });

  b.log('ingest: raw COPY baseline…');
  const copy = await copyBaseline(b, await makeRuns(b, exp.id, runs, 'copy'));
  b.log('ingest: logBatch use case…');
  const core = await logBatchPath(b, await makeRuns(b, exp.id, runs, 'core'));
  b.rows.push(
    { section: 'ingest', name: 'raw COPY into run_metrics (owner)', value: `${fmtInt(copy.pointsPerSecond)} points/s`, detail: `${fmtInt(copy.points)} points in ${copy.seconds.toFixed(1)} s; ${b.concurrency} COPY streams, one per run at a time${describePostgres(copy)}` },
    {
      section: 'ingest',
      name: 'Gantry logBatch use case (app role, RLS)',
      value: `${fmtInt(core.pointsPerSecond)} points/s`,
      detail: `${fmtInt(core.points)} points in ${core.seconds.toFixed(1)} s; ${points / BATCH} batches of ${BATCH}, ${b.concurrency} concurrent callers in-process${describePostgres(core)}`,
    },
  );
  b.ratios.push({
    name: 'ingest: logBatch / raw COPY',
    value: core.pointsPerSecond / copy.pointsPerSecond,
    target: '>= 0.40',
    met: core.pointsPerSecond / copy.pointsPerSecond >= 0.4,
    how: 'points/s ÷ points/s, same rows, same table, same Postgres',
  });
  b.results.ingest = { workload: how, points, copy, logBatch: core, concurrency: b.concurrency };

  if (!b.gantryHttp) return;
  const result: Record<string, unknown> = {};
  let gantryRate: number | undefined;
  let gantryCpu: CpuPerRequest = {};
  if (!b.mlflowMissing) {
    b.log('ingest: mlflow client → Gantry…');
    await warmUp(b, b.gantryHttp, (await createExperiment(b.ctx, { name: 'bench-ingest-warm-up' })).id, b.apiKey);
    await resetGantryMetrics(b);
    const httpExp = await createExperiment(b.ctx, { name: 'bench-ingest-mlflow-client' });
    const viaGantry = await mlflowClient(b, b.gantryHttp, httpExp.id, runs, b.apiKey);
    const stored = await countGantryPoints(b);
    if (stored !== points) throw new Error(`mlflow client → Gantry stored ${stored} points, expected ${points}`);
    gantryRate = viaGantry.points / viaGantry.seconds;
    gantryCpu = viaGantry.cpu;
    const clientHow = `MlflowClient.log_batch, ${BATCH} metrics per call, ${viaGantry.processes} client processes (runs split between them, each logs its runs' batches one after another)`;
    b.rows.push({
      section: 'ingest',
      name: 'mlflow client → Gantry HTTP',
      value: `${fmtInt(gantryRate)} points/s`,
      detail: `${fmtInt(viaGantry.points)} points in ${viaGantry.seconds.toFixed(1)} s; ${clientHow}${describeCpu(viaGantry.cpu)}`,
    });
    result.gantry = { ...viaGantry, pointsPerSecond: gantryRate, server: b.gantryHttp.describe };
    b.results.ingestMlflowClient = result;
  }

  b.log('ingest: pre-encoded HTTP log-batch → Gantry…');
  await resetGantryMetrics(b);
  const rawExp = await createExperiment(b.ctx, { name: 'bench-ingest-raw-http' });
  const rawGantry = await rawHttp(b, b.gantryHttp, rawExp.id, runs, b.apiKey);
  if ((await countGantryPoints(b)) !== rawGantry.points) throw new Error('raw HTTP → Gantry stored a different number of points');
  const rawHow = `POST runs/log-batch bodies (1000 metrics) encoded before the clock, ${b.clientProcesses} concurrent requests from Node fetch`;
  b.rows.push({ section: 'ingest', name: 'pre-encoded HTTP log-batch → Gantry', value: `${fmtInt(rawGantry.pointsPerSecond)} points/s`, detail: `${fmtInt(rawGantry.points)} points in ${rawGantry.seconds.toFixed(1)} s; ${rawHow}${describeCpu(rawGantry.cpu)}` });
  b.results.ingestRawHttp = { gantry: rawGantry };

  if (!b.mlflow || !b.mlflowDb || gantryRate === undefined) return;
  const mlRuns = Math.max(b.clientProcesses, Math.round(100 * b.mlflowScale));
  b.log(`ingest: mlflow client → mlflow server (${fmtInt(mlRuns * METRICS * STEPS)} points)…`);
  const created = await httpJson<{ experiment_id: string }>(`${b.mlflow.url}/api/2.0/mlflow/experiments/create`, { body: { name: 'bench-ingest' } });
  const mlflowPoints = async () => Number((await b.mlflowDb!<{ n: string }[]>`select count(*) as n from metrics`)[0]!.n);
  await warmUp(b, b.mlflow, created.experiment_id);
  const warmedUp = await mlflowPoints();
  const viaMlflow = await mlflowClient(b, b.mlflow, created.experiment_id, mlRuns);
  const stored = (await mlflowPoints()) - warmedUp;
  if (stored !== viaMlflow.points) throw new Error(`mlflow server stored ${stored} points, expected ${viaMlflow.points}`);
  const mlflowRate = viaMlflow.points / viaMlflow.seconds;
  b.rows.push({
    section: 'ingest',
    name: 'mlflow client → mlflow server',
    value: `${fmtInt(mlflowRate)} points/s`,
    detail: `${fmtInt(viaMlflow.points)} points (${mlRuns} runs${mlRuns !== runs ? `, scaled down from ${runs}` : ''}) in ${viaMlflow.seconds.toFixed(1)} s; same client setup${describeCpu(viaMlflow.cpu)}`,
  });
  b.ratios.push({
    name: 'ingest via mlflow client: Gantry / mlflow server',
    value: gantryRate / mlflowRate,
    target: '>= 10',
    met: gantryRate / mlflowRate >= 10,
    how: `points/s ÷ points/s, same client script and process count, Gantry's one web process vs mlflow server with ${b.mlflowWorkers} worker${b.mlflowWorkers === 1 ? '' : 's'}, same Postgres server`,
  });
  result.mlflow = { ...viaMlflow, pointsPerSecond: mlflowRate, runs: mlRuns, server: b.mlflow.describe };

  // What this machine allows through this client, from the CPU the same run measured: the client
  // processes, the server and PostgreSQL share the cores, so requests/s cannot exceed
  // cores ÷ (CPU per request), even with perfect overlap and a server that costs nothing.
  const cores = os.availableParallelism();
  const clientMs = gantryCpu.client;
  if (clientMs !== undefined) {
    const ceiling = ((cores * 1000) / clientMs) * BATCH;
    b.rows.push({
      section: 'ingest',
      name: 'ceiling through this client here: a server and database costing no CPU',
      value: `${fmtInt(ceiling)} points/s (${(ceiling / mlflowRate).toFixed(1)}× the mlflow server)`,
      detail: `${cores} cores × 1000 ms ÷ ${clientMs.toFixed(1)} ms of client CPU per 1000-metric request (measured above); the most any server can reach through these client processes on this machine`,
    });
    if (gantryCpu.server !== undefined && gantryCpu.postgres !== undefined) {
      const perRequest = clientMs + gantryCpu.server + gantryCpu.postgres;
      const bound = ((cores * 1000) / perRequest) * BATCH;
      b.rows.push({
        section: 'ingest',
        name: 'bound for Gantry through this client here',
        value: `${fmtInt(bound)} points/s (${(bound / mlflowRate).toFixed(1)}× the mlflow server); reached ${Math.round((100 * gantryRate) / bound)}%`,
        detail: `${cores} cores × 1000 ms ÷ (client ${clientMs.toFixed(1)} + server ${gantryCpu.server.toFixed(1)} + PostgreSQL ${gantryCpu.postgres.toFixed(1)} ms per request)`,
      });
    }
    result.ceiling = { cores, clientMsPerRequest: clientMs, pointsPerSecond: ceiling, ratioToMlflow: ceiling / mlflowRate };
  }

  b.log('ingest: pre-encoded HTTP log-batch → mlflow server…');
  const rawMlExp = await httpJson<{ experiment_id: string }>(`${b.mlflow.url}/api/2.0/mlflow/experiments/create`, { body: { name: 'bench-ingest-raw-http' } });
  const before = await mlflowPoints();
  const rawMlflow = await rawHttp(b, b.mlflow, rawMlExp.experiment_id, mlRuns);
  const after = await mlflowPoints();
  if (after - before !== rawMlflow.points) throw new Error('raw HTTP → mlflow server stored a different number of points');
  b.rows.push({ section: 'ingest', name: 'pre-encoded HTTP log-batch → mlflow server', value: `${fmtInt(rawMlflow.pointsPerSecond)} points/s`, detail: `${fmtInt(rawMlflow.points)} points (${mlRuns} runs) in ${rawMlflow.seconds.toFixed(1)} s; same requests${describeCpu(rawMlflow.cpu)}` });
  const rawRatio = (b.results.ingestRawHttp as { gantry: Throughput }).gantry.pointsPerSecond / rawMlflow.pointsPerSecond;
  b.ratios.push({ name: 'ingest, server only (pre-encoded HTTP): Gantry / mlflow server', value: rawRatio, target: '>= 10', met: rawRatio >= 10, how: 'points/s ÷ points/s, identical request bodies and concurrency, no Python client cost' });
  (b.results.ingestRawHttp as Record<string, unknown>).mlflow = rawMlflow;
}
