'use client';

import { useState } from 'react';
import { useWidth } from './use-width';
import { formatTick } from '@/app/lib/tracking';
import { linearScale, niceTicks } from './scale';

export interface HistogramSeries {
  id: string;
  label: string;
  color: string;
  /** Counts per bin, the same number of bins for every series. */
  counts: number[];
}

const M = { top: 10, right: 14, bottom: 36, left: 48 };

/**
 * Several distributions over the same bins, side by side in each bin. Heights are each series' share
 * of its own total, so a version with little traffic compares with one with much.
 */
export function Histogram({ series, min, max, xLabel, height = 220 }: { series: HistogramSeries[]; min: number; max: number; xLabel: string; height?: number }) {
  const [box, width] = useWidth();
  const [hover, setHover] = useState<number | null>(null);

  const bins = series[0]?.counts.length ?? 0;
  const shares = series.map((s) => {
    const total = s.counts.reduce((a, b) => a + b, 0) || 1;
    return s.counts.map((c) => c / total);
  });
  const top = Math.max(0.05, ...shares.flat());
  const x = linearScale([min, max], [M.left, Math.max(M.left + 1, width - M.right)]);
  const y = linearScale([0, top], [height - M.bottom, M.top]);
  const binWidth = bins ? (x(max) - x(min)) / bins : 0;
  const barWidth = series.length ? Math.max(1, (binWidth - 2) / series.length) : 0;
  const yTicks = niceTicks(0, top, 4);
  const xTicks = niceTicks(min, max, Math.max(2, Math.floor(width / 80)));
  const edge = (i: number) => min + ((max - min) * i) / bins;

  return (
    <div ref={box} className="relative select-none" style={{ height }}>
      {width > 0 && (
        <svg width={width} height={height} role="img" aria-label={`Distribution of ${xLabel}`} onMouseLeave={() => setHover(null)}>
          {yTicks.map((t) => (
            <g key={`y${t}`}>
              <line x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} className="stroke-zinc-100" />
              <text x={M.left - 8} y={y(t)} dy="0.32em" textAnchor="end" className="fill-zinc-400 text-[10.5px] tabular-nums">
                {Math.round(t * 100)}%
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <text key={`x${t}`} x={x(t)} y={height - M.bottom + 16} textAnchor="middle" className="fill-zinc-400 text-[10.5px] tabular-nums">
              {formatTick(t)}
            </text>
          ))}
          <line x1={M.left} x2={width - M.right} y1={height - M.bottom} y2={height - M.bottom} className="stroke-zinc-300" />
          <text x={(M.left + width - M.right) / 2} y={height - 4} textAnchor="middle" className="fill-zinc-500 text-[11px] font-medium">
            {xLabel}
          </text>
          <text transform={`translate(12 ${(M.top + height - M.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="fill-zinc-500 text-[11px] font-medium">
            Share of samples
          </text>
          {Array.from({ length: bins }, (_, b) => (
            <g key={b} onMouseEnter={() => setHover(b)}>
              <rect x={x(edge(b))} y={M.top} width={binWidth} height={height - M.top - M.bottom} fill={hover === b ? '#f4f4f5' : 'transparent'} />
              {series.map((s, i) => {
                const v = shares[i]![b]!;
                return v > 0 ? <rect key={s.id} x={x(edge(b)) + 1 + i * barWidth} y={y(v)} width={barWidth} height={y(0) - y(v)} fill={s.color} fillOpacity={0.85} rx={1} /> : null;
              })}
            </g>
          ))}
        </svg>
      )}
      {hover != null && (
        <div role="tooltip" className="pointer-events-none absolute top-2 right-2 z-10 min-w-36 rounded-lg border border-zinc-200 bg-white/95 px-3 py-2 text-xs shadow-lg">
          <p className="mb-1 font-medium text-zinc-500 tabular-nums">
            {formatTick(edge(hover))} – {formatTick(edge(hover + 1))}
          </p>
          <ul className="space-y-0.5">
            {series.map((s, i) => (
              <li key={s.id} className="flex items-center gap-2">
                <span className="size-2 shrink-0 rounded-full" style={{ background: s.color }} />
                <span className="flex-1 text-zinc-600">{s.label}</span>
                <span className="font-medium tabular-nums text-zinc-900">
                  {(shares[i]![hover]! * 100).toFixed(1)}% <span className="font-normal text-zinc-400">({s.counts[hover]})</span>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
