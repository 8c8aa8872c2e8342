'use client';

import { useMemo, useState } from 'react';
import { useWidth } from './use-width';
import { stackSeries } from '@/app/lib/costs';
import { linearScale, niceTicks } from './scale';

export interface StackedSeries {
  id: string;
  label: string;
  color: string;
  /** One value per category of `categories`, never negative. */
  values: number[];
}

const M = { top: 12, right: 16, bottom: 30, left: 64 };

/**
 * Amounts over evenly spaced categories (days), each series stacked on the ones before it,
 * drawn in SVG: y ticks and the hover tooltip in the caller's units (`formatY`, `formatTick`),
 * a tooltip listing every series' amount at the hovered category, top of the stack first, and
 * the total. One category alone is drawn as a column, since an area needs two points.
 */
export function StackedAreaChart({
  categories,
  series,
  formatCategory,
  formatY,
  formatTick,
  label,
  height = 260,
}: {
  categories: string[];
  series: StackedSeries[];
  formatCategory: (c: string, short: boolean) => string;
  formatY: (v: number) => string;
  formatTick: (v: number) => string;
  /** What the chart shows, for screen readers. */
  label: string;
  height?: number;
}) {
  const [box, width] = useWidth();
  const [hover, setHover] = useState<number | null>(null);

  const n = categories.length;
  const stacked = useMemo(() => stackSeries(series.map((s) => s.values)), [series]);
  const totals = stacked.at(-1)?.hi ?? new Array<number>(n).fill(0);
  const top = Math.max(0, ...totals);

  const innerLeft = M.left;
  const innerRight = Math.max(M.left + 1, width - M.right);
  // One category: a column half a day wide on each side of it.
  const single = n === 1;
  const x = linearScale(single ? [-0.5, 0.5] : [0, Math.max(1, n - 1)], [innerLeft, innerRight]);
  // The axis ends on a tick at or above the highest day, so the peak reads against a labelled line.
  const yTicks = niceTicks(0, top > 0 ? top : 1, Math.max(3, Math.floor(height / 55)));
  if (yTicks.length >= 2 && yTicks.at(-1)! < top) yTicks.push(Number((yTicks.at(-1)! + yTicks[1]! - yTicks[0]!).toPrecision(12)));
  const yMax = Math.max(top > 0 ? top : 1, yTicks.at(-1) ?? 1);
  const y = linearScale([0, yMax], [height - M.bottom, M.top]);
  // About one x label per 80 px, on whole steps of days.
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor((innerRight - innerLeft) / 80))));
  const xTicks = categories.map((_, i) => i).filter((i) => (n - 1 - i) % every === 0);

  const areaOf = (lo: number[], hi: number[]) => {
    if (single) {
      const [a, b] = [x(-0.5), x(0.5)];
      return `M${a},${y(hi[0]!)}L${b},${y(hi[0]!)}L${b},${y(lo[0]!)}L${a},${y(lo[0]!)}Z`;
    }
    const upper = hi.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const lower = lo.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).reverse();
    return `M${upper.join('L')}L${lower.join('L')}Z`;
  };
  const lineOf = (hi: number[]) => (single ? '' : `M${hi.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('L')}`);

  const onMove = (e: React.MouseEvent) => {
    const px = e.clientX - (box.current?.getBoundingClientRect().left ?? 0);
    if (px < innerLeft - 4 || px > innerRight + 4 || n === 0) return setHover(null);
    setHover(single ? 0 : Math.min(n - 1, Math.max(0, Math.round(x.invert(px)))));
  };

  const hx = hover == null ? null : single ? x(0) : x(hover);
  const hovered = hover == null ? [] : series.map((s, i) => ({ s, v: s.values[hover] ?? 0, i })).reverse();

  return (
    <div ref={box} className="relative select-none" style={{ height }}>
      {width > 0 && (
        <svg width={width} height={height} role="img" aria-label={label} onMouseMove={onMove} onMouseLeave={() => setHover(null)}>
          {yTicks.map((t) => (
            <g key={`y${t}`}>
              <line x1={innerLeft} x2={innerRight} y1={y(t)} y2={y(t)} className="stroke-zinc-100" />
              <text x={innerLeft - 8} y={y(t)} dy="0.32em" textAnchor="end" className="fill-zinc-400 text-[10.5px] tabular-nums">
                {formatTick(t)}
              </text>
            </g>
          ))}
          {stacked.map((b, i) => (
            <path key={series[i]!.id} d={areaOf(b.lo, b.hi)} fill={series[i]!.color} fillOpacity={0.78} stroke="none" />
          ))}
          {stacked.map((b, i) => (
            <path key={`l-${series[i]!.id}`} d={lineOf(b.hi)} fill="none" stroke={series[i]!.color} strokeWidth={1.25} strokeLinejoin="round" />
          ))}
          <line x1={innerLeft} x2={innerRight} y1={height - M.bottom} y2={height - M.bottom} className="stroke-zinc-300" />
          {xTicks.map((i) => (
            <g key={`x${i}`}>
              <line x1={single ? x(0) : x(i)} x2={single ? x(0) : x(i)} y1={height - M.bottom} y2={height - M.bottom + 4} className="stroke-zinc-300" />
              <text
                x={single ? x(0) : x(i)}
                y={height - M.bottom + 17}
                textAnchor={single ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'}
                className="fill-zinc-400 text-[10.5px] tabular-nums"
              >
                {formatCategory(categories[i]!, true)}
              </text>
            </g>
          ))}
          {hx != null && (
            <g pointerEvents="none">
              <line x1={hx} x2={hx} y1={M.top} y2={height - M.bottom} className="stroke-zinc-500" strokeDasharray="3 3" />
              {!single &&
                stacked.map((b, i) =>
                  (series[i]!.values[hover!] ?? 0) > 0 ? <circle key={series[i]!.id} cx={hx} cy={y(b.hi[hover!]!)} r={3} fill="white" stroke={series[i]!.color} strokeWidth={2} /> : null,
                )}
            </g>
          )}
        </svg>
      )}
      {hover != null && hx != null && (
        <div
          role="tooltip"
          data-testid="chart-tooltip"
          className="pointer-events-none absolute top-2 z-10 min-w-52 rounded-lg border border-zinc-200 bg-white/95 px-3 py-2 text-xs shadow-lg backdrop-blur"
          style={hx > width / 2 ? { right: width - hx + 12 } : { left: hx + 12 }}
        >
          <p className="mb-1.5 font-medium text-zinc-900">{formatCategory(categories[hover]!, false)}</p>
          <ul className="space-y-0.5">
            {hovered.map(({ s, v }) => (
              <li key={s.id} className={v > 0 ? 'flex items-center gap-2' : 'flex items-center gap-2 opacity-50'}>
                <span className="size-2 shrink-0 rounded-sm" style={{ background: s.color }} />
                <span className="min-w-0 max-w-44 flex-1 truncate text-zinc-600">{s.label}</span>
                <span className="font-medium tabular-nums text-zinc-900">{formatY(v)}</span>
              </li>
            ))}
          </ul>
          {series.length > 1 && (
            <p className="mt-1.5 flex justify-between gap-4 border-t border-zinc-100 pt-1.5 font-medium text-zinc-900">
              <span>Total</span>
              <span className="tabular-nums">{formatY(totals[hover] ?? 0)}</span>
            </p>
          )}
        </div>
      )}
    </div>
  );
}
