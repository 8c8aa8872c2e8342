import { Badge } from '@/app/components/ui';
import { versionColor, versionLabel } from '@/app/lib/deployments';

export interface ArmLike {
  versionNumber: number;
  weight: number;
  role: string;
}

/**
 * What the deployment is doing, in a word: its model servers still starting or failed to start
 * (status), else what the policy does: one stable version, a canary at some share, or an A/B test.
 */
export function trafficState(arms: readonly ArmLike[], status = 'ready'): { label: string; tone: 'green' | 'amber' | 'blue' | 'red' } {
  if (status === 'provisioning') return { label: 'Provisioning', tone: 'amber' };
  if (status === 'failed') return { label: 'Failed', tone: 'red' };
  const canary = arms.find((a) => a.role === 'canary');
  if (canary) return { label: `Canary ${canary.weight}%`, tone: 'amber' };
  if (arms.filter((a) => a.weight > 0).length > 1) return { label: 'A/B', tone: 'blue' };
  return { label: 'Stable', tone: 'green' };
}

/** The versions answering and their shares as one bar, shadows named beside it. */
export function TrafficBar({ arms, shadows, compact }: { arms: readonly ArmLike[]; shadows: readonly { versionNumber: number }[]; compact?: boolean }) {
  const shown = arms.filter((a) => a.weight > 0);
  return (
    <div className={compact ? 'min-w-40' : undefined} data-testid="traffic-bar">
      <div className={`flex overflow-hidden rounded-md ${compact ? 'h-2' : 'h-7'}`} role="img" aria-label={shown.map((a) => `${versionLabel(a.versionNumber)} ${a.weight}%`).join(', ')}>
        {shown.map((a) => (
          <div
            key={a.versionNumber}
            style={{ width: `${a.weight}%`, background: versionColor(a.versionNumber) }}
            className="flex items-center justify-center overflow-hidden border-r border-white/70 text-xs font-medium whitespace-nowrap text-white last:border-r-0"
            title={`${versionLabel(a.versionNumber)} · ${a.role} · ${a.weight}%`}
          >
            {!compact && a.weight >= 12 && `${versionLabel(a.versionNumber)} · ${a.weight}%`}
          </div>
        ))}
      </div>
      <div className={`flex flex-wrap items-center gap-x-3 gap-y-1 ${compact ? 'mt-1.5 text-xs' : 'mt-2.5 text-[13px]'} text-zinc-600`}>
        {shown.map((a) => (
          <span key={a.versionNumber} className="inline-flex items-center gap-1.5">
            <span className="size-2.5 rounded-sm" style={{ background: versionColor(a.versionNumber) }} />
            <span className="font-medium text-zinc-800">{versionLabel(a.versionNumber)}</span>
            <span className="tabular-nums">{a.weight}%</span>
            {!compact && <span className="text-zinc-400">{a.role}</span>}
          </span>
        ))}
        {shadows.map((s) => (
          <Badge key={`s${s.versionNumber}`} className="border border-dashed font-normal" tone="neutral">
            <span className="size-2 rounded-full" style={{ background: versionColor(s.versionNumber) }} />
            {versionLabel(s.versionNumber)} shadow
          </Badge>
        ))}
      </div>
    </div>
  );
}
