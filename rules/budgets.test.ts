import { describe, expect, it } from 'vitest';
import { fits, monthOf, refusalMessage, remainingMicros, thresholdsProblem } from './budgets';

describe('budget rules', () => {
  it('takes whole ascending percentages from 1 to 100, each once', () => {
    expect(thresholdsProblem([50, 80, 100])).toBeNull();
    expect(thresholdsProblem([100])).toBeNull();
    expect(thresholdsProblem([])).toBe('Give at least one alert threshold');
    expect(thresholdsProblem([50, 120])).toBe('Thresholds are percentages of the budget from 1 to 100: 120% is not');
    expect(thresholdsProblem([0])).toBe('Thresholds are percentages of the budget from 1 to 100: 0% is not');
    expect(thresholdsProblem([80, 50])).toBe('Thresholds go up, each once: 80, 50 does not');
    expect(thresholdsProblem([50, 50])).toBe('Thresholds go up, each once: 50, 50 does not');
    expect(thresholdsProblem([12.5])).toBe('Thresholds are whole percentages: 12.5 is not');
    expect(thresholdsProblem(Array.from({ length: 11 }, (_, i) => i + 1))).toBe('At most 10 alert thresholds');
  });

  it('counts calendar months in UTC, whatever the hour', () => {
    expect(monthOf(new Date('2026-12-31T23:59:59.999Z'))).toEqual({ start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z'), label: 'December 2026' });
    expect(monthOf(new Date('2027-01-01T00:00:00Z')).label).toBe('January 2027');
    expect(monthOf(new Date('2028-02-29T12:00:00Z')).end).toEqual(new Date('2028-03-01T00:00:00Z'));
  });

  it('admits a job only while spent, reserved and its worst case stay within the amount', () => {
    const b = { amountMicros: 10_000_000, spentMicros: 6_000_000, reservedMicros: 3_000_000 };
    expect(fits(b, 1_000_000)).toBe(true);
    expect(fits(b, 1_000_001)).toBe(false);
    expect(remainingMicros(b)).toBe(1_000_000);
    expect(remainingMicros({ ...b, spentMicros: 12_000_000 })).toBe(0);
    expect(refusalMessage({ ...b, scope: 'team ML', month: 'December 2026' }, 2_500_000)).toBe(
      "This job could cost up to $2.50 (its longest runtime at its resources' prices), more than is left of team ML's budget for December 2026: budget $10.00, spent $6.00, reserved by running jobs $3.00, left $1.00",
    );
  });
});
