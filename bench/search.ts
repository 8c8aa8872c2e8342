import { randomUUID } from 'node:crypto';
import { newId } from '../core/ids';
import { createExperiment } from '../core/tracking/create-experiment';
import { searchRuns } from '../core/tracking/search-runs';
import { BASE_TS, type Bench } from './lib/context';
import { fmtInt, fmtMs, measure, type Latency } from './lib/report';
import { httpJson } from './lib/servers';

const FILTER = 'metrics.acc > 0.5';
const ORDER = ['metrics.acc DESC'];
const MAX = 100;

interface SearchAnswer {
  runs?: { info: { run_name?: string } }[];
}

const lat = (l: Latency) => `p50 ${fmtMs(l.p50)} / p95 ${fmtMs(l.p95)}`;

/** Deterministic, distinct values in [0, 1). */
const acc = (i: number) => (i * 0.6180339887498949) % 1;
const loss = (i: number) => (i * 0.41421356237309503) % 1;

export async function benchSearch(b: Bench): Promise<void> {
  const n = Math.max(1000, Math.round(10_000 * b.scale));
  b.log(`search: ${fmtInt(n)} runs in one experiment…`);
  const names = Array.from({ length: n }, (_, i) => `search-${i}`);
  const starts = Array.from({ length: n }, (_, i) => String(BASE_TS + i * 1000));
  const accs = Array.from({ length: n }, (_, i) => String(acc(i)));
  const losses = Array.from({ length: n }, (_, i) => String(loss(i)));
  const lrs = Array.from({ length: n }, (_, i) => String([0.1, 0.01, 0.001][i % 3]));

  // Setup rows are written directly (as the owner) into both servers' tables: 10,000 runs through
  // either API would take minutes and is not what is measured. Each run has 2 params, 2 latest
  // metrics (and their points) and its run-name tag, in both.
  const exp = await createExperiment(b.ctx, { name: 'bench-search' });
  const ids = names.map(() => newId('run'));
  const o = b.owner;
  const org = b.ctx.orgId;
  const user = b.ctx.actor.userId;
  // Rows travel as one JSON parameter (doubles as text, so they round-trip exactly).
  const rows = JSON.stringify(ids.map((id, i) => ({ id, name: names[i], st: starts[i], acc: accs[i], loss: losses[i], lr: lrs[i] })));
  const input = `json_to_recordset($1::text::json) as t(id text, name text, st bigint, acc text, loss text, lr text)`;
  await o.unsafe(
    `insert into runs (id, org_id, experiment_id, name, status, start_time, end_time, lifecycle_stage, created_by, client_user)
     select id, $2, $3, name, 'FINISHED', st, st + 60000, 'active', $4, 'bench' from ${input}`,
    [rows, org, exp.id, user],
  );
  await o.unsafe(`insert into run_tags (org_id, run_id, key, value) select $2, id, 'mlflow.runName', name from ${input}`, [rows, org]);
  await o.unsafe(`insert into run_params (org_id, run_id, key, value) select $2, id, k, v from ${input}, lateral (values ('lr', lr), ('batch_size', '64')) as p(k, v)`, [rows, org]);
  for (const table of ['run_latest_metrics', 'run_metrics']) {
    await o.unsafe(
      `insert into ${table} (org_id, run_id, key, step, timestamp, value)
       select $2, id, k, 9, $3::bigint, v::float8 from ${input}, lateral (values ('acc', acc), ('loss', loss)) as m(k, v)`,
      [rows, org, BASE_TS],
    );
  }
  await o`analyze`;

  const coreQuery = () => searchRuns(b.ctx, { experimentIds: [exp.id], filter: FILTER, orderBy: ORDER, maxResults: MAX });
  const first = await coreQuery();
  if (first.runs.length !== MAX) throw new Error(`searchRuns returned ${first.runs.length} runs, expected ${MAX}`);
  const core = await measure(coreQuery, { n: 50, warmup: 3 });
  const how = `"${FILTER}" order by ${ORDER[0]}, max_results ${MAX}, over ${fmtInt(n)} runs`;
  b.rows.push({ section: 'search', name: 'Gantry searchRuns use case', value: lat(core), detail: `${core.n} sequential calls in-process; ${how}` });
  const results: Record<string, unknown> = { runs: n, filter: FILTER, orderBy: ORDER, maxResults: MAX, gantryCore: core };
  b.results.search = results;

  const body = (experimentId: string) => ({ experiment_ids: [experimentId], filter: FILTER, order_by: ORDER, max_results: MAX });
  let gantryNames: string[] | undefined;
  let gantryHttp: Latency | undefined;
  if (b.gantryHttp) {
    const url = `${b.gantryHttp.url}/api/2.0/mlflow/runs/search`;
    gantryNames = (await httpJson<SearchAnswer>(url, { body: body(exp.id), token: b.apiKey })).runs?.map((r) => r.info.run_name ?? '');
    gantryHttp = await measure(() => httpJson(url, { body: body(exp.id), token: b.apiKey }), { n: 50, warmup: 3 });
    b.rows.push({ section: 'search', name: 'Gantry REST runs/search (HTTP)', value: lat(gantryHttp), detail: `${gantryHttp.n} sequential POST /api/2.0/mlflow/runs/search, same query` });
    results.gantryHttp = gantryHttp;
  }

  if (!b.mlflow || !b.mlflowDb) return;
  const m = b.mlflowDb;
  const { experiment_id } = await httpJson<{ experiment_id: string }>(`${b.mlflow.url}/api/2.0/mlflow/experiments/create`, { body: { name: 'bench-search' } });
  const uuids = names.map(() => randomUUID().replace(/-/g, ''));
  const mlRows = JSON.stringify(uuids.map((id, i) => ({ id, name: names[i], st: starts[i], acc: accs[i], loss: losses[i], lr: lrs[i] })));
  await m.unsafe(
    `insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
     select id, name, 'LOCAL', '', '', 'bench', 'FINISHED', st, st + 60000, '', 'active', 'mlflow-artifacts:/' || $2 || '/' || id || '/artifacts', $2::int from ${input}`,
    [mlRows, experiment_id],
  );
  await m.unsafe(`insert into tags (key, value, run_uuid) select 'mlflow.runName', name, id from ${input}`, [mlRows]);
  await m.unsafe(`insert into params (key, value, run_uuid) select k, v, id from ${input}, lateral (values ('lr', lr), ('batch_size', '64')) as p(k, v)`, [mlRows]);
  for (const table of ['latest_metrics', 'metrics']) {
    await m.unsafe(
      `insert into ${table} (key, value, timestamp, step, is_nan, run_uuid)
       select k, v::float8, $2::bigint, 9, false, id from ${input}, lateral (values ('acc', acc), ('loss', loss)) as x(k, v)`,
      [mlRows, BASE_TS],
    );
  }
  await m`analyze`;

  const mlUrl = `${b.mlflow.url}/api/2.0/mlflow/runs/search`;
  const mlNames = (await httpJson<SearchAnswer>(mlUrl, { body: body(experiment_id) })).runs?.map((r) => r.info.run_name ?? '');
  if (mlNames?.length !== MAX) throw new Error(`mlflow runs/search returned ${mlNames?.length ?? 0} runs, expected ${MAX}`);
  if (gantryNames && gantryNames.join() !== mlNames.join()) throw new Error('Gantry and the mlflow server return different runs for the same search');
  const ml = await measure(() => httpJson(mlUrl, { body: body(experiment_id) }), { n: 50, warmup: 3, budgetMs: 180_000 });
  b.rows.push({
    section: 'search',
    name: 'mlflow server runs/search (HTTP)',
    value: lat(ml),
    detail: `${ml.n} sequential POST /api/2.0/mlflow/runs/search, same query and data${gantryNames ? '; both return the same 100 runs in the same order' : ''}`,
  });
  b.ratios.push({ name: 'search p95: mlflow server / Gantry searchRuns', value: ml.p95 / core.p95, how: 'latency ÷ latency (higher = Gantry faster); MLflow over HTTP, Gantry in-process' });
  if (gantryHttp) b.ratios.push({ name: 'search p95 over HTTP: mlflow server / Gantry', value: ml.p95 / gantryHttp.p95, how: 'latency ÷ latency, same REST request to both servers' });
  results.mlflow = ml;
}
