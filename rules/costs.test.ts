import { describe, expect, it } from 'vitest';
import { forecastMonth } from './costs';

const days = (entries: [string, number][]) => new Map(entries);

describe('month-end forecast', () => {
  it('adds the last seven days’ run rate for the rest of the month to what was spent', () => {
    // Noon on the 15th of a 31-day month: $1 a day on the 1st to the 8th, $2 a day from the 9th.
    const at = new Date('2026-12-15T12:00:00Z');
    const spend = days(Array.from({ length: 15 }, (_, i) => [`2026-12-${String(i + 1).padStart(2, '0')}`, i < 8 ? 1_000_000 : 2_000_000]));
    const f = forecastMonth(spend, at);
    expect(f.spentMicros).toBe(8 * 1_000_000 + 7 * 2_000_000);
    // The window is the 9th to now: 6.5 days holding $14.
    expect(f.rateMicrosPerDay).toBe(Math.round(14_000_000 / 6.5));
    expect(f.forecastMicros).toBe(22_000_000 + Math.round((14_000_000 / 6.5) * 16.5));
  });

  it('does not extrapolate a month’s first hours as a whole day’s rate', () => {
    const f = forecastMonth(days([['2027-01-01', 3_000_000]]), new Date('2027-01-01T02:00:00Z'));
    // Two hours in, the rate counts as at least a day: $3 a day for the 30.9 days left.
    expect(f.rateMicrosPerDay).toBe(3_000_000);
    expect(f.forecastMicros).toBe(3_000_000 + Math.round(3_000_000 * (31 - 2 / 24)));
  });

  it('ignores days of other months and after now, and forecasts nothing from nothing', () => {
    const at = new Date('2026-12-10T00:00:00Z');
    expect(forecastMonth(days([['2026-11-30', 9_000_000], ['2026-12-11', 9_000_000]]), at)).toEqual({ spentMicros: 0, forecastMicros: 0, rateMicrosPerDay: 0 });
  });

  it('is exactly what was spent at the month’s last instant', () => {
    const f = forecastMonth(days([['2026-12-31', 5_000_000]]), new Date('2027-01-01T00:00:00Z'));
    // That instant is the next month's start: December is over and January has nothing yet.
    expect(f.spentMicros).toBe(0);
    const end = forecastMonth(days([['2026-12-31', 5_000_000]]), new Date('2026-12-31T23:59:59.999Z'));
    expect(end.forecastMicros).toBe(5_000_000);
  });
});
