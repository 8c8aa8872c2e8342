import type { NumberOp, RunFilter, RunStatus, StringOp } from '@/app/gql/graphql';

/** The `Double` scalar: a JSON number, or "NaN" / "Infinity" / "-Infinity" as strings. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

/** Metric values at a glance: up to 4 significant decimals, exponent form only when tiny or huge. */
export function formatMetric(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(3);
  return Number.isInteger(v) ? v.toLocaleString('en') : Number(v.toPrecision(5)).toString();
}

/** Axis ticks: compact, e.g. 1.2k, 3M. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return formatMetric(v);
}

/** "1h 04m", "12m 03s", "8.2s". */
export function formatDuration(seconds: number | null): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A run's duration in seconds; running runs count up to now. */
export function runDuration(run: { startTime: string; endTime?: string | null; status: RunStatus }, now = Date.now()): number | null {
  const start = new Date(run.startTime).getTime();
  const end = run.endTime ? new Date(run.endTime).getTime() : run.status === 'RUNNING' ? now : null;
  return end == null ? null : Math.max(0, (end - start) / 1000);
}

export const RUN_STATUSES: RunStatus[] = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SCHEDULED'];

export function runSource(run: { tags: { key: string; value: string }[] }): { name: string | null; commit: string | null; entryPoint: string | null } {
  const tag = (k: string) => run.tags.find((t) => t.key === k)?.value ?? null;
  return { name: tag('mlflow.source.name'), commit: tag('mlflow.source.git.commit'), entryPoint: tag('mlflow.project.entryPoint') };
}

/** Tags the mlflow client and Gantry write themselves; shown apart from the user's own. */
export const isSystemTag = (key: string) => key.startsWith('mlflow.') || key.startsWith('gantry.');

/** Eight distinguishable series colors (colorblind-safe order first). */
export const SERIES_COLORS = ['#4f46e5', '#e11d48', '#059669', '#d97706', '#0284c7', '#9333ea', '#0d9488', '#64748b'];

// ---------------------------------------------------------------- run filters

export type Condition =
  | { kind: 'metric'; key: string; op: NumberOp; value: number }
  | { kind: 'param' | 'tag'; key: string; op: StringOp; value: string };

const NUMBER_OPS: Record<string, NumberOp> = { '=': 'EQ', '==': 'EQ', '!=': 'NEQ', '<': 'LT', '<=': 'LTE', '>': 'GT', '>=': 'GTE' };
const STRING_OPS: Record<string, StringOp> = { '=': 'EQ', '==': 'EQ', '!=': 'NEQ', like: 'LIKE', ilike: 'ILIKE' };
export const OP_SYMBOL: Record<NumberOp | StringOp, string> = { EQ: '=', NEQ: '!=', LT: '<', LTE: '<=', GT: '>', GTE: '>=', LIKE: 'like', ILIKE: 'ilike' };

const CONDITION_RE = /^(metrics?|params?|tags?)(?:\s+|\.)(`[^`]+`|"[^"]+"|[^\s=!<>]+)\s*(==|=|!=|<=|>=|<|>|\s(?:i?like)\s)\s*(.+)$/i;

/**
 * Parses one typed condition: `metric acc > 0.9`, `param lr = 0.01`, `tag t = v`
 * (MLflow's `metrics.acc > 0.9` and quoted values work too). Returns an error message
 * when the text is not a condition the server can run.
 */
export function parseCondition(text: string): Condition | string {
  const m = CONDITION_RE.exec(text.trim());
  if (!m) return 'Write a condition like “metric acc > 0.9”, “param lr = 0.01” or “tag team = vision”';
  const kind = m[1]!.toLowerCase().replace(/s$/, '') as Condition['kind'];
  const key = m[2]!.replace(/^[`"]|[`"]$/g, '');
  const opText = m[3]!.trim().toLowerCase();
  const raw = m[4]!.trim().replace(/^'(.*)'$|^"(.*)"$/, '$1$2');
  if (kind === 'metric') {
    const op = NUMBER_OPS[opText];
    if (!op) return 'Metrics compare with =, !=, <, <=, > or >=';
    const value = Number(raw);
    if (raw === '' || Number.isNaN(value)) return `“${raw}” is not a number`;
    return { kind, key, op, value };
  }
  const op = STRING_OPS[opText];
  if (!op) return `${kind === 'param' ? 'Params' : 'Tags'} compare with =, !=, like or ilike`;
  return { kind, key, op, value: raw };
}

export function conditionLabel(c: Condition): string {
  return `${c.kind} ${c.key} ${OP_SYMBOL[c.op]} ${c.value}`;
}

export function buildRunFilter(conditions: Condition[], statuses: RunStatus[], name: string): RunFilter | undefined {
  const metrics = conditions.flatMap((c) => (c.kind === 'metric' ? [{ key: c.key, op: c.op, value: c.value }] : []));
  const params = conditions.flatMap((c) => (c.kind === 'param' ? [{ key: c.key, op: c.op, value: c.value }] : []));
  const tags = conditions.flatMap((c) => (c.kind === 'tag' ? [{ key: c.key, op: c.op, value: c.value }] : []));
  const filter: RunFilter = {};
  if (metrics.length) filter.metrics = metrics;
  if (params.length) filter.params = params;
  if (tags.length) filter.tags = tags;
  if (statuses.length) filter.status = statuses;
  if (name.trim()) filter.nameLike = `%${name.trim().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return Object.keys(filter).length ? filter : undefined;
}
