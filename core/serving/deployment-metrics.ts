import { inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { predictions } from '../../db/schema';
import { assertCan, type TenantContext } from '../tenancy/context';
import { withTenant } from '../tenancy/with-tenant';
import { parseInput } from '../validation';
import { findDeployment } from './access';
import { deploymentMetricsInput, deploymentsMetricsInput, METRICS_WINDOWS, type MetricsWindow } from './serving.schemas';

/**
 * What a deployment's predictions say over a recent window: per version and arm the request count,
 * errors, latency percentiles and rate; a time series in buckets sized to the window; and the
 * distribution of the first numeric output of the sampled predictions. Each panel is one SQL
 * statement over `predictions_deployment_at_idx` (org, deployment, at), percentiles computed by
 * PostgreSQL (`percentile_cont`), so the numbers are the same whoever draws them.
 */

/** Buckets in a window's time series: one a minute over an hour, one every 10 minutes over 7 days... */
export const SERIES_BUCKETS = 60;
/** Bins of the prediction distribution. */
export const DISTRIBUTION_BINS = 20;

const NUMERIC_DATATYPES = ['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64'];

export interface WindowBounds {
  window: MetricsWindow;
  /** Inclusive start; `to - from` is the window's length. */
  from: Date;
  /** Exclusive end: the end of the bucket holding `now`, so buckets stay put between polls. */
  to: Date;
  now: Date;
  bucketSeconds: number;
}

/** The window ending with the bucket that holds `now`, its buckets aligned to multiples of their size. */
export function windowBounds(window: MetricsWindow, now: Date = new Date()): WindowBounds {
  const seconds = METRICS_WINDOWS[window];
  const bucketSeconds = seconds / SERIES_BUCKETS;
  const bucketMs = bucketSeconds * 1000;
  const to = new Date(Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs);
  return { window, from: new Date(to.getTime() - seconds * 1000), to, now, bucketSeconds };
}

export interface VersionStats {
  version: number;
  /** Null when the version has been deleted since. */
  versionId: string | null;
  /** stable, canary, variant, pinned (a request naming its version) or shadow. */
  arm: string;
  requests: number;
  /** Answered 5xx: the model or the platform failed. */
  serverErrors: number;
  /** Answered 4xx: the caller sent something the version refused. */
  clientErrors: number;
  /** serverErrors / requests (0 without requests). */
  errorRate: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
  /** Requests over the part of the window that has passed. */
  requestsPerSecond: number;
}

/** Arms answer callers; shadows are mirrored copies, so their requests are not added to the arms'. */
export interface TrafficStats {
  arms: VersionStats[];
  shadows: VersionStats[];
}

export interface SeriesPoint {
  at: Date;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  p95LatencyMs: number | null;
}

export interface VersionSeries {
  version: number;
  shadow: boolean;
  /** One point per bucket of the window, empty buckets included. */
  points: SeriesPoint[];
}

export interface VersionDistribution {
  version: number;
  shadow: boolean;
  /** Sampled output values counted. */
  count: number;
  /** Values per bin, `DISTRIBUTION_BINS` of them over [min, max]. */
  counts: number[];
}

export interface PredictionDistribution {
  /** The output tensor counted (the first numeric one of each sampled response); null without samples. */
  output: string | null;
  /** [0, 1] when every value lies there (probabilities), else the values' range; shared by all versions. */
  min: number;
  max: number;
  bins: number;
  versions: VersionDistribution[];
}

export interface DeploymentMetrics {
  bounds: WindowBounds;
  traffic?: TrafficStats;
  series?: VersionSeries[];
  predictions?: PredictionDistribution;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const iso = (d: Date) => d.toISOString();

type StatsRow = {
  deployment_id: string;
  version: number;
  version_id: string | null;
  arm: string;
  requests: number;
  server_errors: number;
  client_errors: number;
  latency: (number | string)[] | null;
};

async function trafficStats(tx: Tx, orgId: string, deploymentIds: string[], b: WindowBounds): Promise<Map<string, TrafficStats>> {
  const out = new Map<string, TrafficStats>(deploymentIds.map((id) => [id, { arms: [], shadows: [] }]));
  if (!deploymentIds.length) return out;
  const rows = await tx.execute<StatsRow>(sql`
    select deployment_id, version, min(model_version_id) as version_id, arm,
           count(*)::int as requests,
           count(*) filter (where status >= 500)::int as server_errors,
           count(*) filter (where status >= 400 and status < 500)::int as client_errors,
           percentile_cont(array[0.5, 0.95, 0.99]) within group (order by latency_ms) as latency
      from predictions
     where org_id = ${orgId} and ${inArray(predictions.deploymentId, deploymentIds)}
       and at >= ${iso(b.from)}::timestamptz and at < ${iso(b.to)}::timestamptz
     group by deployment_id, version, arm
     order by deployment_id, version, arm`);
  const elapsed = Math.max(1, (Math.min(b.now.getTime(), b.to.getTime()) - b.from.getTime()) / 1000);
  for (const r of rows) {
    const [p50, p95, p99] = (r.latency ?? []).map(Number);
    const s: VersionStats = {
      version: r.version,
      versionId: r.version_id,
      arm: r.arm,
      requests: r.requests,
      serverErrors: r.server_errors,
      clientErrors: r.client_errors,
      errorRate: r.requests ? r.server_errors / r.requests : 0,
      p50LatencyMs: p50 ?? null,
      p95LatencyMs: p95 ?? null,
      p99LatencyMs: p99 ?? null,
      requestsPerSecond: r.requests / elapsed,
    };
    const t = out.get(r.deployment_id)!;
    (r.arm === 'shadow' ? t.shadows : t.arms).push(s);
  }
  return out;
}

type SeriesRow = { version: number; shadow: boolean; bucket: number; requests: number; server_errors: number; client_errors: number; p95: number | string | null };

async function series(tx: Tx, orgId: string, deploymentId: string, b: WindowBounds): Promise<VersionSeries[]> {
  const rows = await tx.execute<SeriesRow>(sql`
    select version, arm = 'shadow' as shadow,
           floor(extract(epoch from (at - ${iso(b.from)}::timestamptz)) / ${b.bucketSeconds})::int as bucket,
           count(*)::int as requests,
           count(*) filter (where status >= 500)::int as server_errors,
           count(*) filter (where status >= 400 and status < 500)::int as client_errors,
           percentile_cont(0.95) within group (order by latency_ms) as p95
      from predictions
     where org_id = ${orgId} and deployment_id = ${deploymentId}
       and at >= ${iso(b.from)}::timestamptz and at < ${iso(b.to)}::timestamptz
     group by 1, 2, 3
     order by 1, 2, 3`);
  const byKey = new Map<string, VersionSeries>();
  const bucketMs = b.bucketSeconds * 1000;
  for (const r of rows) {
    const key = `${r.version}:${r.shadow}`;
    let s = byKey.get(key);
    if (!s) {
      s = {
        version: r.version,
        shadow: r.shadow,
        points: Array.from({ length: SERIES_BUCKETS }, (_, i) => ({ at: new Date(b.from.getTime() + i * bucketMs), requests: 0, serverErrors: 0, clientErrors: 0, p95LatencyMs: null })),
      };
      byKey.set(key, s);
    }
    const p = s.points[Math.min(SERIES_BUCKETS - 1, Math.max(0, r.bucket))]!;
    p.requests = r.requests;
    p.serverErrors = r.server_errors;
    p.clientErrors = r.client_errors;
    p.p95LatencyMs = num(r.p95);
  }
  return [...byKey.values()].sort((x, y) => Number(x.shadow) - Number(y.shadow) || x.version - y.version);
}

type DistributionRow = { version: number; shadow: boolean; output: string; lo: number | string; hi: number | string; bin: number; n: number };

async function distribution(tx: Tx, orgId: string, deploymentId: string, b: WindowBounds): Promise<PredictionDistribution> {
  // Per sampled response the first tensor with a numeric datatype; every number in its data (nested or flat).
  const rows = await tx.execute<DistributionRow>(sql`
    with firsts as (
      select distinct on (p.id) p.version, p.arm = 'shadow' as shadow, t.tensor->>'name' as output, t.tensor->'data' as data
        from predictions p
        cross join lateral jsonb_array_elements(case when jsonb_typeof(p.outputs) = 'array' then p.outputs else '[]'::jsonb end) with ordinality as t(tensor, ord)
       where p.org_id = ${orgId} and p.deployment_id = ${deploymentId}
         and p.at >= ${iso(b.from)}::timestamptz and p.at < ${iso(b.to)}::timestamptz
         and p.outputs is not null
         and t.tensor->>'datatype' in (${sql.join(
           NUMERIC_DATATYPES.map((d) => sql`${d}`),
           sql`, `,
         )})
       order by p.id, t.ord
    ), vals as (
      select f.version, f.shadow, f.output, (v #>> '{}')::float8 as x
        from firsts f
        cross join lateral jsonb_path_query(f.data, 'strict $.** ? (@.type() == "number")') as v
    ), range as (
      select min(x) as lo, max(x) as hi, mode() within group (order by output) as output from vals
    ), bounds as (
      select output,
             case when lo >= 0 and hi <= 1 then 0 when lo = hi then lo - 0.5 else lo end as lo,
             case when lo >= 0 and hi <= 1 then 1 when lo = hi then hi + 0.5 else hi end as hi
        from range where lo is not null
    )
    select vals.version, vals.shadow, bounds.output, bounds.lo, bounds.hi,
           least(greatest(width_bucket(vals.x, bounds.lo, bounds.hi, ${DISTRIBUTION_BINS}), 1), ${DISTRIBUTION_BINS})::int as bin,
           count(*)::int as n
      from vals cross join bounds
     group by 1, 2, 3, 4, 5, 6
     order by 1, 2, 6`);
  const first = rows[0];
  const out: PredictionDistribution = { output: first?.output ?? null, min: first ? Number(first.lo) : 0, max: first ? Number(first.hi) : 1, bins: DISTRIBUTION_BINS, versions: [] };
  const byKey = new Map<string, VersionDistribution>();
  for (const r of rows) {
    const key = `${r.version}:${r.shadow}`;
    let v = byKey.get(key);
    if (!v) byKey.set(key, (v = { version: r.version, shadow: r.shadow, count: 0, counts: new Array<number>(DISTRIBUTION_BINS).fill(0) }));
    v.counts[r.bin - 1] = r.n;
    v.count += r.n;
  }
  out.versions = [...byKey.values()].sort((x, y) => Number(x.shadow) - Number(y.shadow) || x.version - y.version);
  return out;
}

/** A deployment's dashboard panels over a window (all three unless `panels` names fewer). */
export async function deploymentMetrics(ctx: TenantContext, input: unknown, now: Date = new Date()): Promise<DeploymentMetrics> {
  assertCan(ctx, 'deployment:read');
  const data = parseInput(deploymentMetricsInput, input);
  const bounds = windowBounds(data.window, now);
  return withTenant(ctx, async (tx) => {
    const d = await findDeployment(tx, ctx, data.deployment);
    const want = new Set(data.panels);
    const [traffic, s, p] = await Promise.all([
      want.has('traffic') ? trafficStats(tx, ctx.orgId, [d.id], bounds).then((m) => m.get(d.id)) : undefined,
      want.has('series') ? series(tx, ctx.orgId, d.id, bounds) : undefined,
      want.has('predictions') ? distribution(tx, ctx.orgId, d.id, bounds) : undefined,
    ]);
    return { bounds, ...(traffic ? { traffic } : {}), ...(s ? { series: s } : {}), ...(p ? { predictions: p } : {}) };
  });
}

/**
 * The traffic panel for many deployments in one statement (a list page's request counts and error
 * rates). IDs that name no deployment of the organization get empty stats, as one without traffic.
 */
export async function deploymentsTrafficStats(ctx: TenantContext, input: unknown, now: Date = new Date()): Promise<Map<string, TrafficStats>> {
  assertCan(ctx, 'deployment:read');
  const data = parseInput(deploymentsMetricsInput, input);
  const bounds = windowBounds(data.window, now);
  return withTenant(ctx, (tx) => trafficStats(tx, ctx.orgId, [...new Set(data.deploymentIds)], bounds));
}
