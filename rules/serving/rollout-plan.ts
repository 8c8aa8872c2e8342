/**
 * A canary rollout's plan (the weights it steps through, what each step must see before it is judged,
 * and the thresholds of the judgement) and the judgement itself: pure statistics over what the
 * canary and the stable version answered during one step. The numbers behind the defaults are
 * argued in docs/decisions/0024-canary-rollouts.md.
 */
import { z } from 'zod';

export const ROLLOUT_STATES = ['provisioning', 'stepping', 'analysing', 'paused', 'awaiting_approval', 'promoted', 'rolled_back', 'aborted', 'failed'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];
export const ENDED_ROLLOUT_STATES: readonly RolloutState[] = ['promoted', 'rolled_back', 'aborted', 'failed'];
export const isRolloutEnded = (s: RolloutState) => ENDED_ROLLOUT_STATES.includes(s);

export const rolloutStepSchema = z.object({
  weight: z.number().int('Weights are whole percentages').min(1, 'A step sends the canary at least 1%').max(100, 'Weights are at most 100'),
  /** Requests the canary must answer in this step before it is judged. */
  minRequests: z.number().int().min(1, 'A step needs at least 1 request').max(1_000_000, 'At most 1,000,000 requests per step').default(100),
  /** Seconds the step lasts at least, however busy the endpoint is. */
  minDurationSeconds: z.number().int().min(1, 'A step lasts at least 1 second').max(86_400, 'A step lasts at most a day').default(60),
});
export type RolloutStep = z.infer<typeof rolloutStepSchema>;

export const analysisThresholdsSchema = z.object({
  /** How much higher (in absolute terms, 0.01 = one percentage point) the canary's 5xx rate may be than stable's. */
  maxErrorRateIncrease: z.number().min(0).max(1).default(0.01),
  /** The canary's p95 latency over stable's that fails the step (together with `latencyToleranceMs`). */
  maxLatencyRatio: z.number().min(1).max(100).default(1.5),
  /** Milliseconds of p95 difference too small to judge, whatever the ratio (timer noise on fast models). */
  latencyToleranceMs: z.number().min(0).max(60_000).default(25),
  /** The largest two-sample Kolmogorov–Smirnov distance between the two prediction distributions. */
  maxPredictionDistance: z.number().min(0).max(1).default(0.2),
  /** A distance counts only when it is significant at this level (small samples differ by chance). */
  significance: z.number().min(1e-9).max(0.5).default(0.01),
  /** The share of shadowed requests on which the canary must agree with stable. */
  minShadowAgreement: z.number().min(0).max(1).default(0.9),
});
export type AnalysisThresholds = z.infer<typeof analysisThresholdsSchema>;

export const rolloutPlanSchema = z
  .object({
    steps: z.array(rolloutStepSchema).min(1, 'A plan has at least one step').max(20, 'A plan has at most 20 steps'),
    thresholds: analysisThresholdsSchema.default(analysisThresholdsSchema.parse({})),
    /** A person must approve before the canary takes all the traffic. */
    requireApproval: z.boolean().default(false),
    /** How long one step may wait for its minimum requests before it is judged on what it has. */
    stepTimeoutSeconds: z.number().int().min(5).max(7 * 86_400).default(900),
  })
  .superRefine((p, ctx) => {
    p.steps.forEach((s, i) => {
      if (i > 0 && s.weight <= p.steps[i - 1]!.weight) ctx.addIssue({ code: 'custom', path: ['steps', i, 'weight'], message: 'Step weights must grow from step to step' });
    });
    if (p.steps[p.steps.length - 1]?.weight !== 100) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'The last step is 100%: the promotion' });
  });
export type RolloutPlan = z.infer<typeof rolloutPlanSchema>;
export type RolloutPlanInput = z.input<typeof rolloutPlanSchema>;

export const ROLLOUT_PRESETS = ['standard', 'quick', 'careful'] as const;
export type RolloutPreset = (typeof ROLLOUT_PRESETS)[number];

/** The plans a person picks by name; `standard` is the default. */
export function presetPlan(preset: RolloutPreset): RolloutPlan {
  const steps = {
    standard: [
      { weight: 5, minRequests: 100, minDurationSeconds: 60 },
      { weight: 25, minRequests: 200, minDurationSeconds: 60 },
      { weight: 50, minRequests: 200, minDurationSeconds: 60 },
      { weight: 100 },
    ],
    quick: [
      { weight: 10, minRequests: 50, minDurationSeconds: 30 },
      { weight: 50, minRequests: 100, minDurationSeconds: 30 },
      { weight: 100 },
    ],
    careful: [
      { weight: 1, minRequests: 100, minDurationSeconds: 300 },
      { weight: 5, minRequests: 200, minDurationSeconds: 300 },
      { weight: 25, minRequests: 400, minDurationSeconds: 300 },
      { weight: 50, minRequests: 400, minDurationSeconds: 300 },
      { weight: 100 },
    ],
  }[preset];
  return rolloutPlanSchema.parse({ steps, requireApproval: preset === 'careful' });
}

// ---- statistics -----------------------------------------------------------------------------------

/** The q-quantile (0..1) by linear interpolation between order statistics (numpy's default); null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  if (!a.length || !b.length) return 0;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/**
 * The asymptotic p-value of a two-sample KS statistic (Kolmogorov's distribution with Stephens'
 * small-sample correction, as Numerical Recipes' `kstwo`): the chance of a distance this large when
 * both samples come from one distribution.
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  const en = Math.sqrt((n * m) / (n + m));
  const lambda = (en + 0.12 + 0.11 / en) * d;
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-10) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * The population stability index of `actual` against `expected`, over bins cut at `expected`'s
 * deciles (fewer bins when the samples are small), each share floored at 1e-4 so an empty bin stays finite.
 */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  if (!expected.length || !actual.length) return 0;
  const bins = Math.max(2, Math.min(10, Math.floor(Math.min(expected.length, actual.length) / 5)));
  const cuts = [...new Set(Array.from({ length: bins - 1 }, (_, i) => quantile(expected, (i + 1) / bins)!))];
  const share = (values: readonly number[]) => {
    const counts = new Array<number>(cuts.length + 1).fill(0);
    for (const v of values) {
      let k = 0;
      while (k < cuts.length && v > cuts[k]!) k++;
      counts[k]!++;
    }
    return counts.map((c) => Math.max(c / values.length, 1e-4));
  };
  const e = share(expected);
  const a = share(actual);
  return e.reduce((s, ei, k) => s + (a[k]! - ei) * Math.log(a[k]! / ei), 0);
}

/** Fewer samples than this on either side and the distribution check is inconclusive (it passes, saying so). */
export const MIN_DISTRIBUTION_SAMPLES = 20;
/** Fewer shadowed requests than this and the agreement check is inconclusive. */
export const MIN_SHADOW_PAIRS = 10;

/** What one arm did during a step, as the analysis reads it from the prediction log. */
export interface ArmSample {
  requests: number;
  errors: number;
  /** Latencies of the requests the arm answered, in milliseconds. */
  latenciesMs: number[];
  /** The first numeric output of each sampled prediction, flattened. */
  predictions: number[];
}

export interface ArmNumbers {
  requests: number;
  errors: number;
  errorRate: number | null;
  p95LatencyMs: number | null;
  samples: number;
  meanPrediction: number | null;
}

export interface CheckResult {
  name: 'error_rate' | 'latency_p95' | 'prediction_distance' | 'shadow_agreement';
  /** The canary's figure (rate increase, p95 ratio, KS distance, agreement); null when there was nothing to measure. */
  value: number | null;
  threshold: number;
  passed: boolean;
  /** Said to a person: the numbers and why they pass or fail. */
  detail: string;
}

export interface StepVerdict {
  step: number;
  weight: number;
  from: string;
  to: string;
  canary: ArmNumbers;
  stable: ArmNumbers;
  checks: CheckResult[];
  /** KS distance and PSI are both reported; the check uses KS (see the ADR). */
  distance: { ks: number | null; pValue: number | null; psi: number | null };
  shadowAgreement: { pairs: number; agreement: number | null };
  passed: boolean;
  /** `skipped` when a person skipped the analysis; `timeout` when the step did not reach its minimum requests. */
  outcome: 'passed' | 'failed' | 'skipped' | 'timeout';
  reason: string | null;
  skippedBy?: string | null;
}

function numbers(s: ArmSample): ArmNumbers {
  const answered = s.latenciesMs;
  return {
    requests: s.requests,
    errors: s.errors,
    errorRate: s.requests ? s.errors / s.requests : null,
    p95LatencyMs: quantile(answered, 0.95),
    samples: s.predictions.length,
    meanPrediction: s.predictions.length ? s.predictions.reduce((a, b) => a + b, 0) / s.predictions.length : null,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const fixed = (x: number, d = 3) => x.toFixed(d);

/** Errors a canary must have made before its error rate can end a step early (one failed load is not a verdict). */
export const EARLY_MIN_ERRORS = 5;

/**
 * Whether a judgement of a step's window so far, taken before the step's minimum duration, is enough
 * to fail it now: only the checks that carry their own evidence count — the error rate (with at least
 * `EARLY_MIN_ERRORS` canary errors), the prediction distance (significant by its own test) and shadow
 * agreement (with its minimum pairs). Latency waits for the step's end: a version's first answers
 * after loading are slow, and a p95 over a few requests says little. Null when the step goes on.
 */
export function earlyFailure(verdict: Pick<StepVerdict, 'checks' | 'canary'>): string | null {
  const failing = verdict.checks.filter(
    (c) => !c.passed && c.name !== 'latency_p95' && (c.name !== 'error_rate' || verdict.canary.errors >= EARLY_MIN_ERRORS),
  );
  return failing.length ? failing.map((c) => `${c.name.replace(/_/g, ' ')}: ${c.detail}`).join('; ') : null;
}

/**
 * Judges one step: the canary against stable on error rate, p95 latency, the distance between their
 * prediction distributions and, when the canary was also shadowed, their agreement. Every check says
 * its numbers; the step passes when every check does.
 */
export function judgeStep(input: {
  step: number;
  weight: number;
  window: { from: string; to: string };
  canary: ArmSample;
  stable: ArmSample;
  shadowPairs: { agreed: number; total: number };
  thresholds: AnalysisThresholds;
}): StepVerdict {
  const t = input.thresholds;
  const canary = numbers(input.canary);
  const stable = numbers(input.stable);
  const checks: CheckResult[] = [];

  const cRate = canary.errorRate ?? 0;
  const sRate = stable.errorRate ?? 0;
  const increase = cRate - sRate;
  checks.push({
    name: 'error_rate',
    value: canary.requests ? increase : null,
    threshold: t.maxErrorRateIncrease,
    passed: increase <= t.maxErrorRateIncrease,
    detail: `canary ${pct(cRate)} (${canary.errors}/${canary.requests}) vs stable ${pct(sRate)} (${stable.errors}/${stable.requests}); at most ${pct(t.maxErrorRateIncrease)} more allowed`,
  });

  if (canary.p95LatencyMs !== null && stable.p95LatencyMs !== null) {
    const ratio = stable.p95LatencyMs > 0 ? canary.p95LatencyMs / stable.p95LatencyMs : canary.p95LatencyMs > 0 ? Infinity : 1;
    const slower = ratio > t.maxLatencyRatio && canary.p95LatencyMs - stable.p95LatencyMs > t.latencyToleranceMs;
    checks.push({
      name: 'latency_p95',
      value: Number.isFinite(ratio) ? ratio : null,
      threshold: t.maxLatencyRatio,
      passed: !slower,
      detail: `p95 canary ${fixed(canary.p95LatencyMs, 1)} ms vs stable ${fixed(stable.p95LatencyMs, 1)} ms (×${Number.isFinite(ratio) ? fixed(ratio, 2) : '∞'}); fails above ×${t.maxLatencyRatio} and ${t.latencyToleranceMs} ms slower`,
    });
  } else {
    checks.push({ name: 'latency_p95', value: null, threshold: t.maxLatencyRatio, passed: true, detail: 'no answered requests on one side: nothing to compare' });
  }

  let distance: StepVerdict['distance'] = { ks: null, pValue: null, psi: null };
  const n = input.canary.predictions.length;
  const m = input.stable.predictions.length;
  if (n >= MIN_DISTRIBUTION_SAMPLES && m >= MIN_DISTRIBUTION_SAMPLES) {
    const ks = ksStatistic(input.canary.predictions, input.stable.predictions);
    const p = ksPValue(ks, n, m);
    distance = { ks, pValue: p, psi: psi(input.stable.predictions, input.canary.predictions) };
    const shifted = ks > t.maxPredictionDistance && p < t.significance;
    checks.push({
      name: 'prediction_distance',
      value: ks,
      threshold: t.maxPredictionDistance,
      passed: !shifted,
      detail: `KS distance ${fixed(ks)} (p = ${p < 1e-4 ? p.toExponential(1) : fixed(p, 4)}, PSI ${fixed(distance.psi!)}) over ${n} canary and ${m} stable predictions; fails above ${t.maxPredictionDistance} when p < ${t.significance}`,
    });
  } else {
    checks.push({
      name: 'prediction_distance',
      value: null,
      threshold: t.maxPredictionDistance,
      passed: true,
      detail: `inconclusive: ${n} canary and ${m} stable sampled predictions, ${MIN_DISTRIBUTION_SAMPLES} of each needed`,
    });
  }

  const { agreed, total } = input.shadowPairs;
  const agreement = total ? agreed / total : null;
  if (total >= MIN_SHADOW_PAIRS) {
    checks.push({
      name: 'shadow_agreement',
      value: agreement,
      threshold: t.minShadowAgreement,
      passed: agreement! >= t.minShadowAgreement,
      detail: `agreed on ${agreed} of ${total} shadowed requests (${pct(agreement!)}); at least ${pct(t.minShadowAgreement)} needed`,
    });
  } else {
    checks.push({ name: 'shadow_agreement', value: agreement, threshold: t.minShadowAgreement, passed: true, detail: `inconclusive: ${total} shadowed requests compared, ${MIN_SHADOW_PAIRS} needed` });
  }

  const failed = checks.filter((c) => !c.passed);
  return {
    step: input.step,
    weight: input.weight,
    from: input.window.from,
    to: input.window.to,
    canary,
    stable,
    checks,
    distance,
    shadowAgreement: { pairs: total, agreement },
    passed: failed.length === 0,
    outcome: failed.length === 0 ? 'passed' : 'failed',
    reason: failed.length ? failed.map((c) => `${c.name.replace(/_/g, ' ')}: ${c.detail}`).join('; ') : null,
  };
}

/** Whether two outputs of one request agree: every element within 1% (absolute below 1). */
export function outputsAgree(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => Math.abs(x - b[i]!) <= 0.01 * Math.max(1, Math.abs(x)));
}

/**
 * The first numeric output of a sampled prediction's outputs (OIP tensors as the gateway logs them),
 * flattened; null when there is none. BYTES and BOOL outputs are not a distribution to compare.
 */
export function firstNumericOutput(outputs: unknown): number[] | null {
  if (!Array.isArray(outputs)) return null;
  for (const t of outputs) {
    if (!t || typeof t !== 'object') continue;
    const { datatype, data } = t as { datatype?: unknown; data?: unknown };
    if (typeof datatype !== 'string' || datatype === 'BYTES' || datatype === 'BOOL') continue;
    if (!Array.isArray(data)) continue;
    const flat = (data as unknown[]).flat(Infinity as 1).map(Number);
    if (flat.every((x) => Number.isFinite(x))) return flat;
  }
  return null;
}
