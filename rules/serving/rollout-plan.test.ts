import { describe, expect, it } from 'vitest';
import { EARLY_MIN_ERRORS, earlyFailure, firstNumericOutput, judgeStep, ksPValue, ksStatistic, presetPlan, psi, quantile, rolloutPlanSchema, type ArmSample } from './rollout-plan';

/** Reference values from scipy 1.x: `ks_2samp(a, b, method='asymp')` and numpy's `percentile`. */
describe('rollout statistics', () => {
  const a = [0.1, 0.4, 0.35, 0.8, 0.9, 0.2, 0.55, 0.6];
  const b = [0.5, 0.7, 0.65, 0.95, 0.85, 0.75, 0.9];

  it('computes the two-sample KS distance as scipy does, and a p-value of the same size', () => {
    expect(ksStatistic(a, b)).toBeCloseTo(0.6071428571428572, 12);
    expect(ksStatistic(b, a)).toBeCloseTo(0.6071428571428572, 12);
    expect(ksStatistic(a, a)).toBe(0);
    // scipy's asymptotic p is 0.0618 (without Stephens' small-sample correction): the same verdict at 1% and 5%.
    const p = ksPValue(0.6071428571428572, a.length, b.length);
    expect(p).toBeGreaterThan(0.03);
    expect(p).toBeLessThan(0.12);
    expect(ksPValue(0.22833333333333333, 200, 150)).toBeLessThan(0.001);
    expect(ksPValue(0, 50, 50)).toBe(1);
  });

  it('takes quantiles as numpy does and a PSI that grows with the shift', () => {
    expect(quantile([3, 1, 4, 1, 5, 9, 2, 6], 0.95)).toBeCloseTo(7.95, 10);
    expect(quantile([], 0.5)).toBeNull();
    const base = Array.from({ length: 200 }, (_, i) => i / 200);
    expect(psi(base, base)).toBeCloseTo(0, 10);
    const shifted = base.map((x) => Math.min(1, x + 0.2));
    const far = base.map((x) => Math.min(1, x + 0.6));
    expect(psi(base, shifted)).toBeGreaterThan(0.1);
    expect(psi(base, far)).toBeGreaterThan(psi(base, shifted));
  });

  it('reads the first numeric output of a logged prediction', () => {
    expect(firstNumericOutput([{ name: 's', datatype: 'BYTES', shape: [1], data: ['x'] }, { name: 'p', datatype: 'FP32', shape: [2], data: [0.25, 0.5] }])).toEqual([0.25, 0.5]);
    expect(firstNumericOutput(null)).toBeNull();
  });
});

describe('a step verdict', () => {
  const arm = (o: Partial<ArmSample>): ArmSample => ({ requests: 100, errors: 0, latenciesMs: Array(100).fill(5), predictions: Array.from({ length: 100 }, (_, i) => i / 100), ...o });
  const thresholds = rolloutPlanSchema.parse({ steps: [{ weight: 100 }] }).thresholds;
  const judge = (canary: Partial<ArmSample>, stable: Partial<ArmSample> = {}, shadowPairs = { agreed: 0, total: 0 }) =>
    judgeStep({ step: 0, weight: 5, window: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:01:00Z' }, canary: arm(canary), stable: arm(stable), shadowPairs, thresholds });

  it('passes a canary like stable and fails each kind of bad one, naming the check', () => {
    expect(judge({})).toMatchObject({ passed: true, outcome: 'passed', reason: null });
    const failing = (v: ReturnType<typeof judge>) => v.checks.filter((c) => !c.passed).map((c) => c.name);
    expect(failing(judge({ errors: 5 }))).toEqual(['error_rate']);
    expect(failing(judge({ latenciesMs: Array(100).fill(60) }))).toEqual(['latency_p95']);
    // Twice as slow but only 5 ms: timer noise, not a regression.
    expect(failing(judge({ latenciesMs: Array(100).fill(10) }))).toEqual([]);
    expect(failing(judge({ predictions: Array.from({ length: 100 }, (_, i) => 0.5 + i / 200) }))).toEqual(['prediction_distance']);
    expect(failing(judge({}, {}, { agreed: 10, total: 40 }))).toEqual(['shadow_agreement']);
  });

  it('ends a step early only on evidence of its own: enough errors, a significant distance, disagreeing shadows; never on latency', () => {
    expect(earlyFailure(judge({}))).toBeNull();
    expect(earlyFailure(judge({ latenciesMs: Array(100).fill(60) }))).toBeNull();
    // Two errors in 100 is over the 1-point threshold at the step's end, but not enough to stop it early.
    expect(judge({ errors: 2 }).passed).toBe(false);
    expect(earlyFailure(judge({ errors: 2 }))).toBeNull();
    expect(earlyFailure(judge({ errors: EARLY_MIN_ERRORS }))).toMatch(/^error rate: canary 5\.0% \(5\/100\)/);
    expect(earlyFailure(judge({ predictions: Array.from({ length: 100 }, (_, i) => 0.5 + i / 200) }))).toMatch(/^prediction distance: KS distance/);
    expect(earlyFailure(judge({}, {}, { agreed: 10, total: 40 }))).toMatch(/^shadow agreement/);
  });

  it('calls small samples inconclusive rather than failing them on chance', () => {
    const v = judge({ predictions: [0.9, 0.9, 0.9] });
    expect(v.passed).toBe(true);
    expect(v.checks.find((c) => c.name === 'prediction_distance')!.detail).toMatch(/inconclusive/);
  });
});

describe('a rollout plan', () => {
  it('defaults to 5 → 25 → 50 → 100 and refuses plans that do not end at 100 or shrink', () => {
    expect(presetPlan('standard').steps.map((s) => s.weight)).toEqual([5, 25, 50, 100]);
    expect(presetPlan('careful').requireApproval).toBe(true);
    expect(rolloutPlanSchema.safeParse({ steps: [{ weight: 10 }, { weight: 50 }] }).success).toBe(false);
    expect(rolloutPlanSchema.safeParse({ steps: [{ weight: 50 }, { weight: 10 }, { weight: 100 }] }).success).toBe(false);
  });
});
