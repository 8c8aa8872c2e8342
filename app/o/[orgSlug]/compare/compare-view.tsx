'use client';

import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { graphql } from '@/app/gql';
import { LineChart } from '@/app/components/charts/line-chart';
import { ParallelCoordinates } from '@/app/components/charts/parallel-coordinates';
import { ChartIcon, CompareIcon } from '@/app/components/icons';
import { RunStatusBadge } from '@/app/components/run-status';
import { Banner, Breadcrumb, Card, CardHeader, EmptyState, PageHeader, Select, Skeleton, cx } from '@/app/components/ui';
import { useGqlQueries } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { formatMetric, SERIES_COLORS, toNumber } from '@/app/lib/tracking';
import { CHART_POINTS, MetricSeriesQueryDoc, toChartSeries } from '../runs/[runId]/metric-chart';

const CompareRunQuery = graphql(`
  query CompareRun($id: ID!) {
    run(id: $id) {
      id
      name
      status
      startTime
      endTime
      params {
        key
        value
      }
      latestMetrics {
        key
        value
        step
      }
      experiment {
        id
        name
        project {
          id
          name
        }
      }
    }
  }
`);

/** Beyond this many runs the overlaid curves stop being readable. */
const MAX_RUNS = 10;

interface CRun {
  id: string;
  name: string;
  color: string;
  params: Map<string, string>;
  metrics: Map<string, number>;
}

function CompareChart({ metricKey, runs, live }: { metricKey: string; runs: CRun[]; live: boolean }) {
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const results = useGqlQueries(
    MetricSeriesQueryDoc,
    runs.map((r) => ({ runId: r.id, key: metricKey, maxPoints: CHART_POINTS, minStep: zoom?.[0] ?? null, maxStep: zoom?.[1] ?? null })),
    { refetchInterval: live ? 5000 : false, keepPrevious: true },
  );
  // Runs that never logged this metric answer with an empty series; they are left out of the legend.
  const series = runs.flatMap((r, i) => {
    const s = results[i]?.data?.metricSeries;
    return s && s.totalPoints > 0 ? [toChartSeries(s, r.id, r.name, r.color)] : [];
  });
  const loading = results.some((r) => r.isLoading);
  return (
    <Card className="min-w-0">
      <div className="flex items-start justify-between gap-2 px-4 pt-3.5 pb-1" data-testid={`compare-chart-${metricKey}`} data-series={series.length}>
        <div className="min-w-0">
          <h3 className="truncate font-mono text-[13px] font-semibold text-zinc-900">{metricKey}</h3>
          <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-zinc-600">
            {series.map((s) => (
              <li key={s.id} className="inline-flex items-center gap-1.5">
                <span className="h-0.5 w-3 rounded-full" style={{ background: s.color }} />
                {s.label}
              </li>
            ))}
          </ul>
        </div>
        {zoom && (
          <button type="button" onClick={() => setZoom(null)} className="shrink-0 rounded-md px-2 py-0.5 text-xs font-medium text-brand-600 hover:bg-brand-50">
            Reset zoom
          </button>
        )}
      </div>
      <div className="px-2 pb-2">
        {loading && series.length === 0 ? (
          <Skeleton className="mx-2 mb-2 h-[212px]" />
        ) : (
          <LineChart series={series} yLabel={metricKey} height={220} domain={zoom} onZoom={(a, b) => setZoom([a, b])} />
        )}
      </div>
    </Card>
  );
}

function differs(values: (string | number | undefined)[]): boolean {
  const present = values.map((v) => (v === undefined ? '\u0000' : typeof v === 'number' ? formatMetric(v) : v));
  return new Set(present).size > 1;
}

function DiffTable({ runs, paramKeys, metricKeys }: { runs: CRun[]; paramKeys: string[]; metricKeys: string[] }) {
  const [onlyDiff, setOnlyDiff] = useState(false);
  const section = (title: string, keys: string[], get: (r: CRun, k: string) => string | number | undefined) => {
    const rows = keys.map((k) => ({ k, values: runs.map((r) => get(r, k)) })).filter((row) => !onlyDiff || differs(row.values));
    return (
      <>
        <tr>
          <th colSpan={runs.length + 1} scope="colgroup" className="bg-zinc-50/70 px-5 py-1.5 text-left text-[11px] font-semibold uppercase tracking-wider text-zinc-400">
            {title}
          </th>
        </tr>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={runs.length + 1} className="px-5 py-3 text-sm text-zinc-400">
              {keys.length === 0 ? `No ${title.toLowerCase()} logged` : `No differing ${title.toLowerCase()}`}
            </td>
          </tr>
        ) : (
          rows.map(({ k, values }) => {
            const diff = differs(values);
            return (
              <tr key={`${title}:${k}`} data-testid="diff-row" data-key={k} data-differs={diff} className={cx('border-t border-zinc-100', diff && 'bg-amber-50/60')}>
                <th scope="row" className="px-5 py-2 text-left font-mono text-[12.5px] font-normal text-zinc-500">
                  <span className="inline-flex items-center gap-2">
                    {diff && <span className="size-1.5 rounded-full bg-amber-500" aria-label="differs" />}
                    {k}
                  </span>
                </th>
                {values.map((v, i) => (
                  <td key={runs[i]!.id} className={cx('px-5 py-2 font-mono text-[12.5px] tabular-nums', diff ? 'font-semibold text-zinc-900' : 'text-zinc-600')}>
                    {v === undefined ? <span className="font-normal text-zinc-300">—</span> : typeof v === 'number' ? formatMetric(v) : v}
                  </td>
                ))}
              </tr>
            );
          })
        )}
      </>
    );
  };
  return (
    <Card className="mb-6">
      <CardHeader
        title="Params and metrics"
        description="Rows whose values differ between runs are highlighted. Metrics show each run’s latest value."
        actions={
          <label className="inline-flex cursor-pointer items-center gap-2 text-[13px] text-zinc-600">
            <input type="checkbox" className="size-3.5 accent-zinc-900" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} />
            Only differences
          </label>
        }
      />
      <div className="overflow-x-auto" data-testid="diff-table">
        <table className="w-full min-w-[560px] text-sm">
          <thead className="border-b border-zinc-200">
            <tr>
              <th scope="col" className="w-56 px-5 py-2.5 text-left text-xs font-medium uppercase tracking-wide text-zinc-500">
                Key
              </th>
              {runs.map((r) => (
                <th key={r.id} scope="col" className="px-5 py-2.5 text-left text-[13px] font-semibold text-zinc-900">
                  <span className="inline-flex items-center gap-2">
                    <span className="size-2.5 shrink-0 rounded-full" style={{ background: r.color }} />
                    <span className="truncate">{r.name}</span>
                  </span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {section('Params', paramKeys, (r, k) => r.params.get(k))}
            {section('Metrics', metricKeys, (r, k) => r.metrics.get(k))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

export function CompareView({ runIds }: { runIds: string[] }) {
  const { org } = useOrg();
  const ids = runIds.slice(0, MAX_RUNS);
  const [anyRunning, setAnyRunning] = useState(false);
  // While any compared run is live, its status and latest metrics keep moving.
  const results = useGqlQueries(CompareRunQuery, ids.map((id) => ({ id })), { refetchInterval: anyRunning ? 5000 : false });
  const loading = results.some((r) => r.isLoading);
  const failed = ids.flatMap((id, i) => (results[i]?.error ? [{ id, message: results[i]!.error!.message }] : []));
  const loaded = results.flatMap((r) => (r.data ? [r.data.run] : []));
  const running = loaded.some((r) => r.status === 'RUNNING');
  useEffect(() => setAnyRunning(running), [running]);

  const runs: CRun[] = useMemo(
    () =>
      loaded.map((r, i) => ({
        id: r.id,
        name: r.name,
        color: SERIES_COLORS[i % SERIES_COLORS.length]!,
        params: new Map(r.params.map((p) => [p.key, p.value])),
        metrics: new Map(r.latestMetrics.map((m) => [m.key, toNumber(m.value)])),
      })),
    // Rebuilt when any run's data changes; `loaded` is a fresh array every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [results.map((r) => r.dataUpdatedAt).join(',')],
  );
  const paramKeys = [...new Set(runs.flatMap((r) => [...r.params.keys()]))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => [...r.metrics.keys()]))].sort();
  const [chosen, setChosen] = useState<string | null>(null);
  const pcMetric = chosen && metricKeys.includes(chosen) ? chosen : (metricKeys[0] ?? null);
  // Params that vary say the most; constant ones follow, up to a readable number of axes.
  const pcParams = [...paramKeys].sort((a, b) => Number(differs(runs.map((r) => r.params.get(b)))) - Number(differs(runs.map((r) => r.params.get(a))))).slice(0, 7);

  const experiments = [...new Map(loaded.map((r) => [r.experiment.id, r.experiment])).values()];
  const one = experiments.length === 1 ? experiments[0]! : null;
  const breadcrumb = <Breadcrumb items={[
      { label: 'Projects', href: `/o/${org.slug}/projects` },
      ...(one
        ? [
            { label: one.project.name, href: `/o/${org.slug}/projects/${one.project.id}` },
            { label: one.name, href: `/o/${org.slug}/experiments/${one.id}` },
          ]
        : []),
      { label: 'Compare' },
    ]} />;

  if (ids.length < 2) {
    return (
      <>
        <PageHeader title="Compare runs" breadcrumb={breadcrumb} />
        <Card>
          <EmptyState
            icon={<CompareIcon />}
            title="Pick at least two runs"
            description="Open an experiment, tick the runs you want side by side, and choose Compare."
          />
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title="Compare runs"
        description={runIds.length > MAX_RUNS ? `Showing the first ${MAX_RUNS} of ${runIds.length} runs` : `${ids.length} runs side by side`}
      />
      {failed.length > 0 && (
        <Banner tone="error" title={`${failed.length} run${failed.length === 1 ? '' : 's'} could not be loaded`} className="mb-6">
          {failed.map((f) => (
            <p key={f.id}>
              <code className="font-mono text-[12px]">{f.id}</code>: {f.message}
            </p>
          ))}
        </Banner>
      )}

      <div className="mb-6 flex flex-wrap gap-2" data-testid="compare-runs-legend">
        {loading && runs.length === 0
          ? ids.map((id) => <Skeleton key={id} className="h-9 w-44" />)
          : loaded.map((r, i) => (
              <Link
                key={r.id}
                href={`/o/${org.slug}/runs/${r.id}`}
                className="inline-flex items-center gap-2 rounded-lg border border-zinc-200 bg-white py-1.5 pr-2 pl-3 text-sm font-medium text-zinc-900 shadow-xs hover:border-zinc-300"
              >
                <span className="size-2.5 rounded-full" style={{ background: runs[i]?.color }} />
                {r.name}
                <RunStatusBadge status={r.status} />
              </Link>
            ))}
      </div>

      {runs.length > 0 && <DiffTable runs={runs} paramKeys={paramKeys} metricKeys={metricKeys} />}

      <section aria-labelledby="curves-heading" className="mb-6">
        <div className="mb-3 flex items-baseline justify-between">
          <h2 id="curves-heading" className="text-[15px] font-semibold text-zinc-900">
            Metric curves
          </h2>
          {metricKeys.length > 0 && <p className="text-[13px] text-zinc-500">One chart per metric, one color per run · drag to zoom</p>}
        </div>
        {loading && runs.length === 0 ? (
          <div className="grid gap-4 lg:grid-cols-2">
            <Skeleton className="h-72" />
            <Skeleton className="h-72" />
          </div>
        ) : metricKeys.length === 0 ? (
          <Card>
            <EmptyState icon={<ChartIcon />} title="No metrics to compare" description="None of these runs logged a metric yet." />
          </Card>
        ) : (
          <div className="grid gap-4 lg:grid-cols-2">
            {metricKeys.map((k) => (
              <CompareChart key={k} metricKey={k} runs={runs} live={running} />
            ))}
          </div>
        )}
      </section>

      {pcMetric && pcParams.length > 0 && (
        <Card>
          <CardHeader
            title="Params vs metric"
            description="Each line is a run; follow it across the params to the metric on the right. Hover a line to read its values."
            actions={
              <Select aria-label="Metric" value={pcMetric} onChange={(e) => setChosen(e.target.value)} className="w-48 font-mono text-[13px]">
                {metricKeys.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </Select>
            }
          />
          <div className="px-4 py-4" data-testid="parallel-coordinates">
            <ParallelCoordinates
              axes={[...pcParams.map((k) => ({ key: `p:${k}`, label: k })), { key: `m:${pcMetric}`, label: pcMetric }]}
              lines={runs.map((r) => ({
                id: r.id,
                label: r.name,
                color: r.color,
                values: {
                  ...Object.fromEntries(pcParams.map((k) => [`p:${k}`, r.params.get(k)])),
                  [`m:${pcMetric}`]: r.metrics.get(pcMetric),
                },
              }))}
            />
          </div>
        </Card>
      )}
    </>
  );
}
