import { describe, expect, it } from 'vitest';
import { evaluateChecks, parseCheck, parseChecks } from './checks';

describe('evaluation checks', () => {
  it('reads absolute and champion-relative checks', () => {
    expect(parseCheck('auc >= 0.80')).toEqual({ metric: 'auc', op: '>=', threshold: 0.8, relativeTo: null, delta: 0 });
    expect(parseCheck(' auc>=champion.auc - 0.01 ')).toEqual({ metric: 'auc', op: '>=', threshold: null, relativeTo: 'champion', delta: -0.01 });
    expect(parseCheck('log_loss < champion.log_loss + 5e-2')).toEqual({ metric: 'log_loss', op: '<', threshold: null, relativeTo: 'champion', delta: 0.05 });
    expect(parseCheck('val/acc > champion.val/acc')).toMatchObject({ metric: 'val/acc', relativeTo: 'champion', delta: 0 });
  });

  it('refuses what it cannot read, with a coded error', () => {
    for (const bad of ['auc', 'auc = 0.8', 'auc >= champion.loss', 'auc >= 0.8; rm -rf /', '>= 0.8', 'auc >= champion.auc * 2']) {
      expect(() => parseCheck(bad), bad).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
    expect(() => parseChecks(['# only a comment', ''])).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(() => parseChecks(Array.from({ length: 21 }, () => 'auc >= 0.5'))).toThrow(/At most 20/);
  });

  it('passes only when every check holds, and explains each', () => {
    const checks = parseChecks(['auc >= 0.80', 'auc >= champion.auc - 0.01', 'loss <= champion.loss']);
    const ok = evaluateChecks(checks, { auc: 0.85, loss: 0.3 }, { auc: 0.855, loss: 0.31 });
    expect(ok.passed).toBe(true);
    expect(ok.results.map((r) => r.passed)).toEqual([true, true, true]);
    expect(ok.results[1]).toMatchObject({ value: 0.85, target: 0.845 });
    expect(ok.results[1]!.detail).toContain('champion 0.855 - 0.01');

    const worse = evaluateChecks(checks, { auc: 0.83, loss: 0.3 }, { auc: 0.9, loss: 0.31 });
    expect(worse.passed).toBe(false);
    expect(worse.results.map((r) => r.passed)).toEqual([true, false, true]);

    const below = evaluateChecks(checks, { auc: 0.79, loss: 0.3 }, null);
    expect(below.results.map((r) => r.passed)).toEqual([false, true, true]);
    expect(below.results[1]!.detail).toBe('There is no champion to compare with');
  });

  it('fails a check whose metric was not logged or is not finite', () => {
    const checks = parseChecks(['auc >= 0.5', 'acc >= 0.5']);
    const r = evaluateChecks(checks, { auc: Number.NaN }, null);
    expect(r.passed).toBe(false);
    expect(r.results.every((x) => !x.passed)).toBe(true);
    expect(r.results[1]!.detail).toContain('no finite value for acc');
  });
});
