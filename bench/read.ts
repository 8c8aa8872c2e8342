import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import { createExperiment } from '../core/tracking/create-experiment';
import { createRun } from '../core/tracking/create-run';
import { getMetricHistory } from '../core/tracking/get-metric-history';
import { getMetricSeries } from '../core/tracking/metric-series';
import { BASE_TS, type Bench } from './lib/context';
import { fmtInt, fmtMs, measure, type Latency } from './lib/report';
import { httpJson } from './lib/servers';

const KEY = 'loss';
const value = (step: number) => Math.exp(-step / 300_000) + 0.05 * Math.sin(step / 97) + ((step * 7919) % 1000) / 20_000;

/** The points are loaded with COPY (setup, not measured); what is measured is reading them back. */
async function copyPoints(statement: postgres.PendingQuery<postgres.Row[]>, n: number, line: (step: number) => string) {
  function* chunks() {
    for (let s = 0; s < n; s += 10_000) {
      let c = '';
      for (let step = s; step < Math.min(n, s + 10_000); step++) c += line(step);
      yield c;
    }
  }
  await pipeline(Readable.from(chunks()), await statement.writable());
}

/** Wraps a full-history call so its first answer is checked for the expected number of points. */
function checked(fn: () => Promise<{ metrics?: unknown[] }>, expected: number, what: string): () => Promise<void> {
  let done = false;
  return async () => {
    const r = await fn();
    if (done) return;
    if ((r.metrics?.length ?? 0) !== expected) throw new Error(`${what} returned ${r.metrics?.length ?? 0} points, expected ${expected}`);
    done = true;
  };
}

const lat = (l: Latency) => `p50 ${fmtMs(l.p50)} / p95 ${fmtMs(l.p95)}`;

export async function benchRead(b: Bench): Promise<void> {
  const n = Math.max(10_000, Math.round(1_000_000 * b.scale));
  const queries = 50;
  b.log(`read: one run with ${fmtInt(n)} points of "${KEY}"…`);

  const exp = await createExperiment(b.ctx, { name: 'bench-read' });
  const run = await createRun(b.ctx, { experimentId: exp.id, runName: 'read-1m' });
  const orgId = b.ctx.orgId;
  await copyPoints(b.owner`copy run_metrics (org_id, run_id, key, step, timestamp, value) from stdin`, n, (s) => `${orgId}\t${run.id}\t${KEY}\t${s}\t${BASE_TS + s}\t${value(s)}\n`);
  await b.owner`insert into run_latest_metrics (org_id, run_id, key, step, timestamp, value) values (${orgId}, ${run.id}, ${KEY}, ${n - 1}, ${BASE_TS + n - 1}, ${value(n - 1)})`;
  await b.owner`vacuum analyze run_metrics`;

  const chart = await measure(() => getMetricSeries(b.ctx, { runId: run.id, key: KEY, maxPoints: 1000 }), { n: queries, warmup: 3, budgetMs: 120_000, min: 20 });
  const sample = await getMetricSeries(b.ctx, { runId: run.id, key: KEY, maxPoints: 1000 });
  if (sample.totalPoints !== n) throw new Error(`metricSeries saw ${sample.totalPoints} points, expected ${n}`);
  b.rows.push({ section: 'read', name: 'Gantry chart query (metricSeries, maxPoints 1000)', value: lat(chart), detail: `${chart.n} sequential calls of the use case in-process; ${sample.points.length} points returned from ${fmtInt(n)}` });
  const history = await measure(() => getMetricHistory(b.ctx, { runId: run.id, key: KEY }), { n: 10, warmup: 1, budgetMs: 60_000, min: 2 });
  b.rows.push({ section: 'read', name: 'Gantry full history (getMetricHistory)', value: lat(history), detail: `${history.n} calls in-process, all ${fmtInt(n)} points` });
  const results: Record<string, unknown> = { points: n, gantryChart: chart, gantryHistory: history };
  b.results.read = results;

  if (b.gantryHttp) {
    // The same chart query as the web UI sends it: GraphQL over HTTP, API key, the real web process.
    const gql = `${b.gantryHttp.url}/api/graphql`;
    const body = { query: 'query($id: ID!, $key: String!) { metricSeries(runId: $id, key: $key, maxPoints: 1000) { downsampled totalPoints points { step timestamp value } } }', variables: { id: run.id, key: KEY } };
    const first = await httpJson<{ data?: { metricSeries: { totalPoints: number; points: unknown[] } }; errors?: unknown }>(gql, { body, token: b.apiKey });
    if (first.data?.metricSeries.totalPoints !== n) throw new Error(`GraphQL metricSeries answered ${JSON.stringify(first).slice(0, 300)}`);
    const chartHttp = await measure(() => httpJson(gql, { body, token: b.apiKey }), { n: queries, warmup: 3, budgetMs: 120_000, min: 20 });
    b.rows.push({ section: 'read', name: 'Gantry chart query over HTTP (GraphQL metricSeries)', value: lat(chartHttp), detail: `${chartHttp.n} sequential POST /api/graphql, API key, ${first.data.metricSeries.points.length} points returned` });
    results.gantryHttpChart = chartHttp;

    const url = `${b.gantryHttp.url}/api/2.0/mlflow/metrics/get-history?run_id=${run.id}&metric_key=${KEY}`;
    const h = await measure(checked(() => httpJson<{ metrics?: unknown[] }>(url, { token: b.apiKey }), n, 'Gantry get-history'), { n: 10, warmup: 0, budgetMs: 60_000, min: 2 });
    b.rows.push({ section: 'read', name: 'Gantry REST get-history (HTTP)', value: lat(h), detail: `${h.n} GET /api/2.0/mlflow/metrics/get-history, all ${fmtInt(n)} points as JSON` });
    results.gantryHttpHistory = h;
  }

  if (!b.mlflow || !b.mlflowDb) return;
  const ml = b.mlflow.url;
  const { experiment_id } = await httpJson<{ experiment_id: string }>(`${ml}/api/2.0/mlflow/experiments/create`, { body: { name: 'bench-read' } });
  const created = await httpJson<{ run: { info: { run_id: string } } }>(`${ml}/api/2.0/mlflow/runs/create`, { body: { experiment_id, run_name: 'read-1m', start_time: Date.now() } });
  const mlRun = created.run.info.run_id;
  await copyPoints(b.mlflowDb`copy metrics (key, value, timestamp, run_uuid, step, is_nan) from stdin`, n, (s) => `${KEY}\t${value(s)}\t${BASE_TS + s}\t${mlRun}\t${s}\tf\n`);
  await b.mlflowDb`insert into latest_metrics (key, value, timestamp, step, is_nan, run_uuid) values (${KEY}, ${value(n - 1)}, ${BASE_TS + n - 1}, ${n - 1}, false, ${mlRun})`;
  await b.mlflowDb`vacuum analyze metrics`;

  const histUrl = `${ml}/api/2.0/mlflow/metrics/get-history?run_id=${mlRun}&metric_key=${KEY}`;
  b.log('read: mlflow server get-history (every point)…');
  // Each call takes long at 1M points: the first call both checks the answer and counts as a sample.
  const mlHist = await measure(checked(() => httpJson<{ metrics?: unknown[] }>(histUrl), n, 'mlflow get-history'), { n: 10, warmup: 0, budgetMs: 60_000, min: 2 });
  b.rows.push({ section: 'read', name: 'mlflow server get-history (HTTP)', value: lat(mlHist), detail: `${mlHist.n} GET /api/2.0/mlflow/metrics/get-history, all ${fmtInt(n)} points (MLflow has no server-side downsampling in this API)` });
  // The MLflow UI's own chart request: at most max_results points per run, sampled by the server.
  const bulkUrl = `${ml}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${mlRun}&metric_key=${KEY}&max_results=1000`;
  const bulkFirst = await httpJson<{ metrics?: unknown[] }>(bulkUrl);
  const mlChart = await measure(() => httpJson(bulkUrl), { n: queries, warmup: 2, budgetMs: 120_000, min: 10 });
  b.rows.push({ section: 'read', name: 'mlflow server UI chart query (HTTP)', value: lat(mlChart), detail: `${mlChart.n} GET /ajax-api/2.0/mlflow/metrics/get-history-bulk-interval max_results=1000 (${bulkFirst.metrics?.length ?? 0} points)` });
  b.ratios.push(
    { name: 'chart read p95: mlflow get-history / Gantry metricSeries', value: mlHist.p95 / chart.p95, how: `latency ÷ latency (higher = Gantry faster); what each server offers a chart for ${fmtInt(n)} points` },
    { name: 'chart read p95: mlflow UI chart query / Gantry metricSeries', value: mlChart.p95 / chart.p95, how: 'latency ÷ latency; both return ~1000 points (MLflow samples, Gantry keeps bucket min/max)' },
  );
  if (results.gantryHttpChart) {
    const gc = results.gantryHttpChart as Latency;
    b.ratios.push({ name: 'chart read p95 over HTTP: mlflow UI chart query / Gantry GraphQL metricSeries', value: mlChart.p95 / gc.p95, how: 'latency ÷ latency, both over HTTP from the same client; MLflow samples steps, Gantry keeps the min and max of every bucket' });
  }
  if (results.gantryHttpHistory) {
    const gh = results.gantryHttpHistory as Latency;
    b.ratios.push({ name: 'full history p95 over HTTP: mlflow / Gantry', value: mlHist.p95 / gh.p95, how: `latency ÷ latency, same REST call, same ${fmtInt(n)} points` });
  }
  results.mlflowHistory = mlHist;
  results.mlflowChart = mlChart;
}
