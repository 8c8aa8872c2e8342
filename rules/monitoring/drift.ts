/**
 * Drift statistics over one feature: a baseline profile (captured from training data or from the
 * first live requests) against a window of live values. Pure: the monitor reads rows and calls these.
 *
 * - PSI over the baseline's quantile bins (numeric) or categories (categorical), with an epsilon for
 *   empty bins so a bin seen on one side only counts as a large but finite shift.
 * - Two-sample Kolmogorov–Smirnov: the statistic D = sup |F1 - F2| and its p-value from the asymptotic
 *   Kolmogorov distribution at sqrt(n·m/(n+m))·D (close to exact from about 50 values a side).
 *   The baseline side is the profile's reservoir sample of the training values.
 * - Data quality: missing values, values outside the baseline's [min, max], unseen categories.
 */

/** Bins a numeric profile keeps (deciles of the baseline). */
export const PROFILE_BINS = 10;
/** Baseline values kept for the KS test: a uniform sample when the data has more. */
export const PROFILE_SAMPLE_SIZE = 2000;
/** Proportion a bin empty on one side is given, so the log ratio stays finite. */
export const PSI_EPSILON = 1e-4;
/** Categories a categorical profile lists by name; the rest are counted together. */
export const PROFILE_MAX_CATEGORIES = 50;
/** The bucket of categories beyond the listed ones. */
export const OTHER_CATEGORY = '__other__';

export type FeatureValue = number | string | boolean | null | undefined;

export interface NumericProfile {
  kind: 'numeric';
  count: number;
  missing: number;
  /** PROFILE_BINS + 1 increasing edges (fewer when quantiles coincide); bins are [e_i, e_i+1), the last closed. */
  edges: number[];
  counts: number[];
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Up to PROFILE_SAMPLE_SIZE of the baseline's values, sorted, for the KS test. */
  sample: number[];
}

export interface CategoricalProfile {
  kind: 'categorical';
  count: number;
  missing: number;
  /** Count per category (the most frequent PROFILE_MAX_CATEGORIES, the rest under OTHER_CATEGORY). */
  frequencies: Record<string, number>;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

export const isMissing = (v: FeatureValue): v is null | undefined => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || v === '';

/** A value as a number when it is one (numbers, numeric strings, booleans as 0/1); null otherwise. */
export function asNumber(v: FeatureValue): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Quantile with linear interpolation between order statistics (numpy's default, Hyndman–Fan type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Deterministic reservoir-free thinning: every k-th of the sorted values, so the sample keeps the shape. */
function thin(sorted: readonly number[], max: number): number[] {
  if (sorted.length <= max) return [...sorted];
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(sorted[Math.floor(((i + 0.5) * sorted.length) / max)]!);
  return out;
}

/** Index of the bin of `x` among `edges`; values outside are put in the first or last bin. */
export function binIndex(edges: readonly number[], x: number): number {
  const last = edges.length - 2;
  if (last < 0) return 0;
  if (x >= edges[last]!) return last;
  let lo = 0;
  let hi = last;
  // The largest i with edges[i] <= x (or 0 when x is below every edge).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function binCounts(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(edges.length - 1, 1)).fill(0);
  for (const x of values) counts[binIndex(edges, x)]!++;
  return counts;
}

export function profileNumeric(values: readonly FeatureValue[]): NumericProfile {
  const xs: number[] = [];
  let missing = 0;
  for (const v of values) {
    const n = isMissing(v) ? null : asNumber(v);
    if (n === null) missing++;
    else xs.push(n);
  }
  xs.sort((a, b) => a - b);
  if (xs.length === 0) return { kind: 'numeric', count: values.length, missing, edges: [], counts: [], min: 0, max: 0, mean: 0, std: 0, sample: [] };
  const edges: number[] = [];
  for (let i = 0; i <= PROFILE_BINS; i++) {
    const e = quantileSorted(xs, i / PROFILE_BINS);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  // A constant feature has one edge; give it one bin [x, x].
  if (edges.length === 1) edges.push(edges[0]!);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return {
    kind: 'numeric',
    count: values.length,
    missing,
    edges,
    counts: binCounts(edges, xs),
    min: xs[0]!,
    max: xs[xs.length - 1]!,
    mean,
    std: Math.sqrt(variance),
    sample: thin(xs, PROFILE_SAMPLE_SIZE),
  };
}

export const categoryKey = (v: Exclude<FeatureValue, null | undefined>): string => String(v);

export function profileCategorical(values: readonly FeatureValue[]): CategoricalProfile {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (isMissing(v)) missing++;
    else counts.set(categoryKey(v), (counts.get(categoryKey(v)) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const frequencies: Record<string, number> = {};
  for (const [k, n] of sorted.slice(0, PROFILE_MAX_CATEGORIES)) frequencies[k] = n;
  const rest = sorted.slice(PROFILE_MAX_CATEGORIES).reduce((s, [, n]) => s + n, 0);
  if (rest > 0) frequencies[OTHER_CATEGORY] = (frequencies[OTHER_CATEGORY] ?? 0) + rest;
  return { kind: 'categorical', count: values.length, missing, frequencies };
}

/** Numeric when every present value reads as a number (booleans included); categorical otherwise. */
export function profileFeature(values: readonly FeatureValue[]): FeatureProfile {
  const present = values.filter((v) => !isMissing(v));
  const numeric = present.every((v) => asNumber(v) !== null);
  return numeric ? profileNumeric(values) : profileCategorical(values);
}

/**
 * Population stability index between two histograms over the same bins:
 * Σ (a_i − e_i) · ln(a_i / e_i) over proportions, each proportion at least `epsilon`.
 */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = PSI_EPSILON): number {
  if (expected.length !== actual.length) throw new RangeError(`PSI needs histograms over the same bins (${expected.length} vs ${actual.length})`);
  const te = expected.reduce((s, x) => s + x, 0);
  const ta = actual.reduce((s, x) => s + x, 0);
  if (te === 0 || ta === 0) return 0;
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]! / te, epsilon);
    const a = Math.max(actual[i]! / ta, epsilon);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/**
 * Survival function of the Kolmogorov distribution, P(K > λ). Two series, each used where it
 * converges in a few terms: 2 Σ (−1)^(k−1) e^(−2k²λ²) for large λ, and the theta-function form
 * 1 − (√(2π)/λ) Σ e^(−(2k−1)²π²/(8λ²)) for small λ.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1) {
    let s = 0;
    for (let k = 1; k <= 20; k++) s += Math.exp(-((2 * k - 1) ** 2) * Math.PI ** 2 / (8 * lambda * lambda));
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * s));
  }
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    s += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

export interface KsResult {
  statistic: number;
  pValue: number;
}

/** Two-sample, two-sided KS test; D is exact (ties handled), the p-value asymptotic. */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult | null {
  if (a.length === 0 || b.length === 0) return null;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(en) * d) };
}

export interface NumericDrift {
  kind: 'numeric';
  count: number;
  psi: number;
  ks: KsResult | null;
  missingRate: number;
  /** Share of present values below the baseline's min or above its max. */
  outOfRangeRate: number;
  /** Live values over the baseline's bins (outside values in the end bins). */
  counts: number[];
  mean: number | null;
}

export interface CategoricalDrift {
  kind: 'categorical';
  count: number;
  psi: number;
  missingRate: number;
  /** Share of present values whose category the baseline never saw. */
  unseenRate: number;
  /** Up to 10 of those categories, most frequent first. */
  unseen: string[];
  frequencies: Record<string, number>;
}

export type FeatureDrift = NumericDrift | CategoricalDrift;

export function numericDrift(base: NumericProfile, values: readonly FeatureValue[]): NumericDrift {
  const xs: number[] = [];
  let missing = 0;
  for (const v of values) {
    const n = isMissing(v) ? null : asNumber(v);
    if (n === null) missing++;
    else xs.push(n);
  }
  const outOfRange = base.edges.length ? xs.filter((x) => x < base.min || x > base.max).length : 0;
  const counts = base.edges.length ? binCounts(base.edges, xs) : [];
  return {
    kind: 'numeric',
    count: values.length,
    psi: base.edges.length && xs.length ? psi(base.counts, counts) : 0,
    ks: ksTwoSample(base.sample, xs),
    missingRate: values.length ? missing / values.length : 0,
    outOfRangeRate: xs.length ? outOfRange / xs.length : 0,
    counts,
    mean: xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null,
  };
}

export function categoricalDrift(base: CategoricalProfile, values: readonly FeatureValue[]): CategoricalDrift {
  const known = new Set(Object.keys(base.frequencies));
  const listed = Object.keys(base.frequencies).filter((k) => k !== OTHER_CATEGORY);
  const live = new Map<string, number>();
  const unseen = new Map<string, number>();
  let missing = 0;
  let present = 0;
  for (const v of values) {
    if (isMissing(v)) {
      missing++;
      continue;
    }
    present++;
    const k = categoryKey(v);
    if (!known.has(k)) unseen.set(k, (unseen.get(k) ?? 0) + 1);
    const bucket = listed.includes(k) ? k : OTHER_CATEGORY;
    live.set(bucket, (live.get(bucket) ?? 0) + 1);
  }
  // Bins: the baseline's categories plus one for everything else (unseen ones land there).
  const bins = [...listed, OTHER_CATEGORY];
  const expected = bins.map((k) => base.frequencies[k] ?? 0);
  const actual = bins.map((k) => live.get(k) ?? 0);
  // A category counted as "other" in the baseline is not unseen; only ones it never had at all.
  const unseenCount = base.frequencies[OTHER_CATEGORY] ? 0 : [...unseen.values()].reduce((s, n) => s + n, 0);
  return {
    kind: 'categorical',
    count: values.length,
    psi: present ? psi(expected, actual) : 0,
    missingRate: values.length ? missing / values.length : 0,
    unseenRate: present ? unseenCount / present : 0,
    unseen: base.frequencies[OTHER_CATEGORY] ? [] : [...unseen].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k]) => k),
    frequencies: Object.fromEntries(live),
  };
}

export function featureDrift(base: FeatureProfile, values: readonly FeatureValue[]): FeatureDrift {
  return base.kind === 'numeric' ? numericDrift(base, values) : categoricalDrift(base, values);
}
