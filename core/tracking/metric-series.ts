import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { withTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findRun } from './access';
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

/** float8 holds every safe integer exactly; steps and timestamps are validated as safe integers on the way in. */
type Extreme = [number, number | string, number | string];

/**
 * A chart-ready series. Above `maxPoints`, the step range is cut into maxPoints/2
 * equal-width buckets and each keeps its minimum and maximum point, so spikes are
 * never lost (no random sampling). Zooming in (a narrower step range) spreads the
 * same budget over fewer steps and so returns finer detail. NaN points are left
 * out (they have no place on an axis; the history API still returns them); ±Infinity are kept.
 *
 * One pass over the range: the points up to the budget and the last step come from
 * the primary key, then each bucket is one range scan of that key keeping only its count and extremes,
 * where the extreme point is the smallest (or largest) `[value, step, timestamp]`
 * array: ties on value go to the earliest step, then the earliest timestamp.
 */
export async function getMetricSeries(ctx: TenantContext, input: unknown): Promise<MetricSeries> {
  assertCan(ctx, 'run:read');
  const data = parseInput(metricSeriesInput, input);
  if (data.minStep != null && data.maxStep != null && data.minStep > data.maxStep) throw new AppError('BAD_USER_INPUT', 'minStep must not exceed maxStep');
  return withTenant(ctx, async (tx) => {
    const run = await findRun(tx, ctx, data.runId);
    const range = sql`run_id = ${run.id} and key = ${data.key} and value <> 'NaN'::float8
      ${data.minStep != null ? sql`and step >= ${data.minStep}` : sql``}
      ${data.maxStep != null ? sql`and step <= ${data.maxStep}` : sql``}`;
    // Every point when they fit the budget: read along the primary key, stopping one past it.
    const raw = await tx.execute<{ step: string; timestamp: string; value: number }>(
      sql`select step, timestamp, value from run_metrics where ${range} order by step, timestamp limit ${data.maxPoints + 1}`,
    );
    if (raw.length <= data.maxPoints) {
      const points = raw.map((r) => ({ step: Number(r.step), timestamp: Number(r.timestamp), value: Number(r.value) }));
      return { key: data.key, totalPoints: points.length, minStep: points[0]?.step ?? null, maxStep: points.at(-1)?.step ?? null, downsampled: false, buckets: [], points };
    }
    const lo = Number(raw[0]!.step);
    // The other end of the range is one probe of the same key.
    const [last] = await tx.execute<{ hi: string }>(sql`select max(step) as hi from run_metrics where ${range}`);
    const hi = Number(last!.hi);

    const bucketCount = Math.floor(data.maxPoints / 2);
    const width = Math.max(1, Math.ceil((hi - lo + 1) / bucketCount));
    const nBuckets = Math.ceil((hi - lo + 1) / width);
    // One index range scan per bucket, each point read once: no sort, and nothing kept but the running extremes.
    const rows = await tx.execute<{ b: number; n: string; lo: Extreme; hi: Extreme }>(sql`
      select g.b, x.n, x.lo, x.hi
      from generate_series(0, ${nBuckets - 1}::int) as g(b),
      lateral (
        select count(*) as n, min(array[value, step, timestamp]) as lo, max(array[value, -step, -timestamp]) as hi
        from run_metrics
        where ${range} and step >= ${lo}::bigint + g.b * ${width}::bigint and step < ${lo}::bigint + (g.b + 1) * ${width}::bigint
      ) as x
      where x.n > 0
      order by g.b`);
    const buckets: SeriesBucket[] = rows.map((r) => {
      const b = Number(r.b);
      return {
        fromStep: lo + b * width,
        toStep: Math.min(hi, lo + (b + 1) * width - 1),
        count: Number(r.n),
        min: { step: Number(r.lo[1]), timestamp: Number(r.lo[2]), value: Number(r.lo[0]) },
        // Stored negated so that the largest array holds the earliest point (0 - x, not -x: no -0).
        max: { step: 0 - Number(r.hi[1]), timestamp: 0 - Number(r.hi[2]), value: Number(r.hi[0]) },
      };
    });
    const points: SeriesPoint[] = [];
    for (const b of buckets) {
      const pair = b.min.step <= b.max.step ? [b.min, b.max] : [b.max, b.min];
      points.push(pair[0]!);
      if (pair[1] !== pair[0] && !(pair[1]!.step === pair[0]!.step && pair[1]!.value === pair[0]!.value)) points.push(pair[1]!);
    }
    return { key: data.key, totalPoints: buckets.reduce((n, b) => n + b.count, 0), minStep: lo, maxStep: hi, downsampled: true, buckets, points };
  });
}
