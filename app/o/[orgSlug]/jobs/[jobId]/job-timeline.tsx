import { Fragment } from 'react';
import { JOB_STATUS_DOT } from '@/app/components/job-status';
import { cx } from '@/app/components/ui';
import { jobStatusLabel, type JobStatusValue } from '@/app/lib/compute';
import { formatDateTime, formatShortDateTime } from '@/app/lib/format';
import { formatDuration } from '@/app/lib/tracking';
import { ENVIRONMENT_REASONS, LOG_REASONS } from '@/rules/job-status';

export interface TimelineEvent {
  status: string;
  attempt: number;
  reason: string | null;
  message: string | null;
  /** A failed attempt's lines of log that say why. */
  detail?: string | null;
  occurredAt: string;
}

/** Steps that are not a change of the job's status (before the command runs, or after it ended): their own titles. */
const STEP_TITLE: Record<string, string> = {
  [ENVIRONMENT_REASONS.building]: 'Building Python environment',
  [ENVIRONMENT_REASONS.ready]: 'Python environment ready',
  [LOG_REASONS.notCollected]: 'Log not collected',
};
const isEnvironmentStep = (e: TimelineEvent) => e.status === 'pending' && e.reason !== null && e.reason in STEP_TITLE;
const isLogStep = (e: TimelineEvent) => e.reason === LOG_REASONS.notCollected;
const titleOf = (e: TimelineEvent) => (isEnvironmentStep(e) ? STEP_TITLE[e.reason!]! : jobStatusLabel(e.status));

/** A step's message without what its title already says: "6 requirements on Python 3.11.2", "Built in 52s". */
function stepMessage(e: TimelineEvent): string | null {
  const rest = (e.message ?? '').replace(/^(Building the Python environment|Python environment ready|The log could not be collected from the cluster)(: )?/, '').replace(/^ ?\(cached\)(: )?/, '');
  if (!rest) return e.reason === ENVIRONMENT_REASONS.ready ? 'Built earlier for the same requirements and Python' : null;
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

const TEXT: Record<JobStatusValue, string> = {
  queued: 'text-zinc-700',
  pending: 'text-amber-800',
  running: 'text-sky-800',
  succeeded: 'text-emerald-800',
  failed: 'text-red-700',
  cancelled: 'text-zinc-700',
};

/**
 * The job's status history, oldest first, one dot per change: what happened,
 * on which attempt, why, and how long after the previous step. While the job is
 * live the last step says how long it has been in its state.
 */
export function JobTimeline({ events, live, now, multiAttempt }: { events: TimelineEvent[]; live: boolean; now: number; multiAttempt: boolean }) {
  if (events.length === 0) return <p className="px-5 py-4 text-sm text-zinc-400">No status changes yet.</p>;
  return (
    <ol className="px-5 py-4" data-testid="job-timeline">
      {events.map((e, i) => {
        const prev = events[i - 1];
        const last = i === events.length - 1;
        const after = prev ? (new Date(e.occurredAt).getTime() - new Date(prev.occurredAt).getTime()) / 1000 : null;
        const since = last && live ? (now - new Date(e.occurredAt).getTime()) / 1000 : null;
        const s = e.status as JobStatusValue;
        const step = isEnvironmentStep(e);
        const logStep = isLogStep(e);
        const cached = e.reason === ENVIRONMENT_REASONS.ready && /\(cached\)/.test(e.message ?? '');
        // The exception line (or last error line) of a failed attempt; the banner and the log have the rest.
        const why = e.status === 'failed' && e.detail ? e.detail.split('\n').at(-1) : null;
        return (
          <Fragment key={`${e.occurredAt}-${i}`}>
            {multiAttempt && (!prev || prev.attempt !== e.attempt) && (
              <li className={cx('mb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400', prev && 'mt-1')} aria-hidden="true">
                Attempt {e.attempt}
              </li>
            )}
            <li className="relative flex gap-3 pb-4 last:pb-0" data-testid="job-event" data-status={e.status} data-attempt={e.attempt} data-reason={e.reason ?? undefined}>
              {!last && <span aria-hidden="true" className="absolute top-4 bottom-0 left-[5px] w-px bg-zinc-200" />}
              <span aria-hidden="true" className="relative mt-1.5 flex size-[11px] shrink-0 items-center justify-center">
                {last && live && <span className={cx('absolute inline-flex size-full animate-ping rounded-full opacity-60', JOB_STATUS_DOT[s])} />}
                <span
                  className={cx(
                    'relative size-[11px] rounded-full ring-[3px] ring-white',
                    logStep ? 'bg-amber-400' : step ? (e.reason === ENVIRONMENT_REASONS.ready ? 'bg-violet-500' : 'bg-violet-300') : (JOB_STATUS_DOT[s] ?? 'bg-zinc-400'),
                  )}
                />
              </span>
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                  {step ? (
                    <p className={cx('text-sm font-semibold', logStep ? 'text-amber-800' : 'text-violet-800')}>
                      {titleOf(e)}
                      {cached && <span className="ml-1.5 rounded bg-violet-50 px-1.5 py-px text-[11.5px] font-medium text-violet-700 ring-1 ring-violet-200 ring-inset">cached</span>}
                    </p>
                  ) : (
                    <p className={cx('text-sm font-semibold', TEXT[s] ?? 'text-zinc-700')}>
                      {jobStatusLabel(e.status)}
                      {e.reason && <span className="ml-1.5 rounded bg-zinc-100 px-1.5 py-px font-mono text-[11.5px] font-medium text-zinc-700">{e.reason}</span>}
                    </p>
                  )}
                  <time dateTime={e.occurredAt} title={formatDateTime(e.occurredAt)} className="text-xs tabular-nums text-zinc-400">
                    {formatShortDateTime(e.occurredAt)}
                  </time>
                </div>
                {(step ? stepMessage(e) : e.message) && <p className="mt-0.5 text-[13px] break-words text-zinc-600">{step ? stepMessage(e) : e.message}</p>}
                {why && (
                  <p className="mt-1 truncate rounded bg-red-50 px-1.5 py-0.5 font-mono text-[11.5px] text-red-800" title={e.detail ?? undefined} data-testid="job-event-detail">
                    {why}
                  </p>
                )}
                {step && !cached && !logStep && (
                  <a href="#job-logs" className="mt-0.5 inline-block text-xs font-medium text-violet-700 hover:text-violet-900">
                    {e.reason === ENVIRONMENT_REASONS.building ? 'pip’s output is in the log' : 'The build’s output is in the log'}
                  </a>
                )}
                {(after !== null || since !== null) && (
                  <p className="mt-0.5 text-xs tabular-nums text-zinc-400">
                    {after !== null && `+${formatDuration(after)} after ${isEnvironmentStep(prev!) && !isLogStep(prev!) ? titleOf(prev!).replace(/^Building/, 'building') : titleOf(prev!).toLowerCase()}`}
                    {after !== null && since !== null && ' · '}
                    {since !== null && `${formatDuration(since)} so far`}
                  </p>
                )}
              </div>
            </li>
          </Fragment>
        );
      })}
    </ol>
  );
}
