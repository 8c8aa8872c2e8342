import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { COST_DIMENSIONS, forecastMonth, type CostDimension } from '../../rules/costs';
import { monthOf } from '../../rules/budgets';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { idSchema, parseInput } from '../validation';

/** The longest range one question may span: enough for a year of daily figures. */
const MAX_RANGE_DAYS = 400;

const rangeSchema = z
  .object({ from: z.date(), to: z.date() })
  .refine((r) => r.to.getTime() > r.from.getTime(), { message: 'The range ends after it starts', path: ['to'] })
  .refine((r) => r.to.getTime() - r.from.getTime() <= MAX_RANGE_DAYS * 86_400_000, { message: `A range spans at most ${MAX_RANGE_DAYS} days`, path: ['to'] });

export const costFilterSchema = z
  .object({
    teamId: idSchema('Team ID'),
    projectId: idSchema('Project ID'),
    userId: idSchema('User ID'),
    modelId: idSchema('Model ID'),
    modelVersionId: idSchema('Model version ID'),
    clusterId: idSchema('Cluster ID'),
    deploymentId: idSchema('Deployment ID'),
    jobId: idSchema('Job ID'),
    runId: idSchema('Run ID'),
    gpuType: z.string().max(64),
  })
  .partial();
export type CostFilter = z.infer<typeof costFilterSchema>;

export const breakdownInput = z.object({
  range: rangeSchema,
  groupBy: z.array(z.enum(COST_DIMENSIONS)).min(1, 'Group by at least one dimension').max(3, 'Group by at most three dimensions'),
  filter: costFilterSchema.default({}),
  /** Largest groups first; the rest are summed into `others`. */
  limit: z.number().int().min(1).max(1000).default(100),
});

/**
 * The ledger lines as the explorer reads them: each line once, with the model version it counts
 * toward (its own, or the version registered from its run, for a job whose model was registered
 * by hand afterwards) and every name a group shows. Every figure is a sum over this.
 */
export function attributed(orgId: string, from: Date, to: Date, filter: CostFilter): SQL {
  const where: SQL[] = [sql`cl.org_id = ${orgId}`, sql`cl.occurred_at >= ${from.toISOString()}`, sql`cl.occurred_at < ${to.toISOString()}`, ...filterSql(filter).where];
  return sql`
    select cl.id, cl.source_key, cl.amount_micros, cl.occurred_at, cl.started_at, cl.ended_at, cl.seconds, cl.run_id, cl.source, cl.gpu_type,
      cl.team_id, t.name as team_name, cl.project_id, p.name as project_name, cl.user_id, u.email as user_email,
      mv.model_id, rm.name as model_name, mv.id as model_version_id, mv.version as model_version,
      cl.cluster_id, c.name as cluster_name, cl.deployment_id, d.name as deployment_name, cl.job_id
    from cost_lines cl
    ${VERSION_OF_LINE}
    left join registered_models rm on rm.id = mv.model_id
    left join teams t on t.id = cl.team_id
    left join projects p on p.id = cl.project_id
    left join users u on u.id = cl.user_id
    left join clusters c on c.id = cl.cluster_id
    left join deployments d on d.id = cl.deployment_id
    where ${sql.join(where, sql` and `)}`;
}

/**
 * Each dimension's key over the ledger's own columns (`cl`, and `mv` for the model version a line
 * counts toward), and its label: the name joined to the grouped key, so that only groups are named,
 * never every line.
 */
const DIMENSION_SQL: Record<CostDimension, { key: SQL; label: (k: SQL) => SQL; needsVersion?: true }> = {
  team: { key: sql`cl.team_id`, label: (k) => sql`(select name from teams where id = ${k})` },
  project: { key: sql`cl.project_id`, label: (k) => sql`(select name from projects where id = ${k})` },
  user: { key: sql`cl.user_id`, label: (k) => sql`(select email from users where id = ${k})` },
  model: { key: sql`mv.model_id`, label: (k) => sql`(select name from registered_models where id = ${k})`, needsVersion: true },
  modelVersion: {
    key: sql`mv.id`,
    label: (k) => sql`(select rm.name || ' v' || v.version from model_versions v join registered_models rm on rm.id = v.model_id where v.id = ${k})`,
    needsVersion: true,
  },
  cluster: { key: sql`cl.cluster_id`, label: (k) => sql`(select name from clusters where id = ${k})` },
  gpuType: { key: sql`cl.gpu_type`, label: (k) => k },
  deployment: { key: sql`cl.deployment_id`, label: (k) => sql`(select name from deployments where id = ${k})` },
  source: { key: sql`cl.source::text`, label: (k) => k },
  job: { key: sql`cl.job_id`, label: (k) => sql`(select name from training_jobs where id = ${k})` },
  day: { key: sql`to_char(cl.occurred_at at time zone 'UTC', 'YYYY-MM-DD')`, label: (k) => k },
};

/** The model version a line counts toward: its own, or the one registered from its run. */
const VERSION_OF_LINE = sql`
    left join lateral (
      select v.id, v.model_id, v.version from model_versions v
      where v.org_id = cl.org_id and (v.id = cl.model_version_id or (cl.model_version_id is null and cl.run_id is not null and v.run_id = cl.run_id))
      order by (v.id = cl.model_version_id) desc, v.created_at
      limit 1
    ) mv on true`;

/** The filter's conditions over `cl` and `mv`; whether they need `mv`. */
function filterSql(filter: CostFilter): { where: SQL[]; needsVersion: boolean } {
  const column: Record<keyof CostFilter, SQL> = {
    teamId: sql`cl.team_id`,
    projectId: sql`cl.project_id`,
    userId: sql`cl.user_id`,
    modelId: sql`mv.model_id`,
    modelVersionId: sql`mv.id`,
    clusterId: sql`cl.cluster_id`,
    deploymentId: sql`cl.deployment_id`,
    jobId: sql`cl.job_id`,
    runId: sql`cl.run_id`,
    gpuType: sql`cl.gpu_type`,
  };
  const where: SQL[] = [];
  let needsVersion = false;
  for (const [k, v] of Object.entries(filter)) {
    if (v == null) continue;
    where.push(sql`${column[k as keyof CostFilter]} = ${v}`);
    if (k === 'modelId' || k === 'modelVersionId') needsVersion = true;
  }
  return { where, needsVersion };
}

export interface CostGroupKey {
  dimension: CostDimension;
  /** Null: lines without this attribute (a job has no deployment, a CPU job no GPU type). */
  id: string | null;
  label: string | null;
}

export interface CostGroup {
  keys: CostGroupKey[];
  amountMicros: number;
  lines: number;
}

export interface CostBreakdown {
  groups: CostGroup[];
  /** What the groups past the limit add up to, so that groups + others = total. */
  othersMicros: number;
  totalMicros: number;
  lines: number;
}

async function readBreakdown(tx: Tx, orgId: string, data: z.infer<typeof breakdownInput>): Promise<CostBreakdown> {
  const dims = data.groupBy;
  const filter = filterSql(data.filter);
  const needsVersion = filter.needsVersion || dims.some((d) => DIMENSION_SQL[d].needsVersion);
  const where = [sql`cl.org_id = ${orgId}`, sql`cl.occurred_at >= ${data.range.from.toISOString()}`, sql`cl.occurred_at < ${data.range.to.toISOString()}`, ...filter.where];
  const keys = dims.map((d, i) => sql`${DIMENSION_SQL[d].key} as ${sql.raw(`k${i}`)}`);
  const labels = dims.map((d, i) => sql`${DIMENSION_SQL[d].label(sql.raw(`g.k${i}`))} as ${sql.raw(`l${i}`)}`);
  const positions = sql.raw(dims.map((_, i) => String(i + 1)).join(', '));
  const rows = await tx.execute<Record<string, string | null>>(sql`
    with g as (
      select ${sql.join(keys, sql`, `)}, sum(cl.amount_micros) as amount, count(*) as n
      from cost_lines cl ${needsVersion ? VERSION_OF_LINE : sql``}
      where ${sql.join(where, sql` and `)}
      group by ${positions}
    )
    select g.*, ${sql.join(labels, sql`, `)}, sum(g.amount) over () as total, sum(g.n) over () as total_n
    from g
    order by g.amount desc, ${sql.join(
      dims.map((_, i) => sql.raw(`g.k${i}`)),
      sql`, `,
    )}`);
  const total = rows.length ? Number(rows[0]!.total) : 0;
  const totalLines = rows.length ? Number(rows[0]!.total_n) : 0;
  const groups = rows.slice(0, data.limit).map((r) => ({
    keys: dims.map((d, i) => ({ dimension: d, id: r[`k${i}`] ?? null, label: r[`l${i}`] ?? null })),
    amountMicros: Number(r.amount),
    lines: Number(r.n),
  }));
  const shown = groups.reduce((s, g) => s + g.amountMicros, 0);
  return { groups, othersMicros: total - shown, totalMicros: total, lines: totalLines };
}

/**
 * What the organization spent over a range, grouped by up to three of team, project, user, model,
 * model version, cluster, GPU type, deployment, source, job and day, largest first; `othersMicros`
 * holds what the groups past `limit` add up to, so the groups and others always sum to the total.
 */
export async function costBreakdown(ctx: TenantContext, input: unknown): Promise<CostBreakdown> {
  assertCan(ctx, 'cost:read');
  const data = parseInput(breakdownInput, input);
  return withTenant(ctx, (tx) => readBreakdown(tx, ctx.orgId, data));
}

export const seriesInput = z.object({
  range: rangeSchema,
  /** The dimension each series is: one series per team (project, model, ...), a point per day. */
  by: z.enum(COST_DIMENSIONS).refine((d) => d !== 'day', 'A daily series is already by day: choose what each series is'),
  filter: costFilterSchema.default({}),
  /** The largest series are kept; the rest are summed into one `Others` series. */
  series: z.number().int().min(1).max(20).default(8),
});

export interface CostSeries {
  key: CostGroupKey;
  /** One amount per day of `days`, zero where nothing was charged. */
  points: number[];
  totalMicros: number;
}

export interface DailyCosts {
  /** Every UTC day of the range, `YYYY-MM-DD`. */
  days: string[];
  series: CostSeries[];
  /** The days' totals over all series. */
  totals: number[];
}

const dayKey = (d: Date) => d.toISOString().slice(0, 10);

/** Daily spend over a range, one series per group of `by` (the largest few, the rest as `Others`), for the explorer's stacked chart. */
export async function dailyCosts(ctx: TenantContext, input: unknown): Promise<DailyCosts> {
  assertCan(ctx, 'cost:read');
  const data = parseInput(seriesInput, input);
  const from = new Date(Date.UTC(data.range.from.getUTCFullYear(), data.range.from.getUTCMonth(), data.range.from.getUTCDate()));
  const days: string[] = [];
  for (let t = from.getTime(); t < data.range.to.getTime(); t += 86_400_000) days.push(dayKey(new Date(t)));
  const index = new Map(days.map((d, i) => [d, i]));
  const b = await withTenant(ctx, (tx) => readBreakdown(tx, ctx.orgId, { range: data.range, groupBy: [data.by, 'day'], filter: data.filter, limit: 1000 * 400 }));
  const bySeries = new Map<string, CostSeries>();
  for (const g of b.groups) {
    const key = g.keys[0]!;
    const id = key.id ?? '';
    let s = bySeries.get(id);
    if (!s) bySeries.set(id, (s = { key, points: days.map(() => 0), totalMicros: 0 }));
    const i = index.get(g.keys[1]!.id!);
    if (i !== undefined) s.points[i]! += g.amountMicros;
    s.totalMicros += g.amountMicros;
  }
  const ranked = [...bySeries.values()].sort((x, y) => y.totalMicros - x.totalMicros || String(x.key.label).localeCompare(String(y.key.label)));
  const kept = ranked.slice(0, data.series);
  const rest = ranked.slice(data.series);
  if (rest.length) {
    const others: CostSeries = { key: { dimension: data.by, id: null, label: `Others (${rest.length})` }, points: days.map(() => 0), totalMicros: 0 };
    for (const s of rest) {
      s.points.forEach((p, i) => (others.points[i]! += p));
      others.totalMicros += s.totalMicros;
    }
    kept.push(others);
  }
  const totals = days.map((_, i) => kept.reduce((sum, s) => sum + s.points[i]!, 0));
  return { days, series: kept, totals };
}

export interface TeamForecast {
  teamId: string;
  teamName: string;
  month: string;
  spentMicros: number;
  forecastMicros: number;
  /** The team's budget for the month (the team-wide one), when it has one. */
  budgetMicros: number | null;
}

/** Each team's spend this month so far and its month-end forecast (rules/costs.ts `forecastMonth`, ADR 0026), beside its budget. */
export async function costForecasts(ctx: TenantContext, at = new Date()): Promise<TeamForecast[]> {
  assertCan(ctx, 'cost:read');
  const month = monthOf(at);
  return withTenant(ctx, async (tx) => {
    const rows = await tx.execute<{ team_id: string; team_name: string; day: string | null; amount: string | null; budget: string | null }>(sql`
      select t.id as team_id, t.name as team_name, d.day, d.amount, b.amount_micros as budget
      from teams t
      left join (
        select team_id, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day, sum(amount_micros) as amount
        from cost_lines where org_id = ${ctx.orgId} and occurred_at >= ${month.start.toISOString()} and occurred_at < ${at.toISOString()}
        group by 1, 2
      ) d on d.team_id = t.id
      left join budgets b on b.org_id = t.org_id and b.team_id = t.id and b.project_id is null
      where t.org_id = ${ctx.orgId}
      order by t.name, d.day`);
    const teams = new Map<string, { name: string; budget: number | null; daily: Map<string, number> }>();
    for (const r of rows) {
      let t = teams.get(r.team_id);
      if (!t) teams.set(r.team_id, (t = { name: r.team_name, budget: r.budget === null ? null : Number(r.budget), daily: new Map() }));
      if (r.day) t.daily.set(r.day, Number(r.amount));
    }
    return [...teams.entries()].map(([teamId, t]) => {
      const f = forecastMonth(t.daily, at);
      return { teamId, teamName: t.name, month: month.label, spentMicros: f.spentMicros, forecastMicros: f.forecastMicros, budgetMicros: t.budget };
    });
  });
}

/**
 * Model versions' costs, by ID: each version's own lines (the training that registered it, its
 * evaluations) and those of the run it came from. Versions with no lines cost 0.
 */
export async function modelVersionCosts(ctx: TenantContext, versionIds: readonly string[]): Promise<Map<string, number>> {
  assertCan(ctx, 'cost:read');
  const ids = [...new Set(versionIds)];
  if (!ids.length) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.execute<{ id: string; amount: string }>(sql`
      select v.id, coalesce(sum(cl.amount_micros), 0) as amount
      from model_versions v
      left join cost_lines cl on cl.org_id = v.org_id and (cl.model_version_id = v.id or (v.run_id is not null and cl.run_id = v.run_id))
      where v.org_id = ${ctx.orgId} and v.id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})
      group by v.id`);
    return new Map(rows.map((r) => [r.id, Number(r.amount)]));
  });
}

/** What runs' jobs cost, settled so far, by run ID. */
export async function runCosts(ctx: TenantContext, runIds: readonly string[]): Promise<Map<string, number>> {
  assertCan(ctx, 'cost:read');
  const ids = [...new Set(runIds)];
  if (!ids.length) return new Map();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.execute<{ run_id: string; amount: string }>(sql`
      select run_id, sum(amount_micros) as amount from cost_lines where org_id = ${ctx.orgId} and run_id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)}) group by run_id`);
    return new Map(ids.map((id) => [id, Number(rows.find((r) => r.run_id === id)?.amount ?? 0)]));
  });
}
