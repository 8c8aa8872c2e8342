'use client';

import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { graphql } from '@/app/gql';
import { ArrowDownIcon, TerminalIcon } from '@/app/components/icons';
import { Badge, Card, Spinner, cx } from '@/app/components/ui';
import { useGqlQuery } from '@/app/lib/gql-hooks';

const JobLogsQuery = graphql(`
  query JobLogs($jobId: ID!, $offset: Float, $attempt: Int) {
    jobLogs(jobId: $jobId, offset: $offset, attempt: $attempt) {
      text
      nextOffset
      attempt
      complete
    }
  }
`);

/** How often to ask for more output while the job is still writing it. */
const POLL_MS = 1000;
/** The panel keeps the tail of very long logs; the full log stays in the run's artifacts. */
const MAX_CHARS = 2_000_000;

interface Follow {
  attempt: number;
  offset: number;
  text: string;
  trimmed: boolean;
  complete: boolean;
}

const start = (attempt: number): Follow => ({ attempt, offset: 0, text: '', trimmed: false, complete: false });

/**
 * Follows one attempt's combined stdout/stderr: each answer's `nextOffset` is the
 * next read's offset, so every byte arrives once. While the job writes, it polls
 * every second; it stops when the server says the log is `complete`.
 */
function useFollowLogs(jobId: string, attempt: number) {
  const [f, setF] = useState<Follow>(() => start(attempt));
  const q = useGqlQuery(JobLogsQuery, { jobId, offset: f.offset, attempt }, { enabled: f.attempt === attempt && !f.complete, refetchInterval: f.complete ? false : POLL_MS });
  const chunk = q.data?.jobLogs;
  const [seen, setSeen] = useState<typeof chunk>(undefined);
  if (f.attempt !== attempt) {
    setF(start(attempt));
  } else if (chunk && chunk !== seen) {
    // Each answer is applied once: appended, and the offset moved past it (so the next read starts at once).
    setSeen(chunk);
    if (chunk.attempt === f.attempt && (chunk.nextOffset !== f.offset || chunk.complete !== f.complete || chunk.text)) {
      let text = f.text + chunk.text;
      let trimmed = f.trimmed;
      if (text.length > MAX_CHARS) {
        text = text.slice(text.length - MAX_CHARS);
        text = text.slice(text.indexOf('\n') + 1);
        trimmed = true;
      }
      setF({ attempt: f.attempt, offset: chunk.nextOffset, text, trimmed, complete: chunk.complete });
    }
  }
  return { ...f, error: q.error, loading: q.isLoading && f.text === '' };
}

/**
 * The job's live log: monospace, following the end while you are at the end,
 * staying put when you scroll up to read. Jobs with retries pick an attempt.
 */
export function JobLogs({
  jobId,
  currentAttempt,
  attempts,
  waiting,
  active,
  notCollected = {},
}: {
  jobId: string;
  currentAttempt: number;
  /** Attempts that have started (1…n). */
  attempts: number;
  /** Queued or pending: no process yet, so no output yet. */
  waiting: boolean;
  active: boolean;
  /** Attempts whose log could not be read from the cluster, with why: what was kept ends with a line saying so. */
  notCollected?: Record<number, string>;
}) {
  // null follows the current attempt (a retry switches over by itself).
  const [chosen, setChosen] = useState<number | null>(null);
  const attempt = chosen ?? currentAttempt;
  const logs = useFollowLogs(jobId, attempt);
  const box = useRef<HTMLPreElement>(null);
  const [atEnd, setAtEnd] = useState(true);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atEnd) el.scrollTop = el.scrollHeight;
  }, [logs.text, atEnd]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => setAtEnd(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  const lines = logs.text ? logs.text.split('\n').length - (logs.text.endsWith('\n') ? 1 : 0) : 0;
  const following = !logs.complete && (active || attempt === currentAttempt);
  return (
    <Card className="min-w-0 scroll-mt-6 overflow-hidden" id="job-logs">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 px-5 py-3">
        <div className="flex items-center gap-2">
          <TerminalIcon className="size-4 text-zinc-400" />
          <h2 className="text-[15px] font-semibold text-zinc-900">Logs</h2>
          {following && active && !waiting ? (
            <Badge tone="blue" className="font-normal">
              <span aria-hidden="true" className="size-1.5 animate-pulse rounded-full bg-sky-500" /> Live
            </Badge>
          ) : logs.complete && notCollected[attempt] !== undefined ? (
            <Badge tone="amber" className="font-normal">
              <span data-testid="logs-not-collected" title={notCollected[attempt]}>
                Not collected
              </span>
            </Badge>
          ) : logs.complete ? (
            <Badge className="font-normal">
              <span data-testid="logs-complete">Complete</span>
            </Badge>
          ) : null}
          <span className="text-xs text-zinc-400 tabular-nums" data-testid="log-line-count">
            {lines.toLocaleString('en')} line{lines === 1 ? '' : 's'}
          </span>
        </div>
        {attempts > 1 && (
          <div role="group" aria-label="Attempt" className="inline-flex rounded-md p-0.5 ring-1 ring-inset ring-zinc-200">
            {Array.from({ length: attempts }, (_, i) => i + 1).map((a) => (
              <button
                key={a}
                type="button"
                aria-pressed={attempt === a}
                onClick={() => {
                  setChosen(a === currentAttempt ? null : a);
                  setAtEnd(true);
                }}
                className={cx(
                  'rounded px-2.5 py-1 text-[13px] font-medium transition-colors',
                  attempt === a ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900',
                )}
              >
                Attempt {a}
              </button>
            ))}
          </div>
        )}
      </div>
      <div className="relative bg-zinc-950">
        <pre
          ref={box}
          data-testid="job-logs"
          aria-live="off"
          className="max-h-[32rem] min-h-48 overflow-auto px-4 py-3 font-mono text-[12.5px] leading-5 whitespace-pre-wrap break-all text-zinc-200"
        >
          {logs.trimmed && <span className="text-zinc-500">… earlier output trimmed; the full log is in the run’s artifacts (gantry/logs){'\n'}</span>}
          {logs.text}
          {!logs.text && (
            <span className="flex items-center gap-2 text-zinc-500" data-testid="logs-empty">
              {logs.error ? (
                <span className="text-red-400">Could not read the log: {logs.error.message}</span>
              ) : waiting && attempt === currentAttempt ? (
                <>
                  <Spinner className="size-3.5" /> Waiting for the cluster… output appears when the job starts.
                </>
              ) : logs.complete ? (
                'No output.'
              ) : (
                <>
                  <Spinner className="size-3.5" /> Waiting for output…
                </>
              )}
            </span>
          )}
        </pre>
        {!atEnd && logs.text && (
          <button
            type="button"
            onClick={() => setAtEnd(true)}
            className="absolute right-4 bottom-3 inline-flex items-center gap-1 rounded-full bg-white/90 px-3 py-1 text-xs font-medium text-zinc-800 shadow ring-1 ring-zinc-900/10 hover:bg-white"
          >
            <ArrowDownIcon className="size-3.5" /> Jump to the end
          </button>
        )}
      </div>
    </Card>
  );
}
