'use client';

/**
 * Small inline charts for the drift table: a feature's live histogram over its baseline bins, and a
 * metric's history as a sparkline. Plain SVG sized by the table cell.
 */
export function HistogramCompare({ baseline, live, labels }: { baseline: number[]; live: number[]; labels?: string[] }) {
  const n = Math.max(baseline.length, live.length);
  if (!n) return <span className="text-xs text-zinc-400">—</span>;
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0) || 1;
  const b = baseline.map((x) => x / sum(baseline));
  const l = live.map((x) => x / sum(live));
  const max = Math.max(...b, ...l, 0.01);
  const w = 132;
  const h = 32;
  const bw = w / n;
  return (
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label="Live distribution over the baseline's bins" className="block">
      {Array.from({ length: n }, (_, i) => {
        const bh = ((b[i] ?? 0) / max) * (h - 2);
        const lh = ((l[i] ?? 0) / max) * (h - 2);
        return (
          <g key={i}>
            <title>{`${labels?.[i] ?? `bin ${i + 1}`}: baseline ${((b[i] ?? 0) * 100).toFixed(1)}%, live ${((l[i] ?? 0) * 100).toFixed(1)}%`}</title>
            <rect x={i * bw + 1} y={h - bh} width={bw - 2} height={bh} className="fill-zinc-200" />
            <rect x={i * bw + bw * 0.3} y={h - lh} width={bw * 0.4} height={lh} className="fill-brand-500" />
          </g>
        );
      })}
    </svg>
  );
}

export function Sparkline({ values, threshold }: { values: number[]; threshold?: number | null }) {
  if (values.length < 2) return <span className="text-xs text-zinc-400">—</span>;
  const w = 96;
  const h = 24;
  const max = Math.max(...values, threshold ?? 0, 0.05);
  const x = (i: number) => (i / (values.length - 1)) * (w - 2) + 1;
  const y = (v: number) => h - 1 - (v / max) * (h - 2);
  const d = values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  return (
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label="History" className="block">
      {threshold != null && <line x1={0} x2={w} y1={y(threshold)} y2={y(threshold)} className="stroke-red-300" strokeDasharray="3 2" />}
      <path d={d} fill="none" className="stroke-zinc-500" strokeWidth={1.5} />
      <circle cx={x(values.length - 1)} cy={y(values[values.length - 1]!)} r={2} className="fill-zinc-700" />
    </svg>
  );
}
