import type { Command, Context, OptionValues } from '../command';
import { usageError } from '../exit-codes';
import { callGraphQL } from '../graphql-call';
import { formatTable, shortTime } from '../table';

const RUN_FIELDS = `id name status startTime endTime experiment { id name }
  params { key value } tags { key value } latestMetrics { key value step }
  inputs { name digest source }`;

export const RUNS_LIST_QUERY = `query Runs($experimentId: ID!, $first: Int) {
  runs(experimentId: $experimentId, first: $first) {
    edges { node { id name status startTime endTime latestMetrics { key value } } }
    pageInfo { hasNextPage }
  }
}`;

export const RUN_SHOW_QUERY = `query Run($id: ID!) { run(id: $id) { ${RUN_FIELDS} } }`;

/** MLflow's experiment "0": the organization's default experiment. */
const DEFAULT_EXPERIMENT = '0';
const MAX_COMPARE = 10;

interface KV {
  key: string;
  value: string;
}
interface RunNode {
  id: string;
  name: string;
  status: string;
  startTime: string;
  endTime: string | null;
  experiment?: { id: string; name: string };
  params?: KV[];
  tags?: KV[];
  latestMetrics: { key: string; value: number | string; step?: number }[];
  inputs?: { name: string; digest: string; source: string }[];
}

const num = (v: number | string) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : v);

async function list(ctx: Context, values: OptionValues) {
  const experimentId = typeof values.experiment === 'string' ? values.experiment : DEFAULT_EXPERIMENT;
  const raw = values.limit;
  const first = raw === undefined ? 50 : Number(raw);
  if (!Number.isInteger(first) || first < 1 || first > 100) throw usageError(`--limit must be a whole number from 1 to 100, got '${String(raw)}'.`);
  const data = await callGraphQL<{ runs: { edges: { node: RunNode }[]; pageInfo: { hasNextPage: boolean } } }>(ctx, RUNS_LIST_QUERY, { experimentId, first });
  const runs = data.runs.edges.map((e) => e.node);
  const metricKeys = [...new Set(runs.flatMap((r) => r.latestMetrics.map((m) => m.key)))].sort().slice(0, 4);
  const human = runs.length
    ? formatTable([
        ['RUN', 'NAME', 'STATUS', 'STARTED', ...metricKeys],
        ...runs.map((r) => [r.id, r.name, r.status, shortTime(r.startTime), ...metricKeys.map((k) => { const m = r.latestMetrics.find((x) => x.key === k); return m ? num(m.value) : '-'; })]),
      ]) + (data.runs.pageInfo.hasNextPage ? '\n(more runs: raise --limit)' : '')
    : 'No runs.';
  ctx.out.result(human, { experimentId, runs, hasMore: data.runs.pageInfo.hasNextPage });
}

async function show(ctx: Context, id: string) {
  const { run } = await callGraphQL<{ run: RunNode }>(ctx, RUN_SHOW_QUERY, { id });
  const kv = (list: KV[] | undefined) => (list?.length ? list.map((p) => `    ${p.key} = ${p.value}`) : ['    -']);
  const lines = [
    `Run ${run.name} (${run.id})`,
    `  Experiment: ${run.experiment?.name} (${run.experiment?.id})`,
    `  Status:     ${run.status}`,
    `  Started:    ${shortTime(run.startTime)}   Ended: ${shortTime(run.endTime)}`,
    '  Params:',
    ...kv(run.params),
    '  Metrics (latest):',
    ...(run.latestMetrics.length ? run.latestMetrics.map((m) => `    ${m.key} = ${num(m.value)} (step ${m.step ?? 0})`) : ['    -']),
    '  Tags:',
    ...kv(run.tags?.filter((t) => !t.key.startsWith('mlflow.'))),
    '  Datasets:',
    ...(run.inputs?.length ? run.inputs.map((d) => `    ${d.name} (${d.digest}) ${d.source}`) : ['    -']),
  ];
  ctx.out.result(lines.join('\n'), { run });
}

async function compare(ctx: Context, ids: string[]) {
  if (ids.length < 2) throw usageError('Give at least two run IDs.', 'Usage: gantry runs compare <runId> <runId>...');
  if (ids.length > MAX_COMPARE) throw usageError(`Compare at most ${MAX_COMPARE} runs at once.`);
  // One request: each run under its own alias, so a missing run fails the whole comparison with its NOT_FOUND.
  const vars = ids.map((_, i) => `$r${i}: ID!`).join(', ');
  const fields = ids.map((_, i) => `r${i}: run(id: $r${i}) { ${RUN_FIELDS} }`).join('\n');
  const data = await callGraphQL<Record<string, RunNode>>(ctx, `query Compare(${vars}) { ${fields} }`, Object.fromEntries(ids.map((id, i) => [`r${i}`, id])));
  const runs = ids.map((_, i) => data[`r${i}`]!);
  const paramKeys = [...new Set(runs.flatMap((r) => (r.params ?? []).map((p) => p.key)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => r.latestMetrics.map((m) => m.key)))].sort();
  const paramOf = (r: RunNode, k: string) => r.params?.find((p) => p.key === k)?.value ?? null;
  const metricOf = (r: RunNode, k: string) => r.latestMetrics.find((m) => m.key === k)?.value ?? null;
  const differs = (vals: unknown[]) => new Set(vals.map((v) => JSON.stringify(v))).size > 1;
  const rows = [
    ['', ...runs.map((r) => r.name)],
    ['run', ...runs.map((r) => r.id)],
    ['status', ...runs.map((r) => r.status)],
    ...paramKeys.map((k) => {
      const vals = runs.map((r) => paramOf(r, k));
      return [`${differs(vals) ? '* ' : '  '}params.${k}`, ...vals.map((v) => v ?? '-')];
    }),
    ...metricKeys.map((k) => {
      const vals = runs.map((r) => metricOf(r, k));
      return [`${differs(vals) ? '* ' : '  '}metrics.${k}`, ...vals.map((v) => (v == null ? '-' : num(v)))];
    }),
  ];
  ctx.out.result(`${formatTable(rows)}\n(* differs between runs)`, {
    runs: runs.map((r) => ({ id: r.id, name: r.name, status: r.status })),
    params: Object.fromEntries(paramKeys.map((k) => [k, runs.map((r) => paramOf(r, k))])),
    metrics: Object.fromEntries(metricKeys.map((k) => [k, runs.map((r) => metricOf(r, k))])),
  });
}

export const runs: Command = {
  name: 'runs',
  summary: 'List, show and compare experiment runs',
  usage: 'gantry runs ls [--experiment ID] [--limit N] | show <runId> | compare <runId> <runId>...',
  help: `Subcommands:
  ls                       runs of an experiment, newest first, with their first metrics
  show <runId>             params, latest metrics, tags and datasets of one run
  compare <runId>...       params and metrics side by side (2-${MAX_COMPARE} runs); rows that differ
                           are marked with *

Flags:
  --experiment ID   ls: the experiment (default: your organization's default experiment, MLflow's "0")
  --limit N         ls: runs to list (1-100, default 50)

Examples:
  gantry runs ls --experiment exp_01h...
  gantry runs compare run_01a... run_01b... --json | jq .metrics`,
  options: { experiment: { type: 'string' }, limit: { type: 'string' } },
  args: [{ name: 'ls|show|compare', required: true }, ...Array.from({ length: MAX_COMPARE }, () => ({ name: 'RUN_ID', required: false }))],
  async run(ctx, { values, positionals }) {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'ls':
        if (rest.length) throw usageError(`Unexpected argument '${rest[0]}'.`, 'Usage: gantry runs ls [--experiment ID]');
        return list(ctx, values);
      case 'show':
        if (rest.length !== 1) throw usageError('Give exactly one run ID.', 'Usage: gantry runs show <runId>');
        return show(ctx, rest[0]!);
      case 'compare':
        return compare(ctx, rest);
      default:
        throw usageError(`Unknown subcommand '${sub}'.`, 'Subcommands: ls, show, compare. Run \'gantry runs --help\'.');
    }
  },
};
