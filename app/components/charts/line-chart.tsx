'use client';

import { useId, useMemo, useState } from 'react';
import { useWidth } from './use-width';
import { formatMetric, formatTick } from '@/app/lib/tracking';
import { linearScale, nearestIndex, niceTicks, paddedExtent } from './scale';

export interface ChartPoint {
  step: number;
  value: number;
}

/** One bucket of a downsampled series: the true min and max of the points it stands for. */
export interface ChartBand {
  step: number;
  min: number;
  max: number;
}

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  points: ChartPoint[];
  band?: ChartBand[];
  /** The series' full step range, when the points shown are a downsample of it. */
  extent?: [number, number] | null;
}

const M = { top: 12, right: 18, bottom: 38, left: 58 };

function pathOf(points: ChartPoint[], x: (v: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    // Non-finite values (NaN, ±Inf) break the line rather than dragging it off the chart.
    if (!Number.isFinite(p.value)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function bandOf(band: ChartBand[], x: (v: number) => number, y: (v: number) => number): string {
  const ok = band.filter((b) => Number.isFinite(b.min) && Number.isFinite(b.max));
  if (ok.length < 2) return '';
  const top = ok.map((b) => `${x(b.step).toFixed(1)},${y(b.max).toFixed(1)}`);
  const bottom = ok.map((b) => `${x(b.step).toFixed(1)},${y(b.min).toFixed(1)}`).reverse();
  return `M${top.join('L')}L${bottom.join('L')}Z`;
}

/**
 * A line chart of metric series over steps, drawn in SVG: axes with labels, a
 * min/max band where the server downsampled, a hover tooltip with step and value
 * for every series, and drag-to-zoom over a step range (`onZoom`).
 */
export function LineChart({
  series,
  yLabel,
  xLabel = 'Step',
  height = 240,
  onZoom,
  domain,
  formatX = formatTick,
  formatY = formatMetric,
  zeroBased = false,
}: {
  series: ChartSeries[];
  yLabel: string;
  xLabel?: string;
  /** Labels of x ticks and of the tooltip's heading (times, on a dashboard). */
  formatX?: (v: number) => string;
  /** Values in the tooltip. */
  formatY?: (v: number) => string;
  /** The y axis starts at 0 (rates, counts, latencies), and an all-zero series sits on the floor rather than mid-chart. */
  zeroBased?: boolean;
  height?: number;
  onZoom?: (minStep: number, maxStep: number) => void;
  /** Fixes the x range (a zoomed window) instead of fitting the data. */
  domain?: [number, number] | null;
}) {
  const [box, width] = useWidth();
  const [hover, setHover] = useState<number | null>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);

  const { x, y, xTicks, yTicks } = useMemo(() => {
    const steps = series.flatMap((s) => [...s.points.map((p) => p.step), ...(s.extent ?? [])]);
    const values = series.flatMap((s) => [...s.points.map((p) => p.value), ...(s.band ?? []).flatMap((b) => [b.min, b.max])]);
    const xd: [number, number] = domain ?? (steps.length ? [Math.min(...steps), Math.max(...steps)] : [0, 1]);
    if (xd[0] === xd[1]) xd[1] = xd[0] + 1;
    const padded = paddedExtent(values) ?? [0, 1];
    const top = Math.max(0, ...values.filter(Number.isFinite));
    const yd: [number, number] = zeroBased ? [0, top > 0 ? top * 1.08 : 1] : padded;
    const x = linearScale(xd, [M.left, Math.max(M.left + 1, width - M.right)]);
    const y = linearScale(yd, [height - M.bottom, M.top]);
    const xTicks = niceTicks(xd[0], xd[1], Math.max(2, Math.floor(width / 90))).filter((t) => t >= xd[0] && t <= xd[1]);
    const yTicks = niceTicks(yd[0], yd[1], Math.max(3, Math.floor(height / 40))).filter((t) => t >= yd[0] && t <= yd[1]);
    return { x, y, xTicks, yTicks };
  }, [series, width, height, domain, zeroBased]);

  const innerLeft = M.left;
  const innerRight = Math.max(M.left + 1, width - M.right);
  const clampPx = (px: number) => Math.min(innerRight, Math.max(innerLeft, px));
  const pxOf = (e: React.MouseEvent) => e.clientX - (box.current?.getBoundingClientRect().left ?? 0);

  const hoverStep = hover == null ? null : x.invert(hover);
  const hovered =
    hoverStep == null
      ? []
      : series.flatMap((s) => {
          const i = nearestIndex(s.points, hoverStep);
          return i < 0 ? [] : [{ s, p: s.points[i]! }];
        });
  const snapStep = hovered.length ? hovered.reduce((best, h) => (Math.abs(h.p.step - hoverStep!) < Math.abs(best - hoverStep!) ? h.p.step : best), hovered[0]!.p.step) : null;

  const empty = series.every((s) => s.points.length === 0);
  const clipId = `clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;

  return (
    <div ref={box} className="relative select-none" style={{ height }}>
      {width > 0 && (
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`${yLabel} by ${xLabel.toLowerCase()}`}
          className={onZoom ? 'cursor-crosshair' : undefined}
          onMouseMove={(e) => {
            const px = pxOf(e);
            setHover(px >= innerLeft && px <= innerRight ? px : null);
            if (drag) setDrag({ ...drag, to: clampPx(px) });
          }}
          onMouseLeave={() => {
            setHover(null);
            setDrag(null);
          }}
          onMouseDown={(e) => {
            if (!onZoom || e.button !== 0) return;
            const px = clampPx(pxOf(e));
            setDrag({ from: px, to: px });
          }}
          onMouseUp={() => {
            if (drag && onZoom && Math.abs(drag.to - drag.from) > 6) {
              const a = x.invert(Math.min(drag.from, drag.to));
              const b = x.invert(Math.max(drag.from, drag.to));
              onZoom(Math.floor(a), Math.ceil(b));
            }
            setDrag(null);
          }}
        >
          <defs>
            <clipPath id={clipId}>
              <rect x={innerLeft} y={M.top - 2} width={innerRight - innerLeft} height={height - M.top - M.bottom + 4} />
            </clipPath>
          </defs>
          {yTicks.map((t) => (
            <g key={`y${t}`}>
              <line x1={innerLeft} x2={innerRight} y1={y(t)} y2={y(t)} className="stroke-zinc-100" />
              <text x={innerLeft - 8} y={y(t)} dy="0.32em" textAnchor="end" className="fill-zinc-400 text-[10.5px] tabular-nums">
                {formatTick(t)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={`x${t}`}>
              <line x1={x(t)} x2={x(t)} y1={height - M.bottom} y2={height - M.bottom + 4} className="stroke-zinc-300" />
              <text x={x(t)} y={height - M.bottom + 16} textAnchor="middle" className="fill-zinc-400 text-[10.5px] tabular-nums">
                {formatX(t)}
              </text>
            </g>
          ))}
          <line x1={innerLeft} x2={innerRight} y1={height - M.bottom} y2={height - M.bottom} className="stroke-zinc-300" />
          <text x={(innerLeft + innerRight) / 2} y={height - 4} textAnchor="middle" className="fill-zinc-500 text-[11px] font-medium">
            {xLabel}
          </text>
          <text
            transform={`translate(13 ${(M.top + height - M.bottom) / 2}) rotate(-90)`}
            textAnchor="middle"
            className="fill-zinc-500 text-[11px] font-medium"
          >
            {yLabel.length > 28 ? `${yLabel.slice(0, 27)}…` : yLabel}
          </text>

          <g clipPath={`url(#${clipId})`}>
            {series.map((s) =>
              s.band?.length ? <path key={`band-${s.id}`} d={bandOf(s.band, x, y)} fill={s.color} fillOpacity={0.25} stroke="none" /> : null,
            )}
            {series.map((s) => (
              // Downsampled, the line runs through each bucket's extremes: drawn lighter so the band reads as the envelope.
              <path
                key={s.id}
                d={pathOf(s.points, x, y)}
                fill="none"
                stroke={s.color}
                strokeWidth={s.band?.length ? 0.75 : 1.75}
                strokeOpacity={s.band?.length ? 0.45 : 1}
                strokeLinejoin="round"
                strokeLinecap="round"
              />
            ))}
            {series.map((s) =>
              s.points.length === 1 && Number.isFinite(s.points[0]!.value) ? (
                <circle key={`one-${s.id}`} cx={x(s.points[0]!.step)} cy={y(s.points[0]!.value)} r={3} fill={s.color} />
              ) : null,
            )}
          </g>

          {snapStep != null && !drag && (
            <g pointerEvents="none">
              <line x1={x(snapStep)} x2={x(snapStep)} y1={M.top} y2={height - M.bottom} className="stroke-zinc-400" strokeDasharray="3 3" />
              {hovered.map(({ s, p }) =>
                Number.isFinite(p.value) ? <circle key={s.id} cx={x(p.step)} cy={y(p.value)} r={3.5} fill="white" stroke={s.color} strokeWidth={2} /> : null,
              )}
            </g>
          )}
          {drag && (
            <rect
              x={Math.min(drag.from, drag.to)}
              y={M.top}
              width={Math.abs(drag.to - drag.from)}
              height={height - M.top - M.bottom}
              className="fill-brand-500/10 stroke-brand-500"
              pointerEvents="none"
            />
          )}
        </svg>
      )}
      {empty && width > 0 && (
        <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-zinc-400">No points in this range</div>
      )}
      {snapStep != null && !drag && hovered.length > 0 && (
        <div
          role="tooltip"
          data-testid="chart-tooltip"
          className="pointer-events-none absolute top-2 z-10 min-w-36 rounded-lg border border-zinc-200 bg-white/95 px-3 py-2 text-xs shadow-lg backdrop-blur"
          style={x(snapStep) > width / 2 ? { right: width - x(snapStep) + 12 } : { left: x(snapStep) + 12 }}
        >
          <p className="mb-1 font-medium text-zinc-500">
            {xLabel} <span className="tabular-nums text-zinc-900">{formatX(snapStep)}</span>
          </p>
          <ul className="space-y-0.5">
            {hovered.map(({ s, p }) => (
              <li key={s.id} className="flex items-center gap-2">
                <span className="size-2 shrink-0 rounded-full" style={{ background: s.color }} />
                <span className="min-w-0 flex-1 truncate text-zinc-600">{series.length > 1 ? s.label : yLabel}</span>
                <span className="font-medium tabular-nums text-zinc-900">{formatY(p.value)}</span>
                {p.step !== snapStep && <span className="text-zinc-400">@{p.step}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
