import { inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { experiments, type Experiment } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { loadExperimentViews, type ExperimentView } from './access';
import { parseFilterString, parseOrderBy, type FilterClause } from './search-filter';
import { VIEW_TYPES } from './tracking.schemas';

export const searchExperimentsInput = z.object({
  projectId: idSchema('Project ID').nullish(),
  filter: z.string().max(10_000).nullish(),
  orderBy: z.array(z.string().max(500)).max(10).default([]),
  viewType: z.enum(VIEW_TYPES).default('ACTIVE_ONLY'),
  maxResults: z.number().int().min(1).max(50_000).default(1000),
  /** Offset token (MLflow) or, for GraphQL's keyset paging, the last experiment ID seen. */
  pageToken: z.string().max(200).nullish(),
  afterId: z.string().max(64).nullish(),
});

export interface ExperimentPage {
  experiments: ExperimentView[];
  nextPageToken: string | null;
}

const bad = (message: string) => new AppError('BAD_USER_INPUT', message);
const ATTRS: Record<string, { col: SQL; numeric: boolean }> = {
  name: { col: sql`e.name`, numeric: false },
  experiment_id: { col: sql`e.id`, numeric: false },
  creation_time: { col: sql`e.created_at`, numeric: true },
  last_update_time: { col: sql`e.updated_at`, numeric: true },
};

function clauseSql(c: FilterClause): SQL {
  const op = c.op;
  const textCmp = (col: SQL) => {
    if (typeof c.value !== 'string') throw bad(`Expected a quoted string after ${op}`);
    if (op === 'LIKE') return sql`${col} like ${c.value}`;
    if (op === 'ILIKE') return sql`${col} ilike ${c.value}`;
    if (op === '=' || op === '!=') return sql`${col} ${sql.raw(op)} ${c.value}`;
    throw bad(`${op} is not supported for strings`);
  };
  if (c.entity === 'tag') return sql`exists (select 1 from experiment_tags t where t.experiment_id = e.id and t.key = ${c.key} and ${textCmp(sql`t.value`)})`;
  const a = c.entity === 'attribute' ? ATTRS[c.key] : undefined;
  if (!a) throw bad(`Experiments can be filtered by name, creation_time, last_update_time and tags, not "${c.key}"`);
  if (!a.numeric) return textCmp(a.col);
  if (typeof c.value !== 'number' || !['=', '!=', '<', '<=', '>', '>='].includes(op)) throw bad(`Compare ${c.key} with a number`);
  return sql`${a.col} ${sql.raw(op)} ${c.value}`;
}

export async function searchExperiments(ctx: TenantContext, input: unknown): Promise<ExperimentPage> {
  assertCan(ctx, 'experiment:read');
  const data = parseInput(searchExperimentsInput, input);
  const offset = data.pageToken ? Number.parseInt(Buffer.from(data.pageToken, 'base64url').toString('utf8'), 10) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw bad('Invalid page token');
  const limit = Math.min(data.maxResults, 1000);
  const stage =
    data.viewType === 'ACTIVE_ONLY' ? sql`e.lifecycle_stage = 'active'` : data.viewType === 'DELETED_ONLY' ? sql`e.lifecycle_stage = 'deleted'` : sql`true`;
  const conds = [
    sql`e.org_id = ${ctx.orgId}`,
    stage,
    data.projectId ? sql`e.project_id = ${data.projectId}` : sql`true`,
    data.afterId ? sql`e.id > ${data.afterId}` : sql`true`,
    ...parseFilterString(data.filter).map(clauseSql),
  ];
  const order = data.orderBy.map((o) => {
    const ob = parseOrderBy(o);
    const a = ATTRS[ob.key];
    if (ob.entity !== 'attribute' || !a) throw bad(`Experiments can be ordered by ${Object.keys(ATTRS).join(', ')}`);
    return sql`${a.col} ${sql.raw(ob.ascending ? 'asc' : 'desc')}`;
  });
  // Without an order, keyset order by ID (creation order) for GraphQL; MLflow's default is newest first.
  const tail = data.afterId || data.projectId ? sql`e.id asc` : sql`e.created_at desc, e.id asc`;
  return withTenant(ctx, async (tx) => {
    const rows = await tx.execute<{ id: string }>(
      sql`select e.id from experiments e where ${sql.join(conds, sql` and `)} order by ${sql.join([...order, tail], sql`, `)} limit ${limit + 1} offset ${offset}`,
    );
    const ids = rows.map((r) => r.id).slice(0, limit);
    const found: Experiment[] = ids.length ? await tx.select().from(experiments).where(inArray(experiments.id, ids)) : [];
    const byId = new Map(found.map((e) => [e.id, e]));
    return {
      experiments: await loadExperimentViews(tx, ids.map((i) => byId.get(i)!).filter(Boolean)),
      nextPageToken: rows.length > limit ? Buffer.from(String(offset + limit)).toString('base64url') : null,
    };
  });
}
