import { describe, expect, it } from 'vitest';
import { BUDGET_AMOUNT } from '@/rules/budgets';
import { parseDollars } from '@/rules/money';
import {
  costFilterOf,
  costsHref,
  costsLink,
  defaultGrouping,
  formatDollarTick,
  formatShare,
  parseCostSearch,
  parseThresholds,
  resolveRange,
  serializeCostSearch,
  stackSeries,
} from './costs';

describe('the explorer in the URL', () => {
  it('reads what it wrote', () => {
    const s = parseCostSearch(new URLSearchParams('range=custom&from=2026-11-01&to=2026-11-30&by=model&team=team_1&project=prj_2'));
    expect(s).toEqual({ range: 'custom', from: '2026-11-01', to: '2026-11-30', by: 'model', filters: { team: 'team_1', project: 'prj_2' } });
    expect(parseCostSearch(serializeCostSearch(s))).toEqual(s);
  });

  it('starts at the team, and a filtered view one level below its deepest filter', () => {
    expect(parseCostSearch(new URLSearchParams('')).by).toBe('team');
    expect(parseCostSearch(new URLSearchParams('team=team_1')).by).toBe('project');
    expect(parseCostSearch(new URLSearchParams('team=team_1&project=prj_1')).by).toBe('job');
    expect(parseCostSearch(new URLSearchParams('model=mdl_1')).by).toBe('modelVersion');
    expect(defaultGrouping({ run: 'run_1' })).toBe('job');
  });

  it('leaves defaults out of links and ignores nonsense', () => {
    expect(costsLink('acme', { modelVersion: 'mv_1' })).toBe('/o/acme/costs?modelVersion=mv_1');
    expect(costsHref('acme', parseCostSearch(new URLSearchParams('range=weird&by=day&from=yesterday')))).toBe('/o/acme/costs');
  });

  it('turns URL filters into the API filter', () => {
    expect(costFilterOf({ team: 't', modelVersion: 'mv', run: 'r', gpuType: 'a100' })).toEqual({ teamId: 't', modelVersionId: 'mv', runId: 'r', gpuType: 'a100' });
  });
});

describe('ranges', () => {
  const now = new Date('2026-12-07T15:56:10Z');
  it('covers whole UTC days through today', () => {
    const month = resolveRange({ range: 'month', from: '', to: '' }, now);
    expect(month).toMatchObject({ firstDay: '2026-12-01', lastDay: '2026-12-07' });
    expect('to' in month && month.to.toISOString()).toBe('2026-12-08T00:00:00.000Z');
    expect(resolveRange({ range: '30d', from: '', to: '' }, now)).toMatchObject({ firstDay: '2026-11-08', lastDay: '2026-12-07' });
    expect(resolveRange({ range: '90d', from: '', to: '' }, now)).toMatchObject({ firstDay: '2026-09-09' });
  });
  it('checks a custom range', () => {
    expect(resolveRange({ range: 'custom', from: '2026-10-01', to: '2026-10-31' }, now)).toMatchObject({ firstDay: '2026-10-01', lastDay: '2026-10-31' });
    expect(resolveRange({ range: 'custom', from: '2026-10-31', to: '2026-10-01' }, now)).toEqual({ error: 'The last day comes after the first' });
    expect(resolveRange({ range: 'custom', from: '', to: '2026-10-01' }, now)).toHaveProperty('error');
    expect(resolveRange({ range: 'custom', from: '2024-01-01', to: '2026-10-01' }, now)).toEqual({ error: 'A range spans at most 400 days' });
  });
});

describe('stacking', () => {
  it('puts each series on top of the ones before it', () => {
    expect(stackSeries([
      [1, 2, 0],
      [3, 0, 5],
    ])).toEqual([
      { lo: [0, 0, 0], hi: [1, 2, 0] },
      { lo: [1, 2, 0], hi: [4, 2, 5] },
    ]);
  });
  it('tops out at the day totals', () => {
    const series = [
      [5, 0, 7, 1],
      [0, 0, 2, 9],
      [4, 4, 4, 4],
    ];
    const stacked = stackSeries(series);
    expect(stacked.at(-1)!.hi).toEqual([9, 4, 13, 14]);
  });
  it('handles no series', () => {
    expect(stackSeries([])).toEqual([]);
  });
});

describe('money in the explorer', () => {
  it('labels axes in dollars', () => {
    expect([0, 5_000, 50_000, 100_000, 1_000_000, 12_500_000, 1_250_000_000, 3_000_000_000_000].map(formatDollarTick)).toEqual(['$0', '$0.005', '$0.05', '$0.10', '$1', '$12.50', '$1.25k', '$3M']);
  });
  it('writes shares', () => {
    expect(formatShare(1, 3)).toBe('33%');
    expect(formatShare(1, 200)).toBe('0.5%');
    expect(formatShare(1, 100_000)).toBe('<0.1%');
    expect(formatShare(1, 0)).toBe('—');
  });
  it('reads a budget in dollars, exactly', () => {
    expect(parseDollars('$2,500.50', BUDGET_AMOUNT)).toEqual({ micros: 2_500_500_000 });
    expect(parseDollars('250000', BUDGET_AMOUNT)).toEqual({ micros: 250_000_000_000 });
    expect(parseDollars('0.000001', BUDGET_AMOUNT)).toEqual({ micros: 1 });
    expect(parseDollars('0', BUDGET_AMOUNT)).toEqual({ error: 'A budget is more than $0' });
    expect(parseDollars('-5', BUDGET_AMOUNT)).toHaveProperty('error');
    expect(parseDollars('1.0000001', BUDGET_AMOUNT)).toHaveProperty('error');
    expect(parseDollars('200000000', BUDGET_AMOUNT)).toEqual({ error: 'A monthly budget is at most $100,000,000.00' });
    expect(parseDollars('ten', BUDGET_AMOUNT)).toHaveProperty('error');
  });
  it('reads thresholds with the API’s rule', () => {
    expect(parseThresholds('50, 80, 100')).toEqual({ thresholds: [50, 80, 100] });
    expect(parseThresholds('75% 90%')).toEqual({ thresholds: [75, 90] });
    expect(parseThresholds('80, 50')).toHaveProperty('error');
    expect(parseThresholds('50, 120')).toHaveProperty('error');
    expect(parseThresholds('50.5')).toEqual({ error: 'Thresholds are whole percentages: 50.5 is not' });
    expect(parseThresholds('')).toHaveProperty('error');
  });
});
