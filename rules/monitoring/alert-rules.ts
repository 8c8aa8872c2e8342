/**
 * Alert rules as numbers: which metric, how it is read from a feature's drift, when a value breaches,
 * and the sentence an alert shows. Pure; shared by the monitor, the API and the rule editor.
 */
export const ALERT_METRICS = ['psi', 'ks_statistic', 'missing_rate', 'out_of_range_rate', 'unseen_rate', 'error_rate', 'p95_latency_ms', 'request_rate'] as const;
export type AlertMetricName = (typeof ALERT_METRICS)[number];
export const ALERT_COMPARATORS = ['above', 'below'] as const;
export type AlertComparatorName = (typeof ALERT_COMPARATORS)[number];

export const ALERT_METRIC_LABELS: Record<AlertMetricName, string> = {
  psi: 'PSI',
  ks_statistic: 'KS statistic',
  missing_rate: 'missing rate',
  out_of_range_rate: 'out-of-range rate',
  unseen_rate: 'unseen-category rate',
  error_rate: 'error rate',
  p95_latency_ms: 'p95 latency (ms)',
  request_rate: 'requests/s',
};

/** Metrics measured per feature (the rule names one, or takes the worst). */
export const FEATURE_METRICS: readonly AlertMetricName[] = ['psi', 'ks_statistic', 'missing_rate', 'out_of_range_rate', 'unseen_rate'];

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Reads a feature metric out of a stored feature drift; null for a metric the rule does not measure per feature. */
export function featureMetricOf(metric: AlertMetricName): ((d: Record<string, unknown>) => number | null) | null {
  switch (metric) {
    case 'psi':
      return (d) => num(d.psi);
    case 'ks_statistic':
      return (d) => num((d.ks as { statistic?: unknown } | null | undefined)?.statistic);
    case 'missing_rate':
      return (d) => num(d.missingRate);
    case 'out_of_range_rate':
      return (d) => num(d.outOfRangeRate);
    case 'unseen_rate':
      return (d) => num(d.unseenRate);
    default:
      return null;
  }
}

export const breaches = (rule: { comparator: AlertComparatorName; threshold: number }, value: number) => (rule.comparator === 'above' ? value > rule.threshold : value < rule.threshold);

export interface Breach {
  value: number;
  feature: string | null;
  /** The training data column the feature was read from, when known. */
  column?: string | null;
  deploymentName: string;
}

/** Three significant digits at most, no trailing zeros: 0.25, 0.0222, 12.2, 150. */
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(3))));

export function describeBreach(rule: { metric: AlertMetricName; comparator: AlertComparatorName; threshold: number; windowMinutes: number }, b: Breach): string {
  const what = ALERT_METRIC_LABELS[rule.metric];
  const on = b.feature ? ` of ${b.feature}${b.column && b.column !== b.feature ? ` (${b.column})` : ''}` : '';
  return `${what}${on} is ${fmt(b.value)}, ${rule.comparator} the threshold ${fmt(rule.threshold)} (last ${rule.windowMinutes} min on ${b.deploymentName})`;
}

/** What is wrong with a rule as a form has it, or null. */
export function alertRuleProblem(r: { name: string; metric: string; feature?: string | null; threshold: number; windowMinutes: number; cooldownMinutes: number }): string | null {
  if (!r.name.trim()) return 'A rule needs a name';
  if (r.name.length > 100) return 'A rule name is at most 100 characters';
  if (!(ALERT_METRICS as readonly string[]).includes(r.metric)) return `The metric must be one of ${ALERT_METRICS.join(', ')}`;
  if (r.feature && !FEATURE_METRICS.includes(r.metric as AlertMetricName)) return `${ALERT_METRIC_LABELS[r.metric as AlertMetricName]} is measured per deployment, not per feature`;
  if (!Number.isFinite(r.threshold)) return 'The threshold must be a number';
  if (!Number.isInteger(r.windowMinutes) || r.windowMinutes < 1 || r.windowMinutes > 7 * 24 * 60) return 'The window is 1 minute to 7 days';
  if (!Number.isInteger(r.cooldownMinutes) || r.cooldownMinutes < 0 || r.cooldownMinutes > 30 * 24 * 60) return 'The cooldown is 0 minutes to 30 days';
  return null;
}
