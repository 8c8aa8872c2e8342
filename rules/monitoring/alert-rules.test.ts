import { describe, expect, it } from 'vitest';
import { alertRuleProblem, breaches, describeBreach, featureMetricOf } from './alert-rules';
import { mapColumns, featureColumns } from './features';

describe('alert rules', () => {
  it('breach above or below the threshold, strictly', () => {
    expect(breaches({ comparator: 'above', threshold: 0.25 }, 0.26)).toBe(true);
    expect(breaches({ comparator: 'above', threshold: 0.25 }, 0.25)).toBe(false);
    expect(breaches({ comparator: 'below', threshold: 1 }, 0.5)).toBe(true);
  });

  it('read feature metrics out of a stored drift, and none for deployment metrics', () => {
    expect(featureMetricOf('psi')!({ psi: 0.3 })).toBe(0.3);
    expect(featureMetricOf('ks_statistic')!({ ks: { statistic: 0.2, pValue: 0.01 } })).toBe(0.2);
    expect(featureMetricOf('ks_statistic')!({ ks: null })).toBeNull();
    expect(featureMetricOf('unseen_rate')!({ kind: 'numeric' })).toBeNull();
    expect(featureMetricOf('error_rate')).toBeNull();
  });

  it('say what breached in words, naming the column', () => {
    const rule = { metric: 'psi' as const, comparator: 'above' as const, threshold: 0.25, windowMinutes: 60 };
    expect(describeBreach(rule, { value: 0.31512, feature: 'features[2]', column: 'monthly_charges', deploymentName: 'churn-prod' })).toBe(
      'PSI of features[2] (monthly_charges) is 0.315, above the threshold 0.25 (last 60 min on churn-prod)',
    );
    expect(describeBreach({ ...rule, metric: 'p95_latency_ms', threshold: 150 }, { value: 212.4, feature: null, deploymentName: 'x' })).toBe('p95 latency (ms) is 212, above the threshold 150 (last 60 min on x)');
  });

  it('refuse rules that cannot be evaluated', () => {
    const ok = { name: 'drift', metric: 'psi', threshold: 0.2, windowMinutes: 60, cooldownMinutes: 60 };
    expect(alertRuleProblem(ok)).toBeNull();
    expect(alertRuleProblem({ ...ok, name: ' ' })).toMatch(/needs a name/);
    expect(alertRuleProblem({ ...ok, metric: 'auc' })).toMatch(/must be one of/);
    expect(alertRuleProblem({ ...ok, metric: 'error_rate', feature: 'features[0]' })).toMatch(/per deployment/);
    expect(alertRuleProblem({ ...ok, threshold: Number.NaN })).toMatch(/number/);
    expect(alertRuleProblem({ ...ok, windowMinutes: 0 })).toMatch(/window/);
    expect(alertRuleProblem({ ...ok, cooldownMinutes: -1 })).toMatch(/cooldown/);
  });
});

describe('features of requests and training tables', () => {
  it('splits a 2-D input into columns and keeps 1-D inputs whole', () => {
    const cols = featureColumns([
      { name: 'features', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
      { name: 'country', shape: [2], data: ['fr', 'de'] },
      { name: 'bad', shape: [2, 2], data: [1] },
    ]);
    expect(Object.fromEntries(cols)).toEqual({ 'features[0]': [1, 4], 'features[1]': [2, 5], 'features[2]': [3, 6], country: ['fr', 'de'] });
  });

  it('maps a 2-D input to the first numeric columns, and named inputs by name', () => {
    const m = mapColumns([{ name: 'features', datatype: 'FP32', shape: [-1, 2] }], ['id', 'a', 'b', 'y'], ['a', 'b', 'y']);
    expect(m).toEqual({ ok: true, features: [{ key: 'features[0]', column: 'a' }, { key: 'features[1]', column: 'b' }] });
    expect(mapColumns([{ name: 'a', datatype: 'FP64', shape: [-1] }, { name: 'c', datatype: 'BYTES', shape: [-1] }], ['a', 'c'], ['a'])).toEqual({
      ok: true,
      features: [{ key: 'a', column: 'a' }, { key: 'c', column: 'c' }],
    });
    expect(mapColumns([{ name: 'z', datatype: 'FP64', shape: [-1] }], ['a'], ['a'])).toMatchObject({ ok: false, reason: expect.stringMatching(/no column 'z'/) });
    expect(mapColumns([], ['a'], ['a'])).toMatchObject({ ok: false });
  });
});
