/** What the deployment pages share: a version's colour, number formats, the windows. */
import type { DeploymentMetricsWindow } from '@/app/gql/graphql';

/**
 * One colour per version number, the same in the traffic bar, every chart and every legend, so "v3"
 * reads as one thing across the page. Ten distinct hues; a model past ten versions repeats them.
 */
const PALETTE = ['#6366f1', '#f59e0b', '#10b981', '#ef4444', '#0ea5e9', '#a855f7', '#84cc16', '#ec4899', '#14b8a6', '#f97316'];
export const versionColor = (version: number) => PALETTE[(Math.max(1, version) - 1) % PALETTE.length]!;

export const WINDOWS: { value: DeploymentMetricsWindow; label: string }[] = [
  { value: 'LAST_15_MINUTES', label: '15m' },
  { value: 'LAST_HOUR', label: '1h' },
  { value: 'LAST_6_HOURS', label: '6h' },
  { value: 'LAST_24_HOURS', label: '24h' },
  { value: 'LAST_7_DAYS', label: '7d' },
];

export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0/s';
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)}/s`;
  if (perSecond >= 0.01) return `${perSecond.toFixed(2)}/s`;
  return `${(perSecond * 60).toFixed(2)}/min`;
}

export function formatPercent(share: number): string {
  if (share === 0) return '0%';
  const p = share * 100;
  if (p < 0.1) return '<0.1%';
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A bucket's time for chart ticks: the clock over a day, the date and hour beyond. */
export function timeLabel(window: DeploymentMetricsWindow): (ms: number) => string {
  return (ms) => {
    const d = new Date(ms);
    const hm = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    return window === 'LAST_7_DAYS' ? `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${hm}` : hm;
  };
}

/** The version label legends and tooltips use. */
export const versionLabel = (version: number, shadow = false) => `v${version}${shadow ? ' (shadow)' : ''}`;
