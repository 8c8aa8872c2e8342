import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { categoricalDrift, kolmogorovSurvival, ksTwoSample, numericDrift, profileCategorical, profileFeature, profileNumeric, psi, PSI_EPSILON, type NumericProfile } from './drift';

/**
 * The drift statistics against scipy and numpy, computed in Python on the very same samples: the
 * quantile edges (numpy's default interpolation), histograms, PSI with the same epsilon, the KS
 * statistic from `scipy.stats.ks_2samp` and its p-value from the asymptotic Kolmogorov distribution
 * (`scipy.stats.kstwobign`).
 */
const PYTHON = process.env.GANTRY_PYTHON ?? path.join(os.homedir(), '.gantry-tools/mlflow-venv/bin/python');

const SCIPY = `
import json, sys
import numpy as np
from scipy import stats
cases = json.load(sys.stdin)
out = []
for c in cases:
    base = np.array(c["base"], dtype=float)
    live = np.array(c["live"], dtype=float)
    edges = np.unique(np.quantile(base, np.linspace(0, 1, 11)))
    e, _ = np.histogram(base, bins=edges)
    a, _ = np.histogram(np.clip(live, edges[0], edges[-1]), bins=edges)
    pe = np.maximum(e / e.sum(), c["eps"])
    pa = np.maximum(a / a.sum(), c["eps"])
    ks = stats.ks_2samp(base, live, method="asymp")
    en = len(base) * len(live) / (len(base) + len(live))
    out.append({
        "edges": edges.tolist(), "expected": e.tolist(), "actual": a.tolist(),
        "psi": float(np.sum((pa - pe) * np.log(pa / pe))),
        "ks": float(ks.statistic), "p": float(stats.kstwobign.sf(ks.statistic * np.sqrt(en))), "p_scipy_asymp": float(ks.pvalue),
        "mean": float(base.mean()), "std": float(base.std()),
    })
print(json.dumps(out))
`;

function scipy<T>(script: string, input: unknown): T {
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${PYTHON} failed (scipy and numpy are needed): ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A seeded generator (mulberry32) and a Box–Muller normal, so both languages see the same numbers. */
function rng(seed: number) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (mu = 0, sigma = 1) => mu + sigma * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Expected {
  edges: number[];
  expected: number[];
  actual: number[];
  psi: number;
  ks: number;
  p: number;
  p_scipy_asymp: number;
  mean: number;
  std: number;
}

describe('numeric drift against scipy', () => {
  const r = rng(11);
  const normal = (n: number, mu: number, sigma: number) => Array.from({ length: n }, () => r.normal(mu, sigma));
  const cases = [
    { label: 'same distribution', base: normal(1500, 0, 1), live: normal(400, 0, 1) },
    { label: 'shifted mean', base: normal(1500, 0, 1), live: normal(400, 0.5, 1) },
    { label: 'wider spread, small live window', base: normal(1000, 10, 2), live: normal(60, 10, 4) },
    { label: 'far shift with empty bins', base: normal(800, 0, 1), live: normal(200, 5, 0.5) },
    // Integer-valued data with many ties (support calls): quantiles coincide and edges collapse.
    { label: 'integers with ties', base: Array.from({ length: 1200 }, () => Math.floor(r.uniform() * 4)), live: Array.from({ length: 300 }, () => Math.floor(r.uniform() * 6)) },
  ];
  const expected = scipy<Expected[]>(SCIPY, cases.map((c) => ({ base: c.base, live: c.live, eps: PSI_EPSILON })));

  cases.forEach((c, i) => {
    it(`matches numpy and scipy: ${c.label}`, () => {
      const want = expected[i]!;
      const base = profileNumeric(c.base);
      expect(base.edges.length).toBe(want.edges.length);
      base.edges.forEach((e, k) => expect(e).toBeCloseTo(want.edges[k]!, 9));
      expect(base.counts).toEqual(want.expected);
      expect(base.mean).toBeCloseTo(want.mean, 9);
      expect(base.std).toBeCloseTo(want.std, 9);
      // The KS baseline side is the profile's sample, which is all values below PROFILE_SAMPLE_SIZE.
      expect(base.sample.length).toBe(c.base.length);

      const drift = numericDrift(base, c.live);
      expect(drift.counts).toEqual(want.actual);
      expect(drift.psi).toBeCloseTo(want.psi, 9);
      expect(drift.ks!.statistic).toBeCloseTo(want.ks, 12);
      expect(drift.ks!.pValue).toBeCloseTo(want.p, 9);
      // scipy's own "asymp" method uses the finite-n distribution at round(n·m/(n+m)); close from n ≥ 50.
      expect(Math.abs(drift.ks!.pValue - want.p_scipy_asymp)).toBeLessThan(0.03);
    });
  });

  it('reads the shift the way a person would: PSI small for the same distribution, large for a shifted one', () => {
    const [same, shifted] = cases.map((c) => numericDrift(profileNumeric(c.base), c.live));
    expect(same!.psi).toBeLessThan(0.1);
    expect(same!.ks!.pValue).toBeGreaterThan(0.05);
    expect(shifted!.psi).toBeGreaterThan(0.2);
    expect(shifted!.ks!.pValue).toBeLessThan(0.001);
  });
});

describe('the Kolmogorov distribution', () => {
  it('matches scipy.stats.kstwobign.sf across both series', () => {
    const lambdas = [0.05, 0.2, 0.5, 0.8, 0.99, 1.0, 1.01, 1.3, 2, 3.5];
    const want = scipy<number[]>('import json,sys\nfrom scipy import stats\nprint(json.dumps([float(stats.kstwobign.sf(x)) for x in json.load(sys.stdin)]))', lambdas);
    lambdas.forEach((l, i) => expect(kolmogorovSurvival(l)).toBeCloseTo(want[i]!, 12));
    expect(kolmogorovSurvival(0)).toBe(1);
  });
});

describe('PSI and data quality', () => {
  it('keeps a bin empty on one side finite with the epsilon', () => {
    const v = psi([10, 0], [0, 10]);
    expect(Number.isFinite(v)).toBe(true);
    expect(round(v, 6)).toBe(round(2 * (1 - PSI_EPSILON) * Math.log(1 / PSI_EPSILON), 6));
    expect(psi([5, 5], [5, 5])).toBe(0);
    expect(() => psi([1], [1, 2])).toThrow(/same bins/);
  });

  it('counts missing and out-of-range values', () => {
    const base = profileNumeric([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, null]);
    expect(base.missing).toBe(1);
    expect([base.min, base.max]).toEqual([1, 10]);
    const d = numericDrift(base, [0, 5, 11, 12, null, Number.NaN, '7']);
    expect(d.missingRate).toBeCloseTo(2 / 7, 12);
    expect(d.outOfRangeRate).toBeCloseTo(3 / 5, 12);
  });

  it('finds unseen categories and compares frequencies', () => {
    const base = profileCategorical(['a', 'a', 'b', 'c', null]);
    expect(base.frequencies).toEqual({ a: 2, b: 1, c: 1 });
    const d = categoricalDrift(base, ['a', 'd', 'd', 'e', 'b', '']);
    expect(d.unseen).toEqual(['d', 'e']);
    expect(d.unseenRate).toBeCloseTo(3 / 5, 12);
    expect(d.missingRate).toBeCloseTo(1 / 6, 12);
    // Bins a, b, c and "other" (where d and e land): proportions 2/4,1/4,1/4,0 against 1/5,1/5,0,3/5.
    const pe = [0.5, 0.25, 0.25, PSI_EPSILON];
    const pa = [0.2, 0.2, PSI_EPSILON, 0.6];
    expect(d.psi).toBeCloseTo(pe.reduce((s, e, i) => s + (pa[i]! - e) * Math.log(pa[i]! / e), 0), 12);
  });

  it('profiles a column as numeric when every value reads as a number, else as categories', () => {
    expect(profileFeature(['1', '2.5', null, true]).kind).toBe('numeric');
    expect(profileFeature(['C001', '2']).kind).toBe('categorical');
    const constant = profileFeature([3, 3, 3]) as NumericProfile;
    expect(constant.edges).toEqual([3, 3]);
    expect(numericDrift(constant, [3, 3]).psi).toBe(0);
    expect(numericDrift(constant, [4]).outOfRangeRate).toBe(1);
  });

  it('thins a large baseline to a sample that keeps its quantiles', () => {
    const r = rng(5);
    const big = Array.from({ length: 50_000 }, () => r.normal(3, 2));
    const p = profileNumeric(big);
    expect(p.sample.length).toBe(2000);
    const live = Array.from({ length: 500 }, () => r.normal(3, 2));
    const full = ksTwoSample(big, live)!;
    const thinned = numericDrift(p, live).ks!;
    expect(Math.abs(full.statistic - thinned.statistic)).toBeLessThan(0.01);
  });
});

describe('CSV tables', () => {
  it('reads what pandas writes: quotes, embedded commas and quotes, CRLF, a trailing newline', async () => {
    const { parseCsv } = await import('./csv');
    const t = parseCsv('\ufeffid,name,x\r\n1,"a, b",2.5\r\n2,"say ""hi""",\r\n');
    expect(t.columns).toEqual(['id', 'name', 'x']);
    expect(t.rows).toEqual([
      ['1', 'a, b', '2.5'],
      ['2', 'say "hi"', ''],
    ]);
    expect(parseCsv('')).toEqual({ columns: [], rows: [] });
  });
});
