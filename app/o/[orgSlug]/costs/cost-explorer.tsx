'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import type { CostDimension, CostExplorerQuery } from '@/app/gql/graphql';
import { StackedAreaChart, type StackedSeries } from '@/app/components/charts/stacked-area-chart';
import { ChartIcon, ChevronRightIcon, ServerIcon } from '@/app/components/icons';
import { Banner, ButtonLink, Card, CardHeader, cx, EmptyState, Input, LoadError, Select, Skeleton, Table, TableSkeleton, TBody, TD, TH, THead } from '@/app/components/ui';
import {
  costFilterOf,
  costsHref,
  DIMENSION_LABELS,
  FILTER_PARAMS,
  formatDollarTick,
  formatShare,
  GROUPINGS,
  missingLabel,
  NEXT_LEVEL,
  RANGES,
  type CostSearch,
  type ResolvedRange,
} from '@/app/lib/costs';
import { useGqlQueries, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { SERIES_COLORS } from '@/app/lib/tracking';
import { formatMicros } from '@/rules/money';

const CostExplorerQuery = graphql(`
  query CostExplorer($from: DateTime!, $to: DateTime!, $by: CostDimension!, $filter: CostFilter) {
    costBreakdown(from: $from, to: $to, groupBy: [$by], filter: $filter, limit: 50) {
      groups {
        keys {
          dimension
          id
          label
        }
        amountMicros
        lines
      }
      othersMicros
      totalMicros
      lines
    }
    dailyCosts(from: $from, to: $to, by: $by, filter: $filter, series: 6) {
      days
      series {
        key {
          id
          label
        }
        points
        totalMicros
      }
      totals
    }
  }
`);

/** The names behind the URL's filters, read from the ledger's own groups over the longest range the API allows. */
const CostFilterLabelsQuery = graphql(`
  query CostFilterLabels($from: DateTime!, $to: DateTime!, $groupBy: [CostDimension!]!, $filter: CostFilter) {
    costBreakdown(from: $from, to: $to, groupBy: $groupBy, filter: $filter, limit: 1) {
      groups {
        keys {
          dimension
          id
          label
        }
      }
    }
  }
`);

const CostJobNameQuery = graphql(`
  query CostJobName($id: ID!) {
    job(id: $id) {
      id
      name
    }
  }
`);

const OTHERS_COLOR = '#a1a1aa';
const dayShort = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayLong = new Intl.DateTimeFormat('en', { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
const formatDay = (d: string, short: boolean) => (short ? dayShort : dayLong).format(new Date(`${d}T00:00:00Z`));

type Group = CostExplorerQuery['costBreakdown']['groups'][number];

/** The longest range the API takes, ending today: where the names of filtered things are looked up. */
function labelRange(now: Date) {
  const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return { from: new Date(to - 400 * 86_400_000).toISOString(), to: new Date(to).toISOString() };
}

/** "All teams › Growth › Churn": the drill path, each step a link back up to it. */
function DrillPath({ search, orgSlug }: { search: CostSearch; orgSlug: string }) {
  const active = FILTER_PARAMS.filter((f) => search.filters[f.param]);
  const labelled = active.filter((f) => f.dimension !== null).slice(0, 3);
  const labels = useGqlQuery(
    CostFilterLabelsQuery,
    { ...labelRange(new Date()), groupBy: labelled.map((f) => f.dimension!), filter: costFilterOf(search.filters) },
    { enabled: labelled.length > 0 },
  );
  const keys = labels.data?.costBreakdown.groups[0]?.keys ?? [];
  if (active.length === 0) return null;
  const crumbs = active.map((f, i) => {
    const filters = Object.fromEntries(active.slice(0, i + 1).map((a) => [a.param, search.filters[a.param]]));
    const label = (f.dimension && keys.find((k) => k.dimension === f.dimension)?.label) || search.filters[f.param]!;
    const kind = f.dimension ? DIMENSION_LABELS[f.dimension].one : 'Run';
    return { href: costsHref(orgSlug, { ...search, by: NEXT_LEVEL[f.dimension ?? 'job'] ?? 'job', filters }), kind, label, last: i === active.length - 1 };
  });
  return (
    <nav aria-label="Drill-down" className="flex flex-wrap items-center gap-1 text-sm" data-testid="cost-drill-path">
      <Link href={costsHref(orgSlug, { ...search, by: 'team', filters: {} })} className="text-zinc-500 hover:text-zinc-900">
        Everything
      </Link>
      {crumbs.map((c) => (
        <span key={c.href} className="inline-flex items-center gap-1">
          <ChevronRightIcon className="size-3.5 text-zinc-400" />
          {c.last ? (
            <span className="font-medium text-zinc-900" aria-current="page">
              <span className="font-normal text-zinc-500">{c.kind}</span> {c.label}
            </span>
          ) : (
            <Link href={c.href} className="text-zinc-500 hover:text-zinc-900">
              {c.kind} <span className="text-zinc-700">{c.label}</span>
            </Link>
          )}
        </span>
      ))}
    </nav>
  );
}

/** The range and grouping controls; each change replaces the URL. */
export function ExplorerControls({ search, onChange, rangeError }: { search: CostSearch; onChange: (s: CostSearch) => void; rangeError: string | null }) {
  const groupings = GROUPINGS.some((g) => g.dimension === search.by) ? GROUPINGS : [...GROUPINGS, { dimension: search.by, label: DIMENSION_LABELS[search.by].one }];
  return (
    <div className="flex flex-wrap items-end gap-x-4 gap-y-3">
      <div>
        <p id="cost-range-label" className="mb-1.5 text-sm font-medium text-zinc-800">
          Range
        </p>
        <div role="group" aria-labelledby="cost-range-label" className="inline-flex rounded-md bg-white p-0.5 ring-1 ring-inset ring-zinc-200">
          {RANGES.map((r) => (
            <button
              key={r.key}
              type="button"
              aria-pressed={search.range === r.key}
              onClick={() => onChange({ ...search, range: r.key })}
              className={cx(
                'h-8 rounded px-3 text-[13px] font-medium',
                search.range === r.key ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900',
              )}
            >
              {r.label}
            </button>
          ))}
        </div>
      </div>
      {search.range === 'custom' && (
        <>
          <div>
            <label htmlFor="cost-from" className="mb-1.5 block text-sm font-medium text-zinc-800">
              First day
            </label>
            <Input id="cost-from" type="date" value={search.from} invalid={!!rangeError} onChange={(e) => onChange({ ...search, from: e.target.value })} className="w-40" />
          </div>
          <div>
            <label htmlFor="cost-to" className="mb-1.5 block text-sm font-medium text-zinc-800">
              Last day
            </label>
            <Input id="cost-to" type="date" value={search.to} invalid={!!rangeError} onChange={(e) => onChange({ ...search, to: e.target.value })} className="w-40" />
          </div>
        </>
      )}
      <div>
        <label htmlFor="cost-group-by" className="mb-1.5 block text-sm font-medium text-zinc-800">
          Group by
        </label>
        <Select id="cost-group-by" value={search.by} onChange={(e) => onChange({ ...search, by: e.target.value as CostDimension })} className="w-40">
          {groupings.map((g) => (
            <option key={g.dimension} value={g.dimension}>
              {g.label}
            </option>
          ))}
        </Select>
      </div>
    </div>
  );
}

/** One row's name: a drill-down link, the job's page, or the plain label of a group that cannot be narrowed. */
function GroupName({ group, by, search, orgSlug, jobName, color }: { group: Group; by: CostDimension; search: CostSearch; orgSlug: string; jobName?: string; color?: string }) {
  const key = group.keys[0]!;
  const swatch = <span className="size-2.5 shrink-0 rounded-sm" style={{ background: color ?? 'transparent', boxShadow: color ? undefined : 'inset 0 0 0 1px #e4e4e7' }} aria-hidden="true" />;
  if (key.id == null) {
    return (
      <span className="inline-flex items-center gap-2.5 text-zinc-500">
        {swatch}
        {missingLabel(by)}
      </span>
    );
  }
  if (by === 'job') {
    return (
      <Link href={`/o/${orgSlug}/jobs/${key.id}`} className="group inline-flex min-w-0 items-center gap-2.5 font-medium text-zinc-900 hover:text-brand-700" data-testid="cost-job-link">
        {swatch}
        <span className="truncate">{jobName ?? key.id}</span>
        {jobName && <span className="font-mono text-[12px] font-normal text-zinc-400">{key.id}</span>}
      </Link>
    );
  }
  const next = NEXT_LEVEL[by];
  const param = FILTER_PARAMS.find((f) => f.dimension === by);
  const label = key.label ?? key.id;
  if (!next || !param) {
    return (
      <span className="inline-flex items-center gap-2.5 font-medium text-zinc-900">
        {swatch}
        {label}
      </span>
    );
  }
  const href = costsHref(orgSlug, { ...search, by: next, filters: { ...search.filters, [param.param]: key.id } });
  return (
    <Link
      href={href}
      className="group inline-flex min-w-0 items-center gap-2.5 font-medium text-zinc-900 hover:text-brand-700"
      title={`${DIMENSION_LABELS[next].many} of ${label}`}
      data-testid="cost-drill-link"
    >
      {swatch}
      <span className="truncate">{label}</span>
      <ChevronRightIcon className="size-3.5 shrink-0 text-zinc-300 group-hover:text-brand-600" />
    </Link>
  );
}

/**
 * The cost explorer: the daily spend over the range as a stacked area per group, and the
 * breakdown table, whose rows drill down a level (team → project → job, model → version → job)
 * by linking to the same page with one more filter.
 */
export function CostExplorer({ search, range, onChange, rangeError }: { search: CostSearch; range: ResolvedRange | null; onChange: (s: CostSearch) => void; rangeError: string | null }) {
  const { org } = useOrg();
  const filter = costFilterOf(search.filters);
  const q = useGqlQuery(
    CostExplorerQuery,
    { from: range?.from.toISOString() ?? '', to: range?.to.toISOString() ?? '', by: search.by, filter },
    { enabled: !!range, keepPrevious: true },
  );
  const b = q.data?.costBreakdown;
  const daily = q.data?.dailyCosts;
  const jobIds =
    search.by === 'job' ? [...new Set([...(b?.groups.map((g) => g.keys[0]!.id) ?? []), ...(daily?.series.map((s) => s.key.id) ?? [])].filter((id): id is string => !!id))] : [];
  const jobNames = useGqlQueries(
    CostJobNameQuery,
    jobIds.map((id) => ({ id })),
  );
  const nameOf = new Map(jobNames.flatMap((r) => (r.data ? [[r.data.job.id, r.data.job.name] as const] : [])));

  const series: StackedSeries[] =
    daily?.series.map((s, i) => ({
      id: s.key.id ?? `others-${i}`,
      label: s.key.id == null && s.key.label?.startsWith('Others') ? s.key.label : ((s.key.id && nameOf.get(s.key.id)) ?? s.key.label ?? missingLabel(search.by)),
      color: s.key.id == null && s.key.label?.startsWith('Others') ? OTHERS_COLOR : SERIES_COLORS[i % SERIES_COLORS.length]!,
      values: s.points.map(Number),
    })) ?? [];
  const colorOf = new Map(series.map((s) => [s.id, s.color]));
  const total = b ? Number(b.totalMicros) : 0;
  const what = DIMENSION_LABELS[search.by];
  const filtered = Object.keys(search.filters).length > 0;
  const rangeText = range ? (range.firstDay === range.lastDay ? formatDay(range.firstDay, false) : `${formatDay(range.firstDay, true)} – ${formatDay(range.lastDay, true)}`) : '';

  return (
    <div className="space-y-6">
      <Card>
        <div className="space-y-4 border-b border-zinc-100 px-5 py-4">
          <ExplorerControls search={search} onChange={onChange} rangeError={rangeError} />
          {rangeError && (
            <p role="alert" className="text-[13px] text-red-600">
              {rangeError}
            </p>
          )}
          <DrillPath search={search} orgSlug={org.slug} />
        </div>
        {q.error ? (
          <div className="p-5">
            <LoadError error={q.error} onRetry={() => void q.refetch()} />
          </div>
        ) : !b || !daily ? (
          <div className="space-y-3 p-5" role="status" aria-label="Loading">
            <Skeleton className="h-8 w-40" />
            <Skeleton className="h-56" />
          </div>
        ) : total === 0 ? (
          <EmptyState
            icon={<ChartIcon />}
            title={filtered ? `Nothing charged here in ${rangeText}` : `Nothing charged in ${rangeText}`}
            testId="costs-empty"
            description={
              <>
                Every training and evaluation job is charged when it ends, at its cluster’s prices: its runtime × the CPU, memory and GPUs it asked for. Deployments are charged for their
                replica-hours. A cluster without prices charges nothing, so set prices on each cluster’s page.
                {filtered || search.range !== '90d' ? ' A longer range may hold earlier charges.' : ''}
              </>
            }
            action={
              <ButtonLink href={`/o/${org.slug}/clusters`} variant="secondary" size="sm">
                <ServerIcon className="size-3.5" /> Set cluster prices
              </ButtonLink>
            }
          />
        ) : (
          <div className="px-5 pt-4 pb-3">
            <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
              <div>
                <p className="text-xs font-medium uppercase tracking-wide text-zinc-500">Spent {rangeText}</p>
                <p className="mt-0.5 text-2xl font-semibold tracking-tight text-zinc-900 tabular-nums" data-testid="cost-total">
                  {formatMicros(b.totalMicros)}
                </p>
              </div>
              <p className="text-[13px] text-zinc-500">
                {b.lines.toLocaleString('en')} ledger {b.lines === 1 ? 'line' : 'lines'} · by {what.one.toLowerCase()} · UTC days
              </p>
            </div>
            <StackedAreaChart
              categories={daily.days}
              series={series}
              formatCategory={formatDay}
              formatY={(v) => formatMicros(v)}
              formatTick={formatDollarTick}
              label={`Daily spend by ${what.one.toLowerCase()}, ${rangeText}`}
            />
            <ul className="mt-2 flex flex-wrap gap-x-5 gap-y-1.5 text-[13px]" aria-label="Legend" data-testid="cost-legend">
              {series.map((s, i) => (
                <li key={s.id} className="inline-flex items-center gap-2">
                  <span className="size-2.5 rounded-sm" style={{ background: s.color }} aria-hidden="true" />
                  <span className="text-zinc-700">{s.label}</span>
                  <span className="tabular-nums text-zinc-500">{formatMicros(daily.series[i]!.totalMicros)}</span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </Card>

      {b && total > 0 && (
        <Card>
          <CardHeader
            title={`By ${what.one.toLowerCase()}`}
            description={
              search.by === 'job'
                ? 'Each job’s settled cost. Open a job for its runtime, resources and log.'
                : NEXT_LEVEL[search.by]
                  ? `Largest first. Open a ${what.one.toLowerCase()} for its ${DIMENSION_LABELS[NEXT_LEVEL[search.by]!].many.toLowerCase()}.`
                  : 'Largest first.'
            }
          />
          {q.isFetching && q.isPlaceholderData ? (
            <TableSkeleton rows={Math.min(5, b.groups.length)} cols={4} />
          ) : (
            <Table minWidth="min-w-[560px]">
              <THead>
                <TH>{what.one}</TH>
                <TH className="text-right">Amount</TH>
                <TH className="w-[28%]">Share</TH>
                <TH className="text-right">Lines</TH>
              </THead>
              <TBody>
                {b.groups.map((g) => {
                  const key = g.keys[0]!;
                  const amount = Number(g.amountMicros);
                  return (
                    <tr key={key.id ?? 'none'} className="hover:bg-zinc-50/60" data-testid="cost-row" data-group-id={key.id ?? ''}>
                      <TD className="max-w-80">
                        <GroupName group={g} by={search.by} search={search} orgSlug={org.slug} jobName={key.id ? nameOf.get(key.id) : undefined} color={colorOf.get(key.id ?? '')} />
                      </TD>
                      <TD className="text-right font-medium tabular-nums text-zinc-900" >
                        <span data-testid="cost-row-amount">{formatMicros(g.amountMicros)}</span>
                      </TD>
                      <TD>
                        <div className="flex items-center gap-3">
                          <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-100">
                            <div className="h-full rounded-full bg-brand-500" style={{ width: `${Math.max(0.5, (amount / total) * 100)}%` }} />
                          </div>
                          <span className="w-12 text-right text-[13px] tabular-nums text-zinc-600">{formatShare(amount, total)}</span>
                        </div>
                      </TD>
                      <TD className="text-right tabular-nums text-zinc-500">{g.lines.toLocaleString('en')}</TD>
                    </tr>
                  );
                })}
                {Number(b.othersMicros) > 0 && (
                  <tr data-testid="cost-others">
                    <TD className="text-zinc-500">Others (past the largest {b.groups.length})</TD>
                    <TD className="text-right tabular-nums">{formatMicros(b.othersMicros)}</TD>
                    <TD>
                      <span className="text-[13px] tabular-nums text-zinc-600">{formatShare(Number(b.othersMicros), total)}</span>
                    </TD>
                    <TD className="text-right tabular-nums text-zinc-500">{(b.lines - b.groups.reduce((s, g) => s + g.lines, 0)).toLocaleString('en')}</TD>
                  </tr>
                )}
              </TBody>
              <tfoot className="border-t border-zinc-200 bg-zinc-50/70">
                <tr className="font-semibold text-zinc-900">
                  <TD className="text-zinc-900">Total</TD>
                  <TD className="text-right tabular-nums text-zinc-900">{formatMicros(b.totalMicros)}</TD>
                  <TD className="text-[13px] text-zinc-500">100%</TD>
                  <TD className="text-right tabular-nums text-zinc-700">{b.lines.toLocaleString('en')}</TD>
                </tr>
              </tfoot>
            </Table>
          )}
        </Card>
      )}
      {!range && !rangeError && <Banner tone="info">Choose the first and the last day of the range.</Banner>}
    </div>
  );
}
