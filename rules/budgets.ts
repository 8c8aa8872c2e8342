import { formatMicros, MICROS_PER_DOLLAR, type DollarAmountRule } from './money';

/** The alert thresholds a budget gets when none are given: half, most, all of it. */
export const DEFAULT_THRESHOLDS = [50, 80, 100] as const;

/** The most a monthly budget may be, $100 million: above it the amount was almost surely typed in the wrong unit. */
export const MAX_BUDGET_MICROS = 100_000_000 * MICROS_PER_DOLLAR;

/** A monthly budget typed in dollars (the budget form): more than $0, at most {@link MAX_BUDGET_MICROS}. */
export const BUDGET_AMOUNT: DollarAmountRule = {
  plural: 'budgets',
  empty: 'Enter the monthly amount',
  negative: 'A budget cannot be negative',
  example: '2500',
  max: MAX_BUDGET_MICROS,
  tooMuch: `A monthly budget is at most ${formatMicros(MAX_BUDGET_MICROS)}`,
  zero: 'A budget is more than $0',
};

/** Why the thresholds are not usable (whole percentages from 1 to 100, ascending, no repeats), or null. */
export function thresholdsProblem(thresholds: readonly number[]): string | null {
  if (thresholds.length === 0) return 'Give at least one alert threshold';
  if (thresholds.length > 10) return 'At most 10 alert thresholds';
  for (const t of thresholds) {
    if (!Number.isInteger(t)) return `Thresholds are whole percentages: ${t} is not`;
    if (t < 1 || t > 100) return `Thresholds are percentages of the budget from 1 to 100: ${t}% is not`;
  }
  for (let i = 1; i < thresholds.length; i++) {
    if (thresholds[i]! <= thresholds[i - 1]!) return `Thresholds go up, each once: ${thresholds.join(', ')} does not`;
  }
  return null;
}

/** The calendar month (UTC) holding `at`: its first instant, the next month's first instant, and its name. */
export function monthOf(at: Date): { start: Date; end: Date; label: string } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  const label = start.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return { start, end, label };
}

export interface BudgetStanding {
  amountMicros: number;
  spentMicros: number;
  reservedMicros: number;
}

/** What is left of a budget after what was spent and what running jobs hold; never below zero. */
export const remainingMicros = (b: BudgetStanding) => Math.max(0, b.amountMicros - b.spentMicros - b.reservedMicros);

/** Whether a job whose worst case is `estimateMicros` fits: spent + reserved + estimate stays within the amount. */
export const fits = (b: BudgetStanding, estimateMicros: number) => b.spentMicros + b.reservedMicros + estimateMicros <= b.amountMicros;

/** The refusal's words, with every number a person needs to see why. */
export function refusalMessage(b: BudgetStanding & { scope: string; month: string }, estimateMicros: number): string {
  return (
    `This job could cost up to ${formatMicros(estimateMicros)} (its longest runtime at its resources' prices), more than is left of ${b.scope}'s budget for ${b.month}: ` +
    `budget ${formatMicros(b.amountMicros)}, spent ${formatMicros(b.spentMicros)}, reserved by running jobs ${formatMicros(b.reservedMicros)}, left ${formatMicros(remainingMicros(b))}`
  );
}
