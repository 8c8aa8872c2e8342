'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { DeploymentMetricsWindow } from '@/app/gql/graphql';
import { Histogram } from '@/app/components/charts/histogram';
import { LineChart, type ChartSeries } from '@/app/components/charts/line-chart';
import { ChartIcon } from '@/app/components/icons';
import { Badge, Card, CardBody, CardHeader, cx, EmptyState, LoadError, Skeleton, Table, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatCount, formatMs, formatPercent, formatRate, timeLabel, versionColor, versionLabel, WINDOWS } from '@/app/lib/deployments';
import { useGqlQuery } from '@/app/lib/gql-hooks';

const DeploymentMetricsQuery = graphql(`
  query DeploymentMetrics($name: String!, $window: DeploymentMetricsWindow!) {
    deployment(name: $name) {
      id
      metrics(window: $window) {
        from
        to
        bucketSeconds
        requests
        errorRate
        arms {
          version
          arm
          requests
          serverErrors
          clientErrors
          errorRate
          p50LatencyMs
          p95LatencyMs
          p99LatencyMs
          requestsPerSecond
        }
        shadows {
          version
          arm
          requests
          serverErrors
          clientErrors
          errorRate
          p50LatencyMs
          p95LatencyMs
          p99LatencyMs
          requestsPerSecond
        }
        series {
          version
          shadow
          points {
            at
            requests
            serverErrors
            clientErrors
            p95LatencyMs
          }
        }
        predictions {
          output
          min
          max
          versions {
            version
            shadow
            count
            counts
          }
        }
      }
    }
  }
`);

/** The dashboard follows new requests this often. */
const POLL_MS = 3000;

function Legend({ items }: { items: { label: string; color: string; dashed?: boolean }[] }) {
  return (
    <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-zinc-600">
      {items.map((i) => (
        <li key={i.label} className="inline-flex items-center gap-1.5">
          <span className={cx('h-0.5 w-3.5 rounded', i.dashed && 'opacity-50')} style={{ background: i.color }} />
          {i.label}
        </li>
      ))}
    </ul>
  );
}

function Panel({ title, unit, legend, children }: { title: string; unit: string; legend: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg border border-zinc-100 p-4">
      <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-sm font-medium text-zinc-800">
          {title} <span className="font-normal text-zinc-400">({unit})</span>
        </h3>
        {legend}
      </div>
      {children}
    </div>
  );
}

/** Requests, errors, latency and predictions per version over a chosen window, polled live. */
export function Dashboard({ name, oipCurl, keysHref }: { name: string; oipCurl: string; keysHref: string }) {
  const [window, setWindow] = useState<DeploymentMetricsWindow>('LAST_15_MINUTES');
  const q = useGqlQuery(DeploymentMetricsQuery, { name, window }, { refetchInterval: POLL_MS, keepPrevious: true });
  const m = q.data?.deployment.metrics;
  const fmtTime = timeLabel(window);

  const selector = (
    <div role="group" aria-label="Window" className="inline-flex rounded-md p-0.5 ring-1 ring-inset ring-zinc-200">
      {WINDOWS.map((w) => (
        <button
          key={w.value}
          type="button"
          aria-pressed={window === w.value}
          onClick={() => setWindow(w.value)}
          className={cx('rounded px-2.5 py-1 text-[13px] font-medium tabular-nums', window === w.value ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900')}
        >
          {w.label}
        </button>
      ))}
    </div>
  );

  const lines = (value: (p: { requests: number; serverErrors: number; p95LatencyMs: number | null }) => number): ChartSeries[] =>
    (m?.series ?? []).map((s) => ({
      id: `${s.version}-${s.shadow}`,
      label: versionLabel(s.version, s.shadow),
      // A shadow draws in its version's colour, lighter: the same model, not an arm callers reach.
      color: s.shadow ? `${versionColor(s.version)}80` : versionColor(s.version),
      // Buckets without requests have no error rate or latency: those values are left out and the line joins its neighbours.
      points: s.points.map((p) => ({ step: Date.parse(p.at), value: value(p) })).filter((p) => Number.isFinite(p.value)),
    }));
  const legend = (m?.series ?? []).map((s) => ({ label: versionLabel(s.version, s.shadow), color: versionColor(s.version), dashed: s.shadow }));
  const bucket = m?.bucketSeconds ?? 60;
  // The whole window on the x axis, however few buckets have data.
  const domain: [number, number] | null = m ? [Date.parse(m.from), Date.parse(m.to) - bucket * 1000] : null;
  const stats = [...(m?.arms ?? []), ...(m?.shadows ?? [])];
  const anyTraffic = stats.some((s) => s.requests > 0);
  const armVersions = (m?.predictions.versions ?? []).filter((v) => v.count > 0);

  return (
    <Card className="mt-6">
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            Dashboard
            <Badge tone="blue" className="font-normal">
              <span aria-hidden="true" className="size-1.5 animate-pulse rounded-full bg-sky-500" /> Live
            </Badge>
          </span>
        }
        description={m ? `${formatCount(m.requests)} requests, ${formatPercent(m.errorRate)} server errors · buckets of ${bucket >= 60 ? `${bucket / 60} min` : `${bucket} s`} · refreshed every ${POLL_MS / 1000} s` : 'Requests, errors and latency per version'}
        actions={selector}
      />
      <CardBody>
        {q.error && !m ? (
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        ) : !m ? (
          <Skeleton className="h-64" />
        ) : !anyTraffic ? (
          <EmptyState
            icon={<ChartIcon />}
            title="No requests in this window"
            description={
              <>
                Send the first request and watch it arrive here. Create a key with the inference scope on the{' '}
                <Link href={keysHref} className="font-medium text-zinc-700 underline underline-offset-2">
                  API keys
                </Link>{' '}
                page, then run:
              </>
            }
            action={<pre className="max-w-full overflow-x-auto rounded-lg bg-zinc-950 px-4 py-3 text-left font-mono text-[12px] text-zinc-100">{`export GANTRY_API_KEY=<your inference key>\n${oipCurl}`}</pre>}
            testId="dashboard-empty"
          />
        ) : (
          <div className="space-y-5" data-testid="dashboard">
            <Table minWidth="min-w-[820px]">
              <THead>
                <TH>Version</TH>
                <TH>Arm</TH>
                <TH className="text-right">Requests</TH>
                <TH className="text-right">Rate</TH>
                <TH className="text-right">5xx</TH>
                <TH className="text-right">4xx</TH>
                <TH className="text-right">Error rate</TH>
                <TH className="text-right">p50</TH>
                <TH className="text-right">p95</TH>
                <TH className="text-right">p99</TH>
              </THead>
              <TBody>
                {stats.map((s) => (
                  <tr key={`${s.version}-${s.arm}`} data-testid="version-stats">
                    <TD>
                      <span className="inline-flex items-center gap-2 font-medium text-zinc-900">
                        <span className="size-2.5 rounded-sm" style={{ background: versionColor(s.version) }} />
                        {versionLabel(s.version)}
                      </span>
                    </TD>
                    <TD className="text-zinc-500">{s.arm}</TD>
                    <TD className="text-right tabular-nums">
                      <span data-testid="version-requests">{formatCount(s.requests)}</span>
                    </TD>
                    <TD className="text-right tabular-nums">{formatRate(s.requestsPerSecond)}</TD>
                    <TD className={cx('text-right tabular-nums', s.serverErrors > 0 && 'font-medium text-red-600')}>{formatCount(s.serverErrors)}</TD>
                    <TD className="text-right tabular-nums">{formatCount(s.clientErrors)}</TD>
                    <TD className={cx('text-right tabular-nums', s.errorRate > 0.01 && 'font-medium text-red-600')}>{formatPercent(s.errorRate)}</TD>
                    <TD className="text-right tabular-nums">{formatMs(s.p50LatencyMs)}</TD>
                    <TD className="text-right tabular-nums">{formatMs(s.p95LatencyMs)}</TD>
                    <TD className="text-right tabular-nums">{formatMs(s.p99LatencyMs)}</TD>
                  </tr>
                ))}
              </TBody>
            </Table>
            <div className="grid gap-4 lg:grid-cols-2">
              <Panel title="Requests per second" unit="req/s" legend={<Legend items={legend} />}>
                <LineChart series={lines((p) => p.requests / bucket)} yLabel="req/s" xLabel="Time" domain={domain} formatX={fmtTime} formatY={(v) => formatRate(v)} height={200} zeroBased />
              </Panel>
              <Panel title="Server errors" unit="% of requests, 5xx" legend={<Legend items={legend} />}>
                <LineChart
                  series={lines((p) => (p.requests ? (p.serverErrors / p.requests) * 100 : NaN))}
                  yLabel="5xx %"
                  xLabel="Time"
                  domain={domain}
                  formatX={fmtTime}
                  formatY={(v) => `${v.toFixed(1)}%`}
                  height={200}
                  zeroBased
                />
              </Panel>
              <Panel title="Latency p95" unit="ms" legend={<Legend items={legend} />}>
                <LineChart series={lines((p) => p.p95LatencyMs ?? NaN)} yLabel="p95 ms" xLabel="Time" domain={domain} formatX={fmtTime} formatY={(v) => formatMs(v)} height={200} zeroBased />
              </Panel>
              <Panel
                title={m.predictions.output ? `Predictions: ${m.predictions.output}` : 'Predictions'}
                unit="sampled outputs"
                legend={<Legend items={armVersions.map((v) => ({ label: `${versionLabel(v.version, v.shadow)} · ${formatCount(v.count)}`, color: versionColor(v.version), dashed: v.shadow }))} />}
              >
                {armVersions.length ? (
                  <Histogram
                    series={armVersions.map((v) => ({ id: `${v.version}-${v.shadow}`, label: versionLabel(v.version, v.shadow), color: v.shadow ? `${versionColor(v.version)}80` : versionColor(v.version), counts: v.counts }))}
                    min={m.predictions.min}
                    max={m.predictions.max}
                    xLabel={m.predictions.output ?? 'output'}
                    height={200}
                  />
                ) : (
                  <div className="flex h-[200px] items-center justify-center px-6 text-center text-sm text-zinc-400">No sampled predictions in this window yet: raise the sample rate, or wait for more requests.</div>
                )}
              </Panel>
            </div>
          </div>
        )}
      </CardBody>
    </Card>
  );
}
