import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findRun, type MetricPoint } from './access';
import { runIdSchema } from './tracking.schemas';

export const getMetricHistoryInput = z.object({
  runId: runIdSchema,
  key: z.string({ message: 'metric_key is required' }).min(1, 'metric_key is required').max(250),
  /** Omitted: every point, which is what the mlflow client expects when it does not page. */
  maxResults: z.number().int().min(1).max(1_000_000).nullish(),
  pageToken: z.string().max(200).nullish(),
});

export interface MetricHistoryPage {
  metrics: MetricPoint[];
  nextPageToken: string | null;
}

/** Points in (step, timestamp) order, read along the primary key. */
export async function getMetricHistory(ctx: TenantContext, input: unknown): Promise<MetricHistoryPage> {
  assertCan(ctx, 'run:read');
  const data = parseInput(getMetricHistoryInput, input);
  let offset = 0;
  if (data.pageToken) {
    offset = Number.parseInt(Buffer.from(data.pageToken, 'base64url').toString('utf8'), 10);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new AppError('BAD_USER_INPUT', 'Invalid page token');
  }
  return withTenant(ctx, async (tx) => {
    const run = await findRun(tx, ctx, data.runId);
    const limit = data.maxResults ?? null;
    const rows = await tx.execute<{ step: string; timestamp: string; value: number }>(sql`
      select step, timestamp, value from run_metrics
      where run_id = ${run.id} and key = ${data.key}
      order by step, timestamp, value
      ${limit ? sql`limit ${limit + 1} offset ${offset}` : sql``}`);
    const more = limit != null && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      metrics: page.map((r) => ({ key: data.key, step: Number(r.step), timestamp: Number(r.timestamp), value: Number(r.value) })),
      nextPageToken: more ? Buffer.from(String(offset + limit!)).toString('base64url') : null,
    };
  });
}
