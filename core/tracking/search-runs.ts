import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client';
import { runs, type Run } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { DEFAULT_EXPERIMENT_ALIAS, findExperiment, loadRunViews, type RunView } from './access';
import { filterClauseSchema, orderBySchema, parseFilterString, parseOrderBy, type FilterClause, type OrderBy } from './search-filter';
import { experimentIdSchema, VIEW_TYPES } from './tracking.schemas';

/** Rows per page; MLflow allows asking for up to 50,000 and pages the rest with a token. */
export const MAX_RUNS_PAGE = 1000;

export const searchRunsInput = z.object({
  experimentIds: z.array(experimentIdSchema).min(1, 'At least one experiment ID is required').max(100),
  /** MLflow filter syntax; combined (AND) with `where`. */
  filter: z.string().max(10_000).nullish(),
  where: z.array(filterClauseSchema).max(100).default([]),
  orderBy: z.array(z.union([z.string().max(500), orderBySchema])).max(10).default([]),
  viewType: z.enum(VIEW_TYPES).default('ACTIVE_ONLY'),
  maxResults: z.number().int().min(1, 'max_results must be positive').max(50_000, 'max_results must be at most 50000').default(1000),
  pageToken: z.string().max(200).nullish(),
  /** Rows to skip, for GraphQL cursors; a page token, when given, wins. */
  offset: z.number().int().min(0).nullish(),
  /**
   * The instant (epoch ms) running runs' durations are measured to; default now.
   * Paging by duration passes the first page's instant on, so running runs keep their place.
   */
  asOf: z.number().int().min(0).nullish(),
  /** Also count every run that matches (one more query). */
  withTotalCount: z.boolean().default(false),
});

export interface RunPage {
  runs: RunView[];
  nextPageToken: string | null;
  /** The instant running runs' durations were measured to. */
  asOf: number;
  /** Every matching run, when asked for. */
  totalCount: number | null;
}

const bad = (message: string) => new AppError('BAD_USER_INPUT', message);

const TEXT_ATTRIBUTES: Record<string, SQL> = {
  run_id: sql`r.id`,
  run_name: sql`r.name`,
  status: sql`r.status::text`,
  user_id: sql`r.client_user`,
  lifecycle_stage: sql`r.lifecycle_stage::text`,
  experiment_id: sql`r.experiment_id`,
  artifact_uri: sql`('mlflow-artifacts:/' || r.experiment_id || '/' || r.id || '/artifacts')`,
};
const NUMERIC_ATTRIBUTES: Record<string, SQL> = {
  start_time: sql`r.start_time`,
  created: sql`r.start_time`,
  end_time: sql`r.end_time`,
};

function compare(col: SQL, op: FilterClause['op'], value: FilterClause['value'], numeric: boolean): SQL {
  if (op === 'IS NULL') return sql`${col} is null`;
  if (op === 'IS NOT NULL') return sql`${col} is not null`;
  if (op === 'IN' || op === 'NOT IN') {
    if (!Array.isArray(value) || value.length === 0) throw bad(`${op} needs a non-empty list of strings`);
    const list = sql.join(value.map((v) => sql`${v}`), sql`, `);
    return op === 'IN' ? sql`${col} in (${list})` : sql`${col} not in (${list})`;
  }
  if (numeric) {
    if (typeof value !== 'number') throw bad(`Expected a number to compare with ${op}, got ${JSON.stringify(value)}`);
    if (op === 'LIKE' || op === 'ILIKE') throw bad(`${op} applies to strings, not numbers`);
    return sql`${col} ${sql.raw(op)} ${value}`;
  }
  if (typeof value !== 'string') throw bad(`Expected a quoted string to compare with ${op}, got ${JSON.stringify(value)}`);
  if (op === 'LIKE') return sql`${col} like ${value}`;
  if (op === 'ILIKE') return sql`${col} ilike ${value}`;
  if (op === '=' || op === '!=') return sql`${col} ${sql.raw(op)} ${value}`;
  throw bad(`${op} is not supported for strings; use =, !=, LIKE or ILIKE`);
}

/**
 * A metric named in ORDER BY, joined once as `alias`. `required` when a filter clause
 * already demands the metric (any test but IS NULL): then the join is inner, the
 * filter tests the joined value, and the sort has no NULLS clause, so Postgres can
 * walk the (org_id, key, value) index in order and stop after one page.
 */
interface JoinedMetric {
  alias: SQL;
  required: boolean;
}

/** One SQL condition per clause; every value is a bound parameter and every operator comes from a closed list. */
function clauseSql(c: FilterClause, joined: Map<string, JoinedMetric>): SQL {
  switch (c.entity) {
    case 'metric': {
      if (c.op === 'IS NULL') return sql`not exists (select 1 from run_latest_metrics m where m.run_id = r.id and m.key = ${c.key})`;
      const j = joined.get(c.key);
      if (j?.required) return compare(sql`${j.alias}.value`, c.op, c.value, true);
      return sql`exists (select 1 from run_latest_metrics m where m.run_id = r.id and m.key = ${c.key} and ${compare(sql`m.value`, c.op, c.value, true)})`;
    }
    case 'param':
    case 'tag': {
      const table = sql.raw(c.entity === 'param' ? 'run_params' : 'run_tags');
      if (c.op === 'IS NULL') return sql`not exists (select 1 from ${table} x where x.run_id = r.id and x.key = ${c.key})`;
      return sql`exists (select 1 from ${table} x where x.run_id = r.id and x.key = ${c.key} and ${compare(sql`x.value`, c.op, c.value, false)})`;
    }
    case 'dataset': {
      const col = { name: sql`d.name`, digest: sql`d.digest`, context: sql`(ri.tags->>'mlflow.data.context')` }[c.key];
      if (!col) throw bad(`Unknown dataset field "${c.key}": use datasets.name, datasets.digest or datasets.context`);
      return sql`exists (select 1 from run_inputs ri join datasets d on d.id = ri.dataset_id where ri.run_id = r.id and ${compare(col, c.op, c.value, false)})`;
    }
    case 'attribute': {
      const key = c.key === 'run_uuid' ? 'run_id' : c.key;
      if (NUMERIC_ATTRIBUTES[key]) return compare(NUMERIC_ATTRIBUTES[key], c.op, c.value, true);
      if (TEXT_ATTRIBUTES[key]) return compare(TEXT_ATTRIBUTES[key], c.op, c.value, false);
      throw bad(`Unknown attribute "${c.key}": use ${[...Object.keys(TEXT_ATTRIBUTES), ...Object.keys(NUMERIC_ATTRIBUTES)].join(', ')}`);
    }
  }
}

/** Run attributes only sorted by, never filtered on: Gantry's own, not MLflow's. */
function orderOnlyAttribute(key: string, ascending: boolean, asOf: number): SQL | null {
  const dir = sql.raw(ascending ? 'asc' : 'desc');
  if (key === 'duration') return sql`(coalesce(r.end_time, ${asOf}::bigint) - r.start_time) ${dir}`;
  if (key === 'created_by') {
    // The creator's email, and within it runs created in the browser before those logged with each key (by prefix), as their labels read.
    return sql`(select u.email from users u where u.id = r.created_by) ${dir} nulls last, (select k.prefix from api_keys k where k.id = r.created_by_api_key) ${dir} ${sql.raw(ascending ? 'nulls first' : 'nulls last')}`;
  }
  return null;
}

function orderSql(o: OrderBy, asOf: number, joined: Map<string, JoinedMetric>): SQL {
  const dir = sql.raw(o.ascending ? 'asc' : 'desc');
  switch (o.entity) {
    case 'metric': {
      const j = joined.get(o.key)!;
      // An inner-joined value is never null, so NULLS LAST changes nothing but the index's usability.
      return j.required ? sql`${j.alias}.value ${dir}` : sql`${j.alias}.value ${dir} nulls last`;
    }
    case 'param':
      return sql`(select x.value from run_params x where x.run_id = r.id and x.key = ${o.key}) ${dir} nulls last`;
    case 'tag':
      return sql`(select x.value from run_tags x where x.run_id = r.id and x.key = ${o.key}) ${dir} nulls last`;
    case 'attribute': {
      const only = orderOnlyAttribute(o.key, o.ascending, asOf);
      if (only) return only;
      const col = NUMERIC_ATTRIBUTES[o.key] ?? TEXT_ATTRIBUTES[o.key === 'run_uuid' ? 'run_id' : o.key];
      if (!col) throw bad(`Cannot order by unknown attribute "${o.key}"`);
      return sql`${col} ${dir} nulls last`;
    }
  }
}

/** Page tokens are opaque to clients; inside, the offset of the next row and the first page's `asOf`. */
function encodeToken(offset: number, asOf: number): string {
  return Buffer.from(JSON.stringify({ o: offset, a: asOf })).toString('base64url');
}
function decodeToken(token: string): { offset: number; asOf: number | null } {
  try {
    const { o, a } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; a?: unknown };
    const asOf = typeof a === 'number' && Number.isSafeInteger(a) && a >= 0 ? a : null;
    if (typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) return { offset: o, asOf };
  } catch {
    // fall through to the error below
  }
  throw bad('Invalid page token');
}

export async function searchRunsIn(tx: Tx, ctx: TenantContext, data: z.infer<typeof searchRunsInput>): Promise<RunPage> {
  const expIds: string[] = [];
  for (const id of data.experimentIds) {
    if (id === DEFAULT_EXPERIMENT_ALIAS) {
      // A read-only caller in an organization without a default experiment just finds no runs there.
      const d = await findExperiment(tx, ctx, id).catch((e: unknown) => {
        if (e instanceof AppError && e.code === 'NOT_FOUND') return null;
        throw e;
      });
      if (d) expIds.push(d.id);
    } else {
      expIds.push(id);
    }
  }
  const clauses = [...parseFilterString(data.filter), ...data.where];
  const order = data.orderBy.map((o) => (typeof o === 'string' ? parseOrderBy(o) : o));
  const token = data.pageToken ? decodeToken(data.pageToken) : null;
  const offset = token ? token.offset : (data.offset ?? 0);
  const asOf = token?.asOf ?? data.asOf ?? Date.now();
  const limit = Math.min(data.maxResults, MAX_RUNS_PAGE);
  const stage =
    data.viewType === 'ACTIVE_ONLY' ? sql`r.lifecycle_stage = 'active'` : data.viewType === 'DELETED_ONLY' ? sql`r.lifecycle_stage = 'deleted'` : sql`true`;
  // Sorting by a metric joins its latest value once, rather than looking it up per run.
  const joined = new Map<string, JoinedMetric>();
  const joins: SQL[] = [];
  for (const o of order) {
    if (o.entity !== 'metric' || joined.has(o.key)) continue;
    const alias = sql.raw(`om${joined.size}`);
    const required = clauses.some((c) => c.entity === 'metric' && c.key === o.key && c.op !== 'IS NULL');
    joined.set(o.key, { alias, required });
    joins.push(sql`${sql.raw(required ? 'join' : 'left join')} run_latest_metrics ${alias} on ${alias}.run_id = r.id and ${alias}.org_id = ${ctx.orgId} and ${alias}.key = ${o.key}`);
  }
  // Other tenants' experiment IDs simply match nothing: the org filter and RLS both apply.
  const conds = [
    sql`r.org_id = ${ctx.orgId}`,
    expIds.length ? sql`r.experiment_id in (${sql.join(expIds.map((e) => sql`${e}`), sql`, `)})` : sql`false`,
    stage,
    ...clauses.map((c) => clauseSql(c, joined)),
  ];
  // Ties end at the ID, so every order is total and offsets page without repeats or gaps.
  const orderBy = [...order.map((o) => orderSql(o, asOf, joined)), sql`r.start_time desc`, sql`r.id asc`];
  const from = sql`runs r ${sql.join(joins, sql` `)}`;
  const where = sql.join(conds, sql` and `);
  const rows = await tx.execute<{ id: string }>(sql`select r.id from ${from} where ${where} order by ${sql.join(orderBy, sql`, `)} limit ${limit + 1} offset ${offset}`);
  const totalCount = data.withTotalCount ? Number((await tx.execute<{ n: string }>(sql`select count(*) as n from ${from} where ${where}`))[0]!.n) : null;
  const ids = rows.map((r) => r.id);
  const hasMore = ids.length > limit;
  const pageIds = ids.slice(0, limit);
  const found: Run[] = pageIds.length ? await tx.select().from(runs).where(and(eq(runs.orgId, ctx.orgId), inArray(runs.id, pageIds))) : [];
  const byId = new Map(found.map((r) => [r.id, r]));
  const views = await loadRunViews(tx, pageIds.map((id) => byId.get(id)!).filter(Boolean));
  return { runs: views, nextPageToken: hasMore ? encodeToken(offset + limit, asOf) : null, asOf, totalCount };
}

export async function searchRuns(ctx: TenantContext, input: unknown): Promise<RunPage> {
  assertCan(ctx, 'run:read');
  const data = parseInput(searchRunsInput, input);
  return withTenant(ctx, (tx) => searchRunsIn(tx, ctx, data));
}
