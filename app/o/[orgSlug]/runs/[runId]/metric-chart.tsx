'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { MetricSeriesQuery } from '@/app/gql/graphql';
import { LineChart, type ChartSeries } from '@/app/components/charts/line-chart';
import { Badge, Card, Skeleton } from '@/app/components/ui';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { formatMetric, SERIES_COLORS, toNumber } from '@/app/lib/tracking';

export const MetricSeriesQueryDoc = graphql(`
  query MetricSeries($runId: ID!, $key: String!, $maxPoints: Int, $minStep: Float, $maxStep: Float) {
    metricSeries(runId: $runId, key: $key, maxPoints: $maxPoints, minStep: $minStep, maxStep: $maxStep) {
      key
      downsampled
      totalPoints
      minStep
      maxStep
      points {
        step
        value
      }
      buckets {
        fromStep
        toStep
        count
        min {
          step
          value
        }
        max {
          step
          value
        }
      }
    }
  }
`);

/** Points per chart: about one per two pixels of a half-width chart; the server keeps each bucket's extremes. */
export const CHART_POINTS = 400;

/** A series as the chart draws it: points, plus the min/max band when the server downsampled. */
export function toChartSeries(s: MetricSeriesQuery['metricSeries'], id: string, label: string, color: string): ChartSeries {
  return {
    id,
    label,
    color,
    points: s.points.map((p) => ({ step: p.step, value: toNumber(p.value) })),
    extent: s.minStep != null && s.maxStep != null ? [s.minStep, s.maxStep] : null,
    band: s.downsampled
      ? s.buckets.map((b) => ({ step: (b.fromStep + b.toStep) / 2, min: toNumber(b.min.value), max: toNumber(b.max.value) }))
      : undefined,
  };
}

/**
 * One metric of one run. While the run is live it polls, so new points appear;
 * dragging across the chart zooms into that step range and asks the server for
 * finer points there.
 */
export function MetricChart({
  runId,
  metricKey,
  live,
  latest,
}: {
  runId: string;
  metricKey: string;
  live: boolean;
  /** The run's true latest point; a downsampled series need not end on it. */
  latest?: { step: number; value: number } | null;
}) {
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const q = useGqlQuery(
    MetricSeriesQueryDoc,
    { runId, key: metricKey, maxPoints: CHART_POINTS, minStep: zoom?.[0] ?? null, maxStep: zoom?.[1] ?? null },
    { refetchInterval: live ? 3000 : false, keepPrevious: true },
  );
  const s = q.data?.metricSeries;
  const tail = s?.points.at(-1);
  const seriesLast = tail ? { step: tail.step, value: toNumber(tail.value) } : null;
  // Whichever is further along: the run's latest metric or the newest polled point.
  const last = latest && (!seriesLast || latest.step >= seriesLast.step) ? latest : seriesLast;

  return (
    <Card className="min-w-0" >
      <div
        className="flex flex-wrap items-start justify-between gap-2 px-4 pt-3.5 pb-1"
        data-testid={`metric-chart-${metricKey}`}
        data-points={s?.totalPoints ?? ''}
        data-last-step={last?.step ?? ''}
        data-last-value={last?.value ?? ''}
      >
        <div className="min-w-0">
          <h3 className="truncate font-mono text-[13px] font-semibold text-zinc-900" title={metricKey}>
            {metricKey}
          </h3>
          <p className="mt-0.5 text-xs text-zinc-500">
            {s ? (
              <>
                <span data-testid="metric-point-count" className="tabular-nums">
                  {s.totalPoints.toLocaleString('en')}
                </span>{' '}
                point{s.totalPoints === 1 ? '' : 's'}
                {zoom ? ` in steps ${zoom[0]}–${zoom[1]}` : ''}
                {last && !zoom && (
                  <>
                    {' · last '}
                    <span className="font-medium tabular-nums text-zinc-800" data-testid="metric-last-value">
                      {formatMetric(last.value)}
                    </span>{' '}
                    at step {last.step}
                  </>
                )}
              </>
            ) : (
              ' '
            )}
          </p>
        </div>
        <div className="flex items-center gap-1.5">
          {s?.downsampled && (
            <Badge tone="neutral" className="font-normal">
              <span title="The server kept each bucket’s min and max; the band shows their range">min/max of {s.totalPoints.toLocaleString('en')}</span>
            </Badge>
          )}
          {live && <Badge tone="blue">Live</Badge>}
          {zoom && (
            <button type="button" onClick={() => setZoom(null)} className="rounded-md px-2 py-0.5 text-xs font-medium text-brand-600 hover:bg-brand-50">
              Reset zoom
            </button>
          )}
        </div>
      </div>
      <div className="px-2 pb-2">
        {q.error ? (
          <p className="flex h-[220px] items-center justify-center text-sm text-red-600">{q.error.message}</p>
        ) : !s ? (
          <Skeleton className="mx-2 mb-2 h-[212px]" />
        ) : (
          <LineChart
            series={[toChartSeries(s, runId, metricKey, SERIES_COLORS[0]!)]}
            yLabel={metricKey}
            height={220}
            domain={zoom}
            onZoom={(a, b) => setZoom([a, b])}
          />
        )}
      </div>
    </Card>
  );
}
