import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { predictions } from '../../db/schema';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { signUpUser, type SignedUp } from '../../testing/fixtures';
import { registerModelDir, writeChurnModel } from '../../testing/serving-models';
import { AppError } from '../errors';
import { withTenant } from '../tenancy/with-tenant';
import { createDeployment } from './create-deployment';
import { deploymentMetrics, deploymentsTrafficStats, DISTRIBUTION_BINS, SERIES_BUCKETS, windowBounds } from './deployment-metrics';

/**
 * The dashboard's numbers on a real PostgreSQL, from prediction rows written through the real table
 * under the tenant's scope. Every expected value is computed here from the same rows, independently
 * of the SQL: percentiles by the linear interpolation percentile_cont defines, buckets and bins by
 * arithmetic on the rows' timestamps and values.
 */
let db: TestDatabase;
let home: string;
let A: SignedUp;
let B: SignedUp;
let depId = '';
let otherDepId = '';
let v1 = '';
let v2 = '';
const now = new Date();

type Row = { version: number; versionId: string; arm: string; ageSeconds: number; latencyMs: number; status: number; outputs: unknown };
const rows: Row[] = [];

/** Deterministic pseudo-random numbers in [0, 1). */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** percentile_cont: linear interpolation between the closest ranks, over values PostgreSQL stores as float4. */
function percentileCont(values: number[], q: number): number {
  const s = values.map((v) => Math.fround(v)).sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

const tensor = (name: string, datatype: string, data: unknown[]) => ({ name, datatype, shape: [data.length], data });

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(os.tmpdir(), 'gantry-deployment-metrics-'));
  process.env.GANTRY_HOME = home;
  process.env.ARTIFACT_STORE = 'filesystem';
  resetEnvCache();
  A = await signUpUser('metrics-a');
  B = await signUpUser('metrics-b');
  v1 = (await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(home, 'm1'), { seed: 1 }).dir })).versionId;
  v2 = (await registerModelDir(A.ctx, { model: 'churn', dir: writeChurnModel(path.join(home, 'm2'), { seed: 2 }).dir })).versionId;
  depId = (await createDeployment(A.ctx, { name: 'churn-prod', model: { name: 'churn' }, version: 1 })).id;
  otherDepId = (await createDeployment(A.ctx, { name: 'churn-other', model: { name: 'churn' }, version: 1 })).id;

  const r = prng(7);
  const add = (n: number, o: Omit<Row, 'ageSeconds' | 'latencyMs' | 'status' | 'outputs'>, maxAge: number, statusOf: (i: number) => number, latency: (i: number) => number, outputOf: (i: number) => unknown) => {
    for (let i = 0; i < n; i++) rows.push({ ...o, ageSeconds: Math.floor(r() * maxAge), latencyMs: latency(i), status: statusOf(i), outputs: outputOf(i) });
  };
  // Stable: probabilities low, every 10th a 500, every 25th a 400, every other one sampled.
  add(240, { version: 1, versionId: v1, arm: 'stable' }, 3_500, (i) => (i % 10 === 3 ? 500 : i % 25 === 7 ? 400 : 200), () => 2 + r() * 18, (i) =>
    i % 2 ? null : [tensor('probability', 'FP32', [0.013 + r() * 0.4, 0.021 + r() * 0.4]), tensor('label', 'INT64', [0, 0])],
  );
  // Canary: slower, probabilities high, a response whose first tensor is text (skipped for the first numeric one).
  add(60, { version: 2, versionId: v2, arm: 'canary' }, 3_500, (i) => (i % 20 === 0 ? 503 : 200), () => 30 + r() * 70, (i) =>
    i === 5 ? [tensor('note', 'BYTES', ['x']), tensor('probability', 'FP32', [0.955])] : i % 3 ? null : [tensor('probability', 'FP32', [0.551 + r() * 0.4])],
  );
  // A shadow of version 2 beside them: mirrored requests, reported apart.
  add(40, { version: 2, versionId: v2, arm: 'shadow' }, 3_500, () => 200, () => 40 + r() * 10, () => null);
  // Older than an hour: outside the 1h window, inside 24h.
  add(25, { version: 1, versionId: v1, arm: 'stable' }, 1, () => 200, () => 1_000, () => null);
  for (const row of rows.slice(-25)) row.ageSeconds = 2 * 3_600 + Math.floor(r() * 3_600);

  const at = (ageSeconds: number) => new Date(now.getTime() - ageSeconds * 1000 - 1);
  await withTenant(A.ctx, async (tx) => {
    await tx.insert(predictions).values(
      rows.map((x, i) => ({
        orgId: A.orgId,
        deploymentId: depId,
        modelVersionId: x.versionId,
        version: x.version,
        arm: x.arm,
        requestId: `req-${i}`,
        protocol: 'oip' as const,
        at: at(x.ageSeconds),
        latencyMs: x.latencyMs,
        status: x.status,
        error: x.status >= 400 ? 'failed' : null,
        inputs: null,
        outputs: x.outputs,
      })),
    );
    // Another deployment's traffic counts for it alone.
    await tx.insert(predictions).values({ orgId: A.orgId, deploymentId: otherDepId, modelVersionId: v1, version: 1, arm: 'stable', requestId: 'other', protocol: 'mlflow', at: at(10), latencyMs: 5_000, status: 200 });
  });
}, 180_000);
afterAll(async () => {
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
  delete process.env.GANTRY_HOME;
  delete process.env.ARTIFACT_STORE;
  resetEnvCache();
});

const inHour = (x: Row) => x.ageSeconds < 3_600 - 60;
const of = (version: number, arm: string, keep: (x: Row) => boolean = inHour) => rows.filter((x) => x.version === version && x.arm === arm && keep(x));

describe('deployment metrics', () => {
  it('count requests and errors and compute latency percentiles per version and arm, shadows apart', async () => {
    const m = await deploymentMetrics(A.ctx, { deployment: { name: 'churn-prod' }, window: '1h', panels: ['traffic'] }, now);
    expect(m.series).toBeUndefined();
    expect(m.traffic!.arms.map((a) => [a.version, a.arm])).toEqual([
      [1, 'stable'],
      [2, 'canary'],
    ]);
    expect(m.traffic!.shadows.map((a) => [a.version, a.arm, a.requests])).toEqual([[2, 'shadow', of(2, 'shadow').length]]);
    const elapsed = (now.getTime() - m.bounds.from.getTime()) / 1000;
    for (const s of [...m.traffic!.arms, ...m.traffic!.shadows]) {
      const mine = of(s.version, s.arm);
      const lat = mine.map((x) => x.latencyMs);
      const server = mine.filter((x) => x.status >= 500).length;
      expect(s).toMatchObject({
        versionId: s.version === 1 ? v1 : v2,
        requests: mine.length,
        serverErrors: server,
        clientErrors: mine.filter((x) => x.status >= 400 && x.status < 500).length,
      });
      expect(s.errorRate).toBeCloseTo(server / mine.length, 12);
      expect(s.requestsPerSecond).toBeCloseTo(mine.length / elapsed, 6);
      expect(s.p50LatencyMs).toBeCloseTo(percentileCont(lat, 0.5), 4);
      expect(s.p95LatencyMs).toBeCloseTo(percentileCont(lat, 0.95), 4);
      expect(s.p99LatencyMs).toBeCloseTo(percentileCont(lat, 0.99), 4);
    }
    const stable = m.traffic!.arms[0]!;
    expect(stable.serverErrors).toBeGreaterThan(0);
    expect(stable.clientErrors).toBeGreaterThan(0);
  });

  it('widen with the window: the rows two hours old count over 24h, not over 15 minutes', async () => {
    const day = await deploymentMetrics(A.ctx, { deployment: { deploymentId: depId }, window: '24h', panels: ['traffic'] }, now);
    expect(day.traffic!.arms.find((a) => a.arm === 'stable')!.requests).toBe(of(1, 'stable', () => true).length);
    const quarter = await deploymentMetrics(A.ctx, { deployment: { deploymentId: depId }, window: '15m', panels: ['traffic'] }, now);
    const b = windowBounds('15m', now);
    const expected = of(1, 'stable', (x) => now.getTime() - x.ageSeconds * 1000 - 1 >= b.from.getTime()).length;
    expect(quarter.traffic!.arms.find((a) => a.arm === 'stable')!.requests).toBe(expected);
    expect(expected).toBeLessThan(of(1, 'stable').length);
  });

  it('bucket the window into a time series per version with requests, errors and p95', async () => {
    const m = await deploymentMetrics(A.ctx, { deployment: { name: 'churn-prod' }, window: '1h', panels: ['series'] }, now);
    const b = m.bounds;
    expect(b.bucketSeconds).toBe(60);
    expect(b.to.getTime() - b.from.getTime()).toBe(3_600_000);
    expect(b.to.getTime() % 60_000).toBe(0);
    expect(m.series!.map((s) => [s.version, s.shadow])).toEqual([
      [1, false],
      [2, false],
      [2, true],
    ]);
    const bucketOf = (x: Row) => Math.floor((now.getTime() - x.ageSeconds * 1000 - 1 - b.from.getTime()) / 60_000);
    for (const s of m.series!) {
      expect(s.points).toHaveLength(SERIES_BUCKETS);
      expect(s.points[1]!.at.getTime() - s.points[0]!.at.getTime()).toBe(60_000);
      const mine = rows.filter((x) => x.version === s.version && (x.arm === 'shadow') === s.shadow && bucketOf(x) >= 0);
      for (let i = 0; i < SERIES_BUCKETS; i++) {
        const inBucket = mine.filter((x) => bucketOf(x) === i);
        const p = s.points[i]!;
        expect(p.requests, `bucket ${i}`).toBe(inBucket.length);
        expect(p.serverErrors).toBe(inBucket.filter((x) => x.status >= 500).length);
        expect(p.clientErrors).toBe(inBucket.filter((x) => x.status >= 400 && x.status < 500).length);
        if (inBucket.length) expect(p.p95LatencyMs).toBeCloseTo(percentileCont(inBucket.map((x) => x.latencyMs), 0.95), 4);
        else expect(p.p95LatencyMs).toBeNull();
      }
    }
  });

  it('histogram the first numeric output of sampled predictions per version, over [0, 1] for probabilities', async () => {
    const m = await deploymentMetrics(A.ctx, { deployment: { name: 'churn-prod' }, window: '1h', panels: ['predictions'] }, now);
    const d = m.predictions!;
    expect(d).toMatchObject({ output: 'probability', min: 0, max: 1, bins: DISTRIBUTION_BINS });
    expect(d.versions.map((v) => [v.version, v.shadow])).toEqual([
      [1, false],
      [2, false],
    ]);
    for (const v of d.versions) {
      const values = rows
        .filter((x) => x.version === v.version && x.arm !== 'shadow' && inHour(x) && x.outputs)
        .flatMap((x) => ((x.outputs as { datatype: string; data: number[] }[]).find((t) => t.datatype === 'FP32')!.data));
      const expected = new Array<number>(DISTRIBUTION_BINS).fill(0);
      for (const x of values) expected[Math.min(DISTRIBUTION_BINS - 1, Math.floor(x * DISTRIBUTION_BINS))]! += 1;
      expect(v.count).toBe(values.length);
      expect(v.counts).toEqual(expected);
    }
    // The stable version's predictions sit low, the canary's high: the shift a rollout looks for.
    expect(d.versions[0]!.counts.slice(10).reduce((a, b) => a + b, 0)).toBe(0);
    expect(d.versions[1]!.counts.slice(0, 10).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('use the values’ own range when they leave [0, 1], and say nothing without samples', async () => {
    const vals = [-3.2, 1.7, 4.4, 9.9];
    await withTenant(A.ctx, (tx) =>
      tx.insert(predictions).values(vals.map((x, i) => ({ orgId: A.orgId, deploymentId: otherDepId, modelVersionId: v1, version: 1, arm: 'stable', requestId: `s${i}`, protocol: 'oip' as const, at: new Date(now.getTime() - 5_000), latencyMs: 1, status: 200, outputs: [tensor('score', 'FP64', [[x]])] }))),
    );
    const d = (await deploymentMetrics(A.ctx, { deployment: { deploymentId: otherDepId }, window: '15m', panels: ['predictions'] }, now)).predictions!;
    expect(d).toMatchObject({ output: 'score', min: -3.2, max: 9.9 });
    const expected = new Array<number>(DISTRIBUTION_BINS).fill(0);
    for (const x of vals) expected[Math.min(DISTRIBUTION_BINS - 1, Math.floor(((x + 3.2) / 13.1) * DISTRIBUTION_BINS))]! += 1;
    expect(d.versions[0]!.counts).toEqual(expected);
    const none = (await deploymentMetrics(A.ctx, { deployment: { deploymentId: depId }, window: '15m', panels: ['predictions'] }, new Date(now.getTime() + 86_400_000))).predictions!;
    expect(none).toEqual({ output: null, min: 0, max: 1, bins: DISTRIBUTION_BINS, versions: [] });
  });

  it('answer many deployments in one call, each with its own traffic only', async () => {
    const all = await deploymentsTrafficStats(A.ctx, { deploymentIds: [depId, otherDepId, 'dep_unknown'], window: '1h' }, now);
    expect(all.get(depId)!.arms.map((a) => a.requests)).toEqual([of(1, 'stable').length, of(2, 'canary').length]);
    expect(all.get(otherDepId)!.arms).toMatchObject([{ version: 1, requests: 1 + 4, p99LatencyMs: expect.any(Number) }]);
    expect(all.get('dep_unknown')).toEqual({ arms: [], shadows: [] });
  });

  it('refuse bad windows and show another organization nothing', async () => {
    const e = await deploymentMetrics(A.ctx, { deployment: { deploymentId: depId }, window: '2h' }).catch((x: unknown) => x);
    expect((e as AppError).code).toBe('BAD_USER_INPUT');
    expect((e as AppError).message).toMatch(/15m, 1h, 6h, 24h, 7d/);
    const nf = await deploymentMetrics(B.ctx, { deployment: { deploymentId: depId }, window: '1h' }).catch((x: unknown) => x);
    expect((nf as AppError).code).toBe('NOT_FOUND');
    expect((await deploymentsTrafficStats(B.ctx, { deploymentIds: [depId], window: '24h' }, now)).get(depId)).toEqual({ arms: [], shadows: [] });
  });
});
