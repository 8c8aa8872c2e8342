'use client';

import { useState } from 'react';
import { useWidth } from './use-width';
import { formatMetric, formatTick } from '@/app/lib/tracking';
import { linearScale, niceTicks, paddedExtent } from './scale';

export interface PcLine {
  id: string;
  label: string;
  color: string;
  /** Axis key → raw value (missing when the run has none). */
  values: Record<string, string | number | undefined>;
}

export interface PcAxis {
  key: string;
  label: string;
}

type AxisScale =
  | { kind: 'number'; pos: (v: number) => number; ticks: number[] }
  | { kind: 'category'; pos: (v: string) => number; categories: string[] };

const M = { top: 34, right: 48, bottom: 20, left: 48 };

/**
 * Parallel coordinates in SVG: one vertical axis per key (numeric axes when every
 * value parses as a number, categorical otherwise), one polyline per run. The last
 * axis is usually the metric being explained.
 */
export function ParallelCoordinates({ axes, lines, height = 300 }: { axes: PcAxis[]; lines: PcLine[]; height?: number }) {
  const [box, width] = useWidth();
  const [hover, setHover] = useState<string | null>(null);

  const innerW = Math.max(1, width - M.left - M.right);
  const axisX = (i: number) => M.left + (axes.length <= 1 ? innerW / 2 : (i / (axes.length - 1)) * innerW);
  const yRange: [number, number] = [height - M.bottom, M.top];

  const scales: AxisScale[] = axes.map((a) => {
    const raw = lines.map((l) => l.values[a.key]).filter((v): v is string | number => v !== undefined && v !== '');
    const nums = raw.map((v) => (typeof v === 'number' ? v : Number(v)));
    if (raw.length > 0 && nums.every((n) => !Number.isNaN(n))) {
      const ext = paddedExtent(nums, 0.08) ?? [0, 1];
      const s = linearScale(ext, yRange);
      return { kind: 'number', pos: s, ticks: niceTicks(ext[0], ext[1], 4).filter((t) => t >= ext[0] && t <= ext[1]) };
    }
    const categories = [...new Set(raw.map(String))].sort();
    const step = (yRange[0] - yRange[1]) / Math.max(1, categories.length);
    return { kind: 'category', categories, pos: (v: string) => yRange[0] - step * (categories.indexOf(v) + 0.5) };
  });

  const yOf = (i: number, v: string | number | undefined): number | null => {
    if (v === undefined || v === '') return null;
    const sc = scales[i]!;
    if (sc.kind === 'number') {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(n) ? sc.pos(n) : null;
    }
    return sc.pos(String(v));
  };

  return (
    <div ref={box} className="relative" style={{ height }}>
      {width > 0 && (
        <svg width={width} height={height} role="img" aria-label="Parallel coordinates of params and metric">
          {lines.map((l) => {
            let d = '';
            let pen = false;
            axes.forEach((a, i) => {
              const yv = yOf(i, l.values[a.key]);
              if (yv == null) {
                pen = false;
                return;
              }
              d += `${pen ? 'L' : 'M'}${axisX(i).toFixed(1)},${yv.toFixed(1)}`;
              pen = true;
            });
            const dim = hover != null && hover !== l.id;
            return (
              <path
                key={l.id}
                d={d}
                fill="none"
                stroke={l.color}
                strokeWidth={hover === l.id ? 3 : 2}
                strokeOpacity={dim ? 0.15 : 0.9}
                onMouseEnter={() => setHover(l.id)}
                onMouseLeave={() => setHover(null)}
                className="cursor-pointer transition-[stroke-opacity]"
              >
                <title>{l.label}</title>
              </path>
            );
          })}
          {axes.map((a, i) => {
            const sc = scales[i]!;
            const ax = axisX(i);
            const last = i === axes.length - 1;
            return (
              <g key={a.key}>
                <line x1={ax} x2={ax} y1={M.top} y2={height - M.bottom} className="stroke-zinc-300" strokeWidth={1.25} />
                <text x={ax} y={M.top - 14} textAnchor="middle" className={last ? 'fill-zinc-900 text-[11.5px] font-semibold' : 'fill-zinc-600 text-[11.5px] font-medium'}>
                  {a.label.length > 18 ? `${a.label.slice(0, 17)}…` : a.label}
                </text>
                {sc.kind === 'number'
                  ? sc.ticks.map((t) => (
                      <g key={t}>
                        <line x1={ax - 3} x2={ax} y1={sc.pos(t)} y2={sc.pos(t)} className="stroke-zinc-300" />
                        <text x={ax - 6} y={sc.pos(t)} dy="0.32em" textAnchor="end" className="fill-zinc-500 text-[10px] tabular-nums" stroke="white" strokeWidth={3} paintOrder="stroke">
                          {formatTick(t)}
                        </text>
                      </g>
                    ))
                  : sc.categories.map((c) => (
                      <text key={c} x={ax - 6} y={sc.pos(c)} dy="0.32em" textAnchor="end" className="fill-zinc-600 text-[10px]" stroke="white" strokeWidth={3} paintOrder="stroke">
                        {c.length > 10 ? `${c.slice(0, 9)}…` : c}
                      </text>
                    ))}
              </g>
            );
          })}
          {hover &&
            (() => {
              const l = lines.find((x) => x.id === hover);
              if (!l) return null;
              return axes.map((a, i) => {
                const yv = yOf(i, l.values[a.key]);
                const v = l.values[a.key];
                return yv == null || v === undefined ? null : (
                  <text key={a.key} x={axisX(i) + 6} y={yv} dy="-0.4em" className="fill-zinc-900 text-[10.5px] font-medium" stroke="white" strokeWidth={3} paintOrder="stroke" pointerEvents="none">
                    {typeof v === 'number' ? formatMetric(v) : v}
                  </text>
                );
              });
            })()}
        </svg>
      )}
    </div>
  );
}
