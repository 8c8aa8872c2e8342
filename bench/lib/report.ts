/** Nearest-rank percentile of a sample (milliseconds in, milliseconds out). */
export function percentile(sample: number[], p: number): number {
  if (!sample.length) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  mean: number;
}

export function latency(sample: number[]): Latency {
  return { n: sample.length, p50: percentile(sample, 50), p95: percentile(sample, 95), mean: sample.reduce((a, b) => a + b, 0) / (sample.length || 1) };
}

/** Runs `fn` `warmup` times unmeasured, then `n` times (or until `budgetMs` is spent, at least `min` (3) times), one at a time. */
export async function measure(fn: () => Promise<unknown>, opts: { n: number; warmup?: number; budgetMs?: number; min?: number }): Promise<Latency> {
  for (let i = 0; i < (opts.warmup ?? 2); i++) await fn();
  const sample: number[] = [];
  const started = performance.now();
  for (let i = 0; i < opts.n; i++) {
    const t = performance.now();
    await fn();
    sample.push(performance.now() - t);
    if (opts.budgetMs && sample.length >= (opts.min ?? 3) && performance.now() - started > opts.budgetMs) break;
  }
  return latency(sample);
}

export interface Row {
  section: string;
  name: string;
  value: string;
  detail: string;
}

export interface Ratio {
  name: string;
  value: number;
  /** e.g. '>= 0.40' */
  target?: string;
  met?: boolean;
  how: string;
  /** A quantity rather than a ratio (`ms`, `s`): printed with its unit instead of `×`. */
  unit?: string;
}

export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (n: number) => (Number.isFinite(n) ? (n >= 100 ? `${n.toFixed(0)} ms` : n >= 1 ? `${n.toFixed(1)} ms` : `${n.toFixed(2)} ms`) : 'n/a');
export const fmtRatio = (n: number) => (Number.isFinite(n) ? (n >= 10 ? `${n.toFixed(1)}×` : `${n.toFixed(2)}×`) : 'n/a');

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function render(rows: Row[], ratios: Ratio[], notes: string[]): string {
  const out: string[] = [];
  out.push(table(['part', 'measurement', 'result', 'how'], rows.map((r) => [r.section, r.name, r.value, r.detail])));
  if (ratios.length) {
    out.push('');
    out.push(
      table(
        ['ratio', 'value', 'target', 'met', 'computed as'],
        ratios.map((r) => [r.name, r.unit ? `${Number.isFinite(r.value) ? r.value.toFixed(2) : 'n/a'} ${r.unit}` : fmtRatio(r.value), r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO', r.how]),
      ),
    );
  }
  if (notes.length) {
    out.push('');
    out.push('Notes:');
    for (const n of notes) out.push(`  - ${n}`);
  }
  return out.join('\n');
}
