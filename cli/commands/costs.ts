import type { Command, Context, OptionValues } from '../command';
import { usageError } from '../exit-codes';
import { callGraphQL } from '../graphql-call';
import { formatTable } from '../table';
import { COST_DIMENSIONS, type CostDimension } from '../../rules/costs';
import { formatMicros } from '../../rules/money';
import { parseTime } from './audit';

export const COST_BREAKDOWN_QUERY = `query CostBreakdown($from: DateTime!, $to: DateTime!, $groupBy: [CostDimension!]!, $filter: CostFilter, $limit: Int) {
  costBreakdown(from: $from, to: $to, groupBy: $groupBy, filter: $filter, limit: $limit) {
    totalMicros othersMicros lines
    groups { amountMicros lines keys { dimension id label } }
  }
}`;

export const BUDGETS_QUERY = `query Budgets {
  budgets { id teamId teamName projectName amountMicros thresholds action month spentMicros reservedMicros remainingMicros }
  costForecasts { teamId forecastMicros }
}`;

interface Breakdown {
  totalMicros: string;
  othersMicros: string;
  lines: number;
  groups: { amountMicros: string; lines: number; keys: { dimension: string; id: string | null; label: string | null }[] }[];
}
interface BudgetRow {
  id: string;
  teamId: string;
  teamName: string;
  projectName: string | null;
  amountMicros: string;
  thresholds: number[];
  action: string;
  month: string;
  spentMicros: string;
  reservedMicros: string;
  remainingMicros: string;
}

const DEFAULT_LIMIT = 20;
const ACTIONS: Record<string, string> = { alert: 'alert only', block: 'block new jobs', block_and_stop: 'block and stop jobs' };

/** `--by`: one or two dimensions, comma-separated. */
function dimensionsOf(values: OptionValues): CostDimension[] {
  const raw = typeof values.by === 'string' ? values.by : 'team';
  const dims = raw.split(',').map((d) => d.trim());
  const bad = dims.find((d) => !(COST_DIMENSIONS as readonly string[]).includes(d));
  if (bad !== undefined || dims.length > 3) throw usageError(`--by takes up to three of ${COST_DIMENSIONS.join(', ')}, got '${raw}'.`);
  return dims as CostDimension[];
}

/** The range: `--month YYYY-MM`, or `--since`/`--until` (default: this month so far). */
function rangeOf(values: OptionValues, now = Date.now()): { from: Date; to: Date } {
  if (typeof values.month === 'string') {
    if (values.since !== undefined || values.until !== undefined) throw usageError('--month and --since/--until are alternatives; give one.');
    const m = /^(\d{4})-(\d{2})$/.exec(values.month);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw usageError(`--month must be YYYY-MM, got '${values.month}'.`);
    return { from: new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)), to: new Date(Date.UTC(Number(m[1]), Number(m[2]), 1)) };
  }
  const at = (flag: 'since' | 'until'): Date | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const t = typeof raw === 'string' ? parseTime(raw, now) : null;
    if (!t) throw usageError(`--${flag} must be a time, got '${String(raw)}'.`, 'Times are ISO 8601 (2026-12-01, 2026-12-01T09:30Z) or how long ago (24h, 7d, 4w).');
    return t;
  };
  const d = new Date(now);
  const from = at('since') ?? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  const to = at('until') ?? new Date(now);
  if (from.getTime() >= to.getTime()) throw usageError(`The range is empty: ${from.toISOString()} is not before ${to.toISOString()}.`);
  return { from, to };
}

function limitOf(values: OptionValues): number {
  if (values.limit === undefined) return DEFAULT_LIMIT;
  const n = Number(values.limit);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw usageError(`--limit must be a whole number from 1 to 1000, got '${String(values.limit)}'.`);
  return n;
}

const share = (part: number, total: number) => (total > 0 ? `${((part * 100) / total).toFixed(1)}%` : '-');

async function summary(ctx: Context, values: OptionValues) {
  const groupBy = dimensionsOf(values);
  const range = rangeOf(values);
  const limit = limitOf(values);
  const filter = typeof values.team === 'string' ? { teamId: values.team } : typeof values.project === 'string' ? { projectId: values.project } : undefined;
  const { costBreakdown: b } = await callGraphQL<{ costBreakdown: Breakdown }>(ctx, COST_BREAKDOWN_QUERY, { from: range.from.toISOString(), to: range.to.toISOString(), groupBy, filter, limit });
  const total = Number(b.totalMicros);
  const rows = b.groups.map((g) => [...g.keys.map((k) => k.label ?? k.id ?? '(none)'), formatMicros(g.amountMicros), share(Number(g.amountMicros), total), String(g.lines)]);
  if (Number(b.othersMicros) > 0) rows.push([...groupBy.map((_, i) => (i === 0 ? 'Others' : '')), formatMicros(b.othersMicros), share(Number(b.othersMicros), total), '']);
  const span = `${range.from.toISOString().slice(0, 16).replace('T', ' ')} to ${range.to.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const human = b.lines
    ? `${formatTable([[...groupBy.map((d) => d.toUpperCase()), 'AMOUNT', 'SHARE', 'LINES'], ...rows])}\n\nTotal ${formatMicros(b.totalMicros)} over ${b.lines} ledger line${b.lines === 1 ? '' : 's'}, ${span}.`
    : `Nothing was charged ${span}.`;
  ctx.out.result(human, { from: range.from.toISOString(), to: range.to.toISOString(), groupBy, ...b });
}

async function budgets(ctx: Context) {
  const { budgets: rows, costForecasts } = await callGraphQL<{ budgets: BudgetRow[]; costForecasts: { teamId: string; forecastMicros: string }[] }>(ctx, BUDGETS_QUERY);
  const forecast = new Map(costForecasts.map((f) => [f.teamId, f.forecastMicros]));
  const human = rows.length
    ? `${formatTable([
        ['TEAM', 'PROJECT', 'BUDGET', 'SPENT', 'RESERVED', 'LEFT', 'FORECAST', 'AT THE LIMIT'],
        ...rows.map((b) => [b.teamName, b.projectName ?? '-', formatMicros(b.amountMicros), formatMicros(b.spentMicros), formatMicros(b.reservedMicros), formatMicros(b.remainingMicros), b.projectName ? '-' : formatMicros(forecast.get(b.teamId)), ACTIONS[b.action] ?? b.action]),
      ])}\n\n${rows[0]!.month}; reserved is the worst case of jobs not ended yet; the forecast adds the last seven days' run rate for the rest of the month.`
    : 'No budgets. An admin sets one in the web app (Costs) or with the setBudget mutation.';
  ctx.out.result(human, { budgets: rows.map((b) => ({ ...b, forecastMicros: b.projectName ? null : (forecast.get(b.teamId) ?? null) })) });
}

const FLAGS: Record<string, string[]> = {
  summary: ['by', 'since', 'until', 'month', 'team', 'project', 'limit'],
  budgets: [],
};
const GLOBAL = new Set(['url', 'json', 'help', 'version']);

export const costs: Command = {
  name: 'costs',
  summary: 'What teams, projects, models and jobs cost, and where budgets stand',
  usage: 'gantry costs [summary] [--by DIMS] [--month YYYY-MM | --since TIME [--until TIME]] [--team ID | --project ID] [--limit N] | budgets',
  help: `Subcommands:
  summary (default)   spend grouped by one to three dimensions, largest first, with each
                      group's share and the total (from the cost ledger: every job's
                      settled cost and every deployment's runtime, by the hour)
  budgets             each budget this month: amount, spent, reserved by running jobs,
                      left, the team's month-end forecast, and what happens at the limit

Flags (summary):
  --by DIMS        ${COST_DIMENSIONS.join(', ')}; comma-separated, up to three
                   (default team)
  --month YYYY-MM  that calendar month (UTC)
  --since TIME     from TIME (default: the start of this month): ISO 8601 or how long ago
                   (24h, 7d, 4w)
  --until TIME     to TIME (default: now)
  --team ID        only this team's lines; --project ID only this project's
  --limit N        groups to list (default ${DEFAULT_LIMIT}); the rest are summed as Others

Amounts are exact (integer micro-dollars underneath); --json gives them as strings of
micro-dollars. For the ledger lines themselves, download
/api/costs/export.csv?from=<ISO>&to=<ISO> with the same API key.

Examples:
  gantry costs
  gantry costs --by project,gpuType --since 30d
  gantry costs --by job --team team_01h... --month 2026-11
  gantry costs budgets --json | jq '.budgets[] | {teamName, remainingMicros}'`,
  options: {
    by: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    month: { type: 'string' },
    team: { type: 'string' },
    project: { type: 'string' },
    limit: { type: 'string' },
  },
  args: [{ name: 'summary|budgets', required: false }],
  async run(ctx, { values, positionals }) {
    const sub = positionals[0] ?? 'summary';
    const allowed = FLAGS[sub];
    if (!allowed) throw usageError(`Unknown subcommand '${sub}'.`, "Subcommands: summary, budgets. Run 'gantry costs --help'.");
    const stray = Object.keys(values).find((k) => values[k] !== undefined && !GLOBAL.has(k) && !allowed.includes(k));
    if (stray) throw usageError(`--${stray} does not apply to 'costs ${sub}'.`, "Run 'gantry costs --help' for which flags go with which subcommand.");
    return sub === 'budgets' ? budgets(ctx) : summary(ctx, values);
  },
};
