import { jobStatusLabel, type JobStatusValue } from '@/app/lib/compute';
import { Badge, cx } from './ui';

const TONE: Record<JobStatusValue, 'neutral' | 'blue' | 'green' | 'red' | 'amber'> = {
  queued: 'neutral',
  pending: 'amber',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'neutral',
};

export const JOB_STATUS_DOT: Record<JobStatusValue, string> = {
  queued: 'bg-zinc-400',
  pending: 'bg-amber-500',
  running: 'bg-sky-500',
  succeeded: 'bg-emerald-500',
  failed: 'bg-red-500',
  cancelled: 'bg-zinc-400',
};

/**
 * A job's status with its reason when it has one ("Failed · OOMKilled"); live
 * states pulse so a page that is still moving reads as live.
 */
export function JobStatusBadge({ status, reason, className }: { status: string; reason?: string | null; className?: string }) {
  const s = status as JobStatusValue;
  // "Cancelled · Cancelled" says nothing twice.
  const why = reason && reason.toLowerCase() !== status.toLowerCase() ? reason : null;
  return (
    <Badge tone={TONE[s] ?? 'neutral'} className={className}>
      <span aria-hidden="true" className={cx('size-1.5 rounded-full', JOB_STATUS_DOT[s] ?? 'bg-zinc-400', (s === 'running' || s === 'pending') && 'animate-pulse')} />
      <span data-testid="job-status" data-status={status}>
        {jobStatusLabel(status)}
        {why && <span className="font-normal opacity-80"> · {why}</span>}
      </span>
    </Badge>
  );
}
