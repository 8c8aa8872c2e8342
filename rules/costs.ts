import { monthOf } from './budgets';

/** What the cost explorer groups ledger lines by. */
export const COST_DIMENSIONS = ['team', 'project', 'user', 'model', 'modelVersion', 'cluster', 'gpuType', 'deployment', 'source', 'job', 'day'] as const;
export type CostDimension = (typeof COST_DIMENSIONS)[number];

const DAY_MS = 86_400_000;
/** How many recent days the run rate averages over. */
export const FORECAST_WINDOW_DAYS = 7;

/**
 * A month-end forecast from the month so far (ADR 0026): what was spent, plus the recent run rate
 * for the rest of the month. The rate is the spend of the last seven days of the month (fewer early
 * in the month, today counting as far as it has gone) over the time they span, at least one day, so
 * that a month's first hours do not extrapolate one job into a fortune. `daily` maps UTC days
 * (`YYYY-MM-DD`) to their spend; days outside the month of `at`, or after it, are ignored.
 */
export function forecastMonth(daily: ReadonlyMap<string, number>, at: Date): { spentMicros: number; forecastMicros: number; rateMicrosPerDay: number } {
  const month = monthOf(at);
  const today = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const windowStart = Math.max(month.start.getTime(), today - (FORECAST_WINDOW_DAYS - 1) * DAY_MS);
  let spent = 0;
  let recent = 0;
  for (const [day, amount] of daily) {
    const t = Date.parse(`${day}T00:00:00Z`);
    if (!(t >= month.start.getTime() && t <= today)) continue;
    spent += amount;
    if (t >= windowStart) recent += amount;
  }
  const span = Math.max(1, (at.getTime() - windowStart) / DAY_MS);
  const rate = recent / span;
  const left = Math.max(0, (month.end.getTime() - at.getTime()) / DAY_MS);
  return { spentMicros: spent, forecastMicros: spent + Math.round(rate * left), rateMicrosPerDay: Math.round(rate) };
}
