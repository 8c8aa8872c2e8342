import type { BudgetAction, CostDimension, CostFilter } from '@/app/gql/graphql';
import { thresholdsProblem } from '@/rules/budgets';
import { MICROS_PER_DOLLAR } from '@/rules/money';

/**
 * The cost explorer's state as it sits in the page URL (`/o/<org>/costs?range=30d&by=project&team=…`),
 * so that a drill-down is a link, Back goes up a level, and other pages link to a filtered view
 * (a model version's page to `?modelVersion=<id>`).
 */

export type RangeKey = 'month' | '30d' | '90d' | 'custom';

export const RANGES: { key: RangeKey; label: string }[] = [
  { key: 'month', label: 'This month' },
  { key: '30d', label: 'Last 30 days' },
  { key: '90d', label: 'Last 90 days' },
  { key: 'custom', label: 'Custom' },
];

/** What the table and chart can group by at the top level. */
export const GROUPINGS: { dimension: CostDimension; label: string }[] = [
  { dimension: 'team', label: 'Team' },
  { dimension: 'project', label: 'Project' },
  { dimension: 'model', label: 'Model' },
  { dimension: 'user', label: 'User' },
  { dimension: 'cluster', label: 'Cluster' },
  { dimension: 'gpuType', label: 'GPU type' },
];

/** What a group's row drills into: one level down, ending at the jobs. */
export const NEXT_LEVEL: Partial<Record<CostDimension, CostDimension>> = {
  team: 'project',
  project: 'job',
  model: 'modelVersion',
  modelVersion: 'job',
  user: 'job',
  cluster: 'job',
  gpuType: 'job',
  deployment: 'job',
};

export const DIMENSION_LABELS: Record<CostDimension, { one: string; many: string }> = {
  team: { one: 'Team', many: 'Teams' },
  project: { one: 'Project', many: 'Projects' },
  user: { one: 'User', many: 'Users' },
  model: { one: 'Model', many: 'Models' },
  modelVersion: { one: 'Model version', many: 'Model versions' },
  cluster: { one: 'Cluster', many: 'Clusters' },
  gpuType: { one: 'GPU type', many: 'GPU types' },
  deployment: { one: 'Deployment', many: 'Deployments' },
  source: { one: 'Source', many: 'Sources' },
  job: { one: 'Job', many: 'Jobs' },
  day: { one: 'Day', many: 'Days' },
};

/** What a group without the attribute is called (a CPU job has no GPU type, a job without a registered model no model). */
export function missingLabel(dimension: CostDimension): string {
  switch (dimension) {
    case 'model':
    case 'modelVersion':
      return 'No registered model';
    case 'gpuType':
      return 'No GPU';
    case 'deployment':
      return 'Not a deployment';
    case 'user':
      return 'No user (system)';
    default:
      return `No ${DIMENSION_LABELS[dimension].one.toLowerCase()}`;
  }
}

/** The URL parameters that filter the explorer, in the order a drill path reads, with their filter field and dimension. */
export const FILTER_PARAMS = [
  { param: 'team', field: 'teamId', dimension: 'team' },
  { param: 'project', field: 'projectId', dimension: 'project' },
  { param: 'user', field: 'userId', dimension: 'user' },
  { param: 'model', field: 'modelId', dimension: 'model' },
  { param: 'modelVersion', field: 'modelVersionId', dimension: 'modelVersion' },
  { param: 'cluster', field: 'clusterId', dimension: 'cluster' },
  { param: 'gpuType', field: 'gpuType', dimension: 'gpuType' },
  { param: 'deployment', field: 'deploymentId', dimension: 'deployment' },
  { param: 'run', field: 'runId', dimension: null },
  { param: 'job', field: 'jobId', dimension: 'job' },
] as const satisfies readonly { param: string; field: keyof CostFilter; dimension: CostDimension | null }[];

export type FilterParam = (typeof FILTER_PARAMS)[number]['param'];

export interface CostSearch {
  range: RangeKey;
  /** Custom range, inclusive UTC days `YYYY-MM-DD`. */
  from: string;
  to: string;
  by: CostDimension;
  filters: Partial<Record<FilterParam, string>>;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DIMENSIONS = new Set<string>(Object.keys(DIMENSION_LABELS));

/** The grouping a filtered view starts at: below the deepest filter, or the team when nothing is filtered. */
export function defaultGrouping(filters: CostSearch['filters']): CostDimension {
  const deepest = [...FILTER_PARAMS].reverse().find((f) => filters[f.param]);
  if (!deepest) return 'team';
  if (deepest.param === 'run' || deepest.param === 'job') return 'job';
  return NEXT_LEVEL[deepest.dimension] ?? 'job';
}

export function parseCostSearch(q: URLSearchParams): CostSearch {
  const filters: CostSearch['filters'] = {};
  for (const f of FILTER_PARAMS) {
    const v = q.get(f.param)?.trim();
    if (v) filters[f.param] = v.slice(0, 128);
  }
  const range = RANGES.some((r) => r.key === q.get('range')) ? (q.get('range') as RangeKey) : 'month';
  const by = q.get('by');
  return {
    range,
    from: DAY_RE.test(q.get('from') ?? '') ? q.get('from')! : '',
    to: DAY_RE.test(q.get('to') ?? '') ? q.get('to')! : '',
    by: by && DIMENSIONS.has(by) && by !== 'day' && by !== 'source' ? (by as CostDimension) : defaultGrouping(filters),
    filters,
  };
}

export function serializeCostSearch(s: CostSearch): URLSearchParams {
  const q = new URLSearchParams();
  if (s.range !== 'month') q.set('range', s.range);
  if (s.range === 'custom') {
    if (s.from) q.set('from', s.from);
    if (s.to) q.set('to', s.to);
  }
  if (s.by !== defaultGrouping(s.filters)) q.set('by', s.by);
  for (const f of FILTER_PARAMS) {
    const v = s.filters[f.param];
    if (v) q.set(f.param, v);
  }
  return q;
}

export function costsHref(orgSlug: string, s: CostSearch): string {
  const q = serializeCostSearch(s).toString();
  return `/o/${orgSlug}/costs${q ? `?${q}` : ''}`;
}

/** The explorer filtered to one thing, from another page: `costsLink('acme', { modelVersion: 'mv_…' })`. */
export function costsLink(orgSlug: string, filters: CostSearch['filters'], range: RangeKey = 'month'): string {
  const s: CostSearch = { range, from: '', to: '', by: defaultGrouping(filters), filters };
  return costsHref(orgSlug, s);
}

/** The filter the API takes for the URL's filters. */
export function costFilterOf(filters: CostSearch['filters']): CostFilter {
  const out: CostFilter = {};
  for (const f of FILTER_PARAMS) {
    const v = filters[f.param];
    if (v) out[f.field] = v;
  }
  return out;
}

const DAY_MS = 86_400_000;
const utcDay = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
const dayText = (t: number) => new Date(t).toISOString().slice(0, 10);

export interface ResolvedRange {
  /** Inclusive start, a UTC midnight. */
  from: Date;
  /** Exclusive end, a UTC midnight (the day after the last day shown). */
  to: Date;
  /** The first and last day shown, `YYYY-MM-DD`. */
  firstDay: string;
  lastDay: string;
}

/**
 * The range a choice stands for, in whole UTC days up to and including today (the ledger's days
 * are UTC days): this month from its first, the last 30 or 90 days, or the custom days given.
 */
export function resolveRange(s: Pick<CostSearch, 'range' | 'from' | 'to'>, now: Date): ResolvedRange | { error: string } {
  const today = utcDay(now);
  let first: number;
  let last = today;
  if (s.range === 'month') first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  else if (s.range === '30d') first = today - 29 * DAY_MS;
  else if (s.range === '90d') first = today - 89 * DAY_MS;
  else {
    if (!s.from || !s.to) return { error: 'Choose the first and the last day' };
    first = Date.parse(`${s.from}T00:00:00Z`);
    last = Date.parse(`${s.to}T00:00:00Z`);
    if (!Number.isFinite(first) || !Number.isFinite(last)) return { error: 'Choose the first and the last day' };
    if (last < first) return { error: 'The last day comes after the first' };
    if (last - first >= 400 * DAY_MS) return { error: 'A range spans at most 400 days' };
  }
  return { from: new Date(first), to: new Date(last + DAY_MS), firstDay: dayText(first), lastDay: dayText(last) };
}

/** Each series' band in a stacked chart: `lo` where it starts and `hi` where it ends, per point, bottom series first. */
export function stackSeries(series: readonly (readonly number[])[]): { lo: number[]; hi: number[] }[] {
  const n = Math.max(0, ...series.map((s) => s.length));
  const base = new Array<number>(n).fill(0);
  return series.map((s) => {
    const lo = base.slice();
    for (let i = 0; i < n; i++) base[i] = base[i]! + Math.max(0, s[i] ?? 0);
    return { lo, hi: base.slice() };
  });
}

/** An axis label in dollars for micro-dollars: `$0`, `$0.05`, `$0.10`, `$12`, `$12.50`, `$1.25k`, `$3M`. */
export function formatDollarTick(micros: number): string {
  const d = micros / MICROS_PER_DOLLAR;
  const a = Math.abs(d);
  if (a === 0) return '$0';
  if (a >= 1e6) return `$${+(d / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `$${+(d / 1e3).toPrecision(3)}k`;
  // Cents as money is written (`$0.10`, `$12.50`); whole dollars bare; below a cent as many digits as it takes.
  if (a >= 0.01 && Math.abs(d * 100 - Math.round(d * 100)) < 1e-9) return Number.isInteger(d) ? `$${d}` : `$${d.toFixed(2)}`;
  return `$${+d.toPrecision(2)}`;
}

/** A share of a total as people read it: `42%`, `0.3%`, `<0.1%`. */
export function formatShare(part: number, total: number): string {
  if (total <= 0) return '—';
  const p = (part / total) * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

export const BUDGET_ACTIONS: { value: BudgetAction; label: string; description: string }[] = [
  { value: 'alert', label: 'Alert only', description: 'Send the threshold alerts; jobs are never refused.' },
  { value: 'block', label: 'Block new jobs', description: 'Refuse new jobs whose worst case does not fit what is left.' },
  { value: 'block_and_stop', label: 'Block and stop running jobs', description: 'Refuse new jobs, and stop running ones once the month’s spend reaches the budget.' },
];

/** What a budget does at its limit, in words. */
export function budgetActionText(action: BudgetAction): string {
  return action === 'alert' ? 'Alerts only, never refuses jobs' : action === 'block' ? 'Blocks new jobs at the limit' : 'Blocks new jobs and stops running ones at the limit';
}

/** Alert thresholds typed as "50, 80, 100" (a `%` is allowed), checked with the API's own rule. */
export function parseThresholds(text: string): { thresholds: number[] } | { error: string } {
  const parts = text
    .split(/[\s,;]+/)
    .map((p) => p.replace(/%$/, ''))
    .filter(Boolean);
  const thresholds = parts.map(Number);
  const bad = parts.find((p, i) => !/^\d+$/.test(p) || !Number.isFinite(thresholds[i]));
  if (bad !== undefined) return { error: `Thresholds are whole percentages: ${bad} is not` };
  const problem = thresholdsProblem(thresholds);
  return problem ? { error: problem } : { thresholds };
}
