import { deleteBudget, listBudgets, setBudget, type BudgetView } from '../../core/costs/budgets';
import { costBreakdown, costForecasts, dailyCosts, modelVersionCosts, runCosts, type CostBreakdown, type CostGroup, type CostGroupKey, type CostSeries, type DailyCosts, type TeamForecast } from '../../core/costs/explore';
import type { BudgetAction } from '../../db/schema';
import { COST_DIMENSIONS } from '../../rules/costs';
import { DEFAULT_THRESHOLDS } from '../../rules/budgets';
import type { Builder } from '../builder';
import { ModelVersionTypeRef } from './registry';
import { RunRef } from './tracking';

export function register(builder: Builder) {
  const DimensionEnum = builder.enumType('CostDimension', {
    description: 'What ledger lines are grouped by: `model` is the registered model, `modelVersion` one version; `day` is the UTC day',
    values: COST_DIMENSIONS,
  });
  const BudgetActionEnum = builder.enumType('BudgetAction', {
    values: {
      alert: { description: 'Only alert at the thresholds; jobs are never refused' },
      block: { description: 'Alert, and refuse new jobs whose worst case does not fit (the default)' },
      block_and_stop: { description: 'Alert, refuse new jobs, and stop running jobs once the month’s spend reaches the budget' },
    } satisfies Record<BudgetAction, { description: string }>,
  });

  const GroupKey = builder.objectRef<CostGroupKey>('CostGroupKey').implement({
    fields: (t) => ({
      dimension: t.expose('dimension', { type: DimensionEnum }),
      id: t.exposeString('id', { nullable: true, description: 'The team’s (project’s, …) ID, the GPU type, the source or the day; null for lines without one' }),
      label: t.exposeString('label', { nullable: true, description: 'What people read: a name, an email, `churn v3`, a day' }),
    }),
  });
  const Group = builder.objectRef<CostGroup>('CostGroup').implement({
    fields: (t) => ({
      keys: t.field({ type: [GroupKey], resolve: (g) => g.keys }),
      amountMicros: t.expose('amountMicros', { type: 'Micros' }),
      lines: t.exposeInt('lines'),
    }),
  });
  const Breakdown = builder.objectRef<CostBreakdown>('CostBreakdown').implement({
    fields: (t) => ({
      groups: t.field({ type: [Group], resolve: (b) => b.groups, description: 'Largest first' }),
      othersMicros: t.expose('othersMicros', { type: 'Micros', description: 'What the groups past the limit add up to' }),
      totalMicros: t.expose('totalMicros', { type: 'Micros' }),
      lines: t.exposeInt('lines'),
    }),
  });
  const Series = builder.objectRef<CostSeries>('CostSeries').implement({
    fields: (t) => ({
      key: t.field({ type: GroupKey, resolve: (s) => s.key }),
      points: t.field({ type: ['Micros'], description: 'One amount per day of `DailyCosts.days`', resolve: (s) => s.points }),
      totalMicros: t.expose('totalMicros', { type: 'Micros' }),
    }),
  });
  const Daily = builder.objectRef<DailyCosts>('DailyCosts').implement({
    fields: (t) => ({
      days: t.stringList({ description: 'Every UTC day of the range, `YYYY-MM-DD`', resolve: (d) => d.days }),
      series: t.field({ type: [Series], resolve: (d) => d.series }),
      totals: t.field({ type: ['Micros'], resolve: (d) => d.totals }),
    }),
  });
  const Forecast = builder.objectRef<TeamForecast>('TeamCostForecast').implement({
    description: 'A team’s spend this month and its month-end forecast: spent so far plus the last seven days’ run rate for the rest of the month',
    fields: (t) => ({
      teamId: t.exposeID('teamId'),
      teamName: t.exposeString('teamName'),
      month: t.exposeString('month'),
      spentMicros: t.expose('spentMicros', { type: 'Micros' }),
      forecastMicros: t.expose('forecastMicros', { type: 'Micros' }),
      budgetMicros: t.expose('budgetMicros', { type: 'Micros', nullable: true }),
    }),
  });
  const Budget = builder.objectRef<BudgetView>('Budget').implement({
    description: 'A team’s (or one project’s) budget for each calendar month, UTC, with this month’s standing',
    fields: (t) => ({
      id: t.exposeID('id'),
      teamId: t.exposeID('teamId'),
      teamName: t.exposeString('teamName'),
      projectId: t.exposeID('projectId', { nullable: true }),
      projectName: t.exposeString('projectName', { nullable: true }),
      amountMicros: t.expose('amountMicros', { type: 'Micros' }),
      thresholds: t.exposeIntList('thresholds', { description: 'Percentages of the budget at which an alert is sent, once each month' }),
      action: t.expose('action', { type: BudgetActionEnum }),
      month: t.exposeString('month'),
      spentMicros: t.expose('spentMicros', { type: 'Micros', description: 'This month’s ledger lines' }),
      reservedMicros: t.expose('reservedMicros', { type: 'Micros', description: 'The worst cases of jobs not ended yet' }),
      remainingMicros: t.expose('remainingMicros', { type: 'Micros' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    }),
  });

  const Filter = builder.inputType('CostFilter', {
    fields: (t) => ({
      teamId: t.id(),
      projectId: t.id(),
      userId: t.id(),
      modelId: t.id(),
      modelVersionId: t.id(),
      clusterId: t.id(),
      deploymentId: t.id(),
      jobId: t.id(),
      runId: t.id(),
      gpuType: t.string(),
    }),
  });
  const filterOf = (f: Record<string, unknown> | null | undefined) => Object.fromEntries(Object.entries(f ?? {}).filter(([, v]) => v != null).map(([k, v]) => [k, String(v)]));

  builder.queryFields((t) => ({
    costBreakdown: t.field({
      type: Breakdown,
      authScopes: { permission: 'cost:read' },
      description: 'What was spent in [from, to), grouped by up to three dimensions, largest first; groups + others = total',
      args: {
        from: t.arg({ type: 'DateTime', required: true }),
        to: t.arg({ type: 'DateTime', required: true }),
        groupBy: t.arg({ type: [DimensionEnum], required: true }),
        filter: t.arg({ type: Filter }),
        limit: t.arg.int(),
      },
      resolve: async (_r, a, ctx) => costBreakdown(await ctx.tenant(), { range: { from: a.from, to: a.to }, groupBy: a.groupBy, filter: filterOf(a.filter), ...(a.limit != null ? { limit: a.limit } : {}) }),
    }),
    dailyCosts: t.field({
      type: Daily,
      authScopes: { permission: 'cost:read' },
      description: 'Daily spend in [from, to), one series per team (project, model, …): the largest `series`, the rest summed as Others',
      args: {
        from: t.arg({ type: 'DateTime', required: true }),
        to: t.arg({ type: 'DateTime', required: true }),
        by: t.arg({ type: DimensionEnum, required: true }),
        filter: t.arg({ type: Filter }),
        series: t.arg.int(),
      },
      resolve: async (_r, a, ctx) => dailyCosts(await ctx.tenant(), { range: { from: a.from, to: a.to }, by: a.by, filter: filterOf(a.filter), ...(a.series != null ? { series: a.series } : {}) }),
    }),
    costForecasts: t.field({
      type: [Forecast],
      authScopes: { permission: 'cost:read' },
      description: 'Every team’s spend this month and month-end forecast, beside its budget',
      resolve: async (_r, _a, ctx) => costForecasts(await ctx.tenant()),
    }),
    budgets: t.field({
      type: [Budget],
      authScopes: { permission: 'cost:read' },
      description: 'The organization’s budgets (or one team’s), with this month’s spend, reservations and what is left',
      args: { teamId: t.arg.id() },
      resolve: async (_r, a, ctx) => listBudgets(await ctx.tenant(), { teamId: a.teamId ? String(a.teamId) : null }),
    }),
  }));

  builder.mutationFields((t) => ({
    setBudget: t.field({
      type: Budget,
      authScopes: { permission: 'budget:manage' },
      description: `Sets a team’s monthly budget, or one of its projects’ (admins and owners); replaces the one there is. Thresholds default to ${DEFAULT_THRESHOLDS.join(', ')}; the action to \`block\``,
      args: {
        teamId: t.arg.id({ required: true }),
        projectId: t.arg.id(),
        amountMicros: t.arg({ type: 'Micros', required: true }),
        thresholds: t.arg.intList(),
        action: t.arg({ type: BudgetActionEnum }),
      },
      resolve: async (_r, a, ctx) =>
        setBudget(await ctx.tenant(), {
          teamId: String(a.teamId),
          projectId: a.projectId ? String(a.projectId) : null,
          amountMicros: a.amountMicros,
          ...(a.thresholds ? { thresholds: a.thresholds } : {}),
          ...(a.action ? { action: a.action } : {}),
        }),
    }),
    deleteBudget: t.boolean({
      authScopes: { permission: 'budget:manage' },
      args: { budgetId: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx) => {
        await deleteBudget(await ctx.tenant(), { budgetId: String(a.budgetId) });
        return true;
      },
    }),
  }));

  builder.objectField(ModelVersionTypeRef(builder), 'costMicros', (t) =>
    t.field({
      type: 'Micros',
      description: 'What the version cost to make: the training that registered it, its evaluations, and the jobs of the run it came from',
      resolve: async (v, _a, ctx) => {
        const tenant = await ctx.tenant();
        return (await ctx.batch('modelVersionCosts', v.id, (ids) => modelVersionCosts(tenant, ids))) ?? 0;
      },
    }),
  );
  builder.objectField(RunRef(builder), 'costMicros', (t) =>
    t.field({
      type: 'Micros',
      description: 'What the jobs that logged to this run cost, as settled in the ledger',
      resolve: async (r, _a, ctx) => {
        const tenant = await ctx.tenant();
        return (await ctx.batch('runCosts', r.id, (ids) => runCosts(tenant, ids))) ?? 0;
      },
    }),
  );
}
