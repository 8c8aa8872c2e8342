import type { RunStatus } from '@/app/gql/graphql';
import { Badge, cx } from './ui';

const TONE = { RUNNING: 'blue', FINISHED: 'green', FAILED: 'red', KILLED: 'amber', SCHEDULED: 'neutral' } as const;
const LABEL: Record<RunStatus, string> = { RUNNING: 'Running', FINISHED: 'Finished', FAILED: 'Failed', KILLED: 'Killed', SCHEDULED: 'Scheduled' };

export function runStatusLabel(status: RunStatus): string {
  return LABEL[status];
}

/** A run's status; a running run pulses so live pages read as live. */
export function RunStatusBadge({ status, className }: { status: RunStatus; className?: string }) {
  return (
    <Badge tone={TONE[status]} className={className}>
      <span
        aria-hidden="true"
        className={cx(
          'size-1.5 rounded-full',
          status === 'RUNNING' ? 'animate-pulse bg-sky-500' : status === 'FINISHED' ? 'bg-emerald-500' : status === 'FAILED' ? 'bg-red-500' : status === 'KILLED' ? 'bg-amber-500' : 'bg-zinc-400',
        )}
      />
      <span data-testid="run-status">{LABEL[status]}</span>
    </Badge>
  );
}
