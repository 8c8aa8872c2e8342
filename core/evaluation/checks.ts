import type { EvaluationCheck, EvaluationCheckResult } from '../../db/schema';
import { AppError } from '../errors';

/**
 * Evaluation checks are written as one comparison each:
 *
 *   auc >= 0.80
 *   auc >= champion.auc - 0.01
 *   log_loss < champion.log_loss + 0.05
 *
 * The left side is a metric of the evaluated version; the right side a number,
 * or the champion's value of the same metric plus or minus a delta.
 */
const METRIC = '[A-Za-z_][A-Za-z0-9_./-]{0,249}';
const NUMBER = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?';
const CHECK = new RegExp(`^\\s*(${METRIC})\\s*(>=|<=|>|<)\\s*(?:(${NUMBER})|champion\\.(${METRIC})\\s*(?:([+-])\\s*(${NUMBER}))?)\\s*$`);

export const MAX_CHECKS = 20;

export function parseCheck(text: string): EvaluationCheck {
  const m = CHECK.exec(text);
  if (!m) {
    throw new AppError('BAD_USER_INPUT', `Cannot read the check '${text.slice(0, 100)}': write e.g. 'auc >= 0.8' or 'auc >= champion.auc - 0.01'`, {
      fields: [{ path: 'checks', message: 'Not a check' }],
    });
  }
  const [, metric, op, absolute, championMetric, sign, delta] = m;
  if (championMetric !== undefined && championMetric !== metric) {
    throw new AppError('BAD_USER_INPUT', `A check compares one metric: '${metric}' with champion.${metric}, not champion.${championMetric}`, {
      fields: [{ path: 'checks', message: 'Different metrics' }],
    });
  }
  return {
    metric: metric!,
    op: op as EvaluationCheck['op'],
    threshold: absolute !== undefined ? Number(absolute) : null,
    relativeTo: championMetric !== undefined ? 'champion' : null,
    delta: delta !== undefined ? (sign === '-' ? -Number(delta) : Number(delta)) : 0,
  };
}

export function parseChecks(lines: readonly string[]): { text: string; check: EvaluationCheck }[] {
  const cleaned = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (cleaned.length === 0) throw new AppError('BAD_USER_INPUT', 'An evaluation policy needs at least one check', { fields: [{ path: 'checks', message: 'Required' }] });
  if (cleaned.length > MAX_CHECKS) throw new AppError('BAD_USER_INPUT', `At most ${MAX_CHECKS} checks`, { fields: [{ path: 'checks', message: 'Too many' }] });
  return cleaned.map((text) => ({ text, check: parseCheck(text) }));
}

const compare = (a: number, op: EvaluationCheck['op'], b: number) => (op === '>=' ? a >= b : op === '>' ? a > b : op === '<=' ? a <= b : a < b);
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/0+$/, '').replace(/\.$/, ''));

/**
 * Applies each check to the candidate's metrics. A metric the candidate did not
 * log fails its check (a gate must not pass on silence); a champion that lacks
 * the metric, or no champion at all, leaves only the candidate to judge, so a
 * relative check then passes with a note.
 */
export function evaluateChecks(
  checks: readonly { text: string; check: EvaluationCheck }[],
  metrics: Readonly<Record<string, number>>,
  champion: Readonly<Record<string, number>> | null,
): { passed: boolean; results: EvaluationCheckResult[] } {
  const results = checks.map(({ text, check }): EvaluationCheckResult => {
    const value = metrics[check.metric];
    const base = { ...check, expression: text };
    if (value === undefined || !Number.isFinite(value)) {
      return { ...base, value: value ?? null, target: null, passed: false, detail: `The evaluation logged no finite value for ${check.metric}` };
    }
    if (check.relativeTo === 'champion') {
      const champ = champion?.[check.metric];
      if (champ === undefined || !Number.isFinite(champ)) {
        return { ...base, value, target: null, passed: true, detail: champion ? `The champion has no ${check.metric} to compare with` : 'There is no champion to compare with' };
      }
      const target = champ + check.delta;
      const passed = compare(value, check.op, target);
      return { ...base, value, target, passed, detail: `${fmt(value)} ${check.op} ${fmt(target)} (champion ${fmt(champ)}${check.delta ? ` ${check.delta > 0 ? '+' : '-'} ${fmt(Math.abs(check.delta))}` : ''})` };
    }
    const target = check.threshold!;
    const passed = compare(value, check.op, target);
    return { ...base, value, target, passed, detail: `${fmt(value)} ${check.op} ${fmt(target)}` };
  });
  return { passed: results.every((r) => r.passed), results };
}
