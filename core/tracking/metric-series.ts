import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { withTenant } from '../../db/with-tenant';
import { AppError } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findRun, tenantScope } from './access';
import { runIdSchema } from './tracking.schemas';

export const metricSeriesInput = z.object({
  runId: runIdSchema,
  key: z.string().min(1, 'Metric key is required').max(250),
  maxPoints: z.number().int().min(2, 'maxPoints must be at least 2').max(10_000, 'maxPoints must be at most 10000').default(1000),
  minStep: z.number().int().nullish(),
  maxStep: z.number().int().nullish(),
});

export interface SeriesPoint {
  step: number;
  timestamp: number;
  value: number;
}

/** One step range of a downsampled series: its true extremes and where they occur. */
export interface SeriesBucket {
  fromStep: number;
  toStep: number;
  count: number;
  min: SeriesPoint;
  max: SeriesPoint;
}

export interface MetricSeries {
  key: string;
  /** Every point in range when there are at most `maxPoints`; otherwise each bucket's min and max points, in step order. */
  points: SeriesPoint[];
  buckets: SeriesBucket[];
  downsampled: boolean;
  totalPoints: number;
  minStep: number | null;
  maxStep: number | null;
}

/**
 * A chart-ready series. Above `maxPoints`, the step range is cut into maxPoints/2
 * equal-width buckets and each keeps its minimum and maximum point, so spikes are
 * never lost (no random sampling). Zooming in (a narrower step range) spreads the
 * same budget over fewer steps and so returns finer detail. NaN points are left
 * out (they have no place on an axis; the history API still returns them); ±Infinity are kept.
 */
export async function getMetricSeries(ctx: TenantContext, input: unknown): Promise<MetricSeries> {
  assertCan(ctx, 'run:read');
  const data = parseInput(metricSeriesInput, input);
  if (data.minStep != null && data.maxStep != null && data.minStep > data.maxStep) throw new AppError('BAD_USER_INPUT', 'minStep must not exceed maxStep');
  return withTenant(tenantScope(ctx), async (tx) => {
    const run = await findRun(tx, ctx, data.runId);
    const range = sql`run_id = ${run.id} and key = ${data.key} and value <> 'NaN'::float8
      ${data.minStep != null ? sql`and step >= ${data.minStep}` : sql``}
      ${data.maxStep != null ? sql`and step <= ${data.maxStep}` : sql``}`;
    const [stats] = await tx.execute<{ n: string; lo: string | null; hi: string | null }>(
      sql`select count(*) as n, min(step) as lo, max(step) as hi from run_metrics where ${range}`,
    );
    const total = Number(stats?.n ?? 0);
    const lo = stats?.lo == null ? null : Number(stats.lo);
    const hi = stats?.hi == null ? null : Number(stats.hi);
    const base = { key: data.key, totalPoints: total, minStep: lo, maxStep: hi };
    if (total <= data.maxPoints || lo == null || hi == null) {
      const rows = await tx.execute<{ step: string; timestamp: string; value: number }>(
        sql`select step, timestamp, value from run_metrics where ${range} order by step, timestamp`,
      );
      return { ...base, downsampled: false, buckets: [], points: rows.map((r) => ({ step: Number(r.step), timestamp: Number(r.timestamp), value: Number(r.value) })) };
    }
    const bucketCount = Math.floor(data.maxPoints / 2);
    const width = Math.max(1, Math.ceil((hi - lo + 1) / bucketCount));
    // Ties on value go to the earliest step, so the chosen point is deterministic.
    const rows = await tx.execute<{ b: string; n: string; min_v: number; min_s: string; min_t: string; max_v: number; max_s: string; max_t: string }>(sql`
      with pts as (select step, timestamp, value, (step - ${lo}) / ${width} as b from run_metrics where ${range}),
      lows as (select distinct on (b) b, value, step, timestamp from pts order by b, value asc, step asc, timestamp asc),
      highs as (select distinct on (b) b, value, step, timestamp from pts order by b, value desc, step asc, timestamp asc),
      counts as (select b, count(*) as n from pts group by b)
      select c.b, c.n, l.value as min_v, l.step as min_s, l.timestamp as min_t, h.value as max_v, h.step as max_s, h.timestamp as max_t
      from counts c join lows l using (b) join highs h using (b) order by c.b`);
    const buckets: SeriesBucket[] = rows.map((r) => {
      const b = Number(r.b);
      return {
        fromStep: lo + b * width,
        toStep: Math.min(hi, lo + (b + 1) * width - 1),
        count: Number(r.n),
        min: { step: Number(r.min_s), timestamp: Number(r.min_t), value: Number(r.min_v) },
        max: { step: Number(r.max_s), timestamp: Number(r.max_t), value: Number(r.max_v) },
      };
    });
    const points: SeriesPoint[] = [];
    for (const b of buckets) {
      const pair = b.min.step <= b.max.step ? [b.min, b.max] : [b.max, b.min];
      points.push(pair[0]!);
      if (pair[1] !== pair[0] && !(pair[1]!.step === pair[0]!.step && pair[1]!.value === pair[0]!.value)) points.push(pair[1]!);
    }
    return { ...base, downsampled: true, buckets, points };
  });
}
