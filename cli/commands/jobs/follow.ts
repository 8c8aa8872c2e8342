import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../../command';
import { CliError, EXIT, type ExitCode } from '../../exit-codes';
import { callGraphQL } from '../../graphql-call';
import { isEndedJob } from '../../../rules/job-status';
import { eventLine, jobFailed, successLine } from './format';
import { JOB_FOLLOW_QUERY, JOB_SHOW_QUERY, JOB_WATCH_QUERY, type FollowedJob, type JobNode, type LogChunk } from './queries';

const POLL_MS = 1000;
/** Consecutive failed polls (server restarting, network gone) a follower sits out before giving up. */
const MAX_POLL_FAILURES = 30;

/** Ctrl-C while following: stop asking, leave the job alone. A second Ctrl-C kills as usual. */
function interruptOnSigint() {
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const aborted = new Promise<'interrupted'>((resolve) => ac.signal.addEventListener('abort', () => resolve('interrupted'), { once: true }));
  return { signal: ac.signal, aborted, dispose: () => process.removeListener('SIGINT', onSigint) };
}

const interrupted = (id: string) =>
  new CliError('INTERRUPTED', `Stopped following job ${id}; the job keeps running.`, EXIT.INTERRUPTED, {
    hint: `Cancel it with:  gantry jobs cancel ${id}\nFollow it again: gantry jobs logs ${id} --follow`,
  });

/**
 * Log text on its way to stdout. A key cut in two by a chunk boundary would escape
 * redaction, so a trailing `gty_…` waits for the rest of it.
 */
export function logWriter(ctx: Context) {
  let carry = '';
  let last = '\n';
  return {
    write(text: string) {
      let s = carry + text;
      carry = '';
      const tail = /gty_[0-9A-Za-z_]*$/.exec(s);
      if (tail) {
        carry = tail[0];
        s = s.slice(0, tail.index);
      }
      if (s) last = s;
      ctx.out.stream(s);
    },
    /** Writes what is held back, and ends the output with a newline so the shell prompt starts on its own line. */
    end() {
      if (carry) last = carry;
      ctx.out.stream(carry);
      carry = '';
      if (!last.endsWith('\n')) ctx.out.stream('\n');
      last = '\n';
    },
  };
}

/**
 * Polls the job every second until it has ended (and, with `logs`, until its log has
 * been read to the end), printing new status events and log text as they come.
 * Resolves to the ended job.
 */
export async function follow(ctx: Context, jobId: string, opts: { logs: boolean; events: boolean; attempt?: number; seenEvents?: number }): Promise<JobNode> {
  const stop = interruptOnSigint();
  const log = logWriter(ctx);
  const guard = async <T>(p: Promise<T>): Promise<T> => {
    const r = await Promise.race([p, stop.aborted]);
    if (r === 'interrupted' || stop.signal.aborted) {
      // The request in flight is left to finish on its own; nobody waits for it.
      p.catch(() => {});
      throw interrupted(jobId);
    }
    return r as T;
  };
  try {
    let seen = opts.seenEvents ?? 0;
    let reading = opts.attempt;
    let offset = 0;
    let failures = 0;
    let idleAfterEnd = 0;
    for (let wait = 0; ; wait = POLL_MS) {
      if (wait) await guard(sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined));
      let data: { job: FollowedJob; jobLogs?: LogChunk };
      try {
        data = opts.logs
          ? await guard(callGraphQL<{ job: FollowedJob; jobLogs: LogChunk }>(ctx, JOB_FOLLOW_QUERY, { id: jobId, offset, attempt: reading }))
          : await guard(callGraphQL<{ job: FollowedJob }>(ctx, JOB_WATCH_QUERY, { id: jobId }));
      } catch (e) {
        // A server restarting or a network blip does not end a long follow; anything else does.
        if (!(e instanceof CliError) || e.exitCode !== EXIT.UNAVAILABLE || ++failures >= MAX_POLL_FAILURES) throw e;
        if (failures === 1) ctx.out.warn(e.code, `${e.message} Still trying.`);
        // A rate limit says when to come back; the loop's own pause follows.
        if (e.retryAfterSeconds) await guard(sleep(e.retryAfterSeconds * 1000, undefined, { signal: stop.signal }).catch(() => undefined));
        continue;
      }
      failures = 0;
      const { job, jobLogs } = data;
      if (opts.events) {
        for (const ev of job.events.slice(seen)) ctx.out.progress(eventLine(ev, job.maxAttempts));
        seen = Math.max(seen, job.events.length);
      }
      const ended = isEndedJob(job.status);
      if (!jobLogs) {
        if (ended) break;
        continue;
      }
      log.write(jobLogs.text);
      reading = jobLogs.attempt;
      offset = jobLogs.nextOffset;
      const drained = jobLogs.complete || jobLogs.text === '';
      if (opts.attempt !== undefined) {
        // One attempt's log: it is over once read to the end, or once the job has moved past it.
        if (jobLogs.complete || (drained && job.attempt > opts.attempt)) break;
      } else if (reading < job.attempt && drained) {
        // A retry started: finish the old attempt's log, then read the next one from its start.
        log.end();
        ctx.out.progress(`==> log of attempt ${reading + 1} of ${job.maxAttempts}`);
        reading += 1;
        offset = 0;
        continue;
      } else if (jobLogs.complete) break;
      // The server says `complete` once an ended job's log is read; never poll an ended job forever.
      if (ended && jobLogs.text === '' && ++idleAfterEnd >= 3) break;
    }
    log.end();
  } finally {
    stop.dispose();
  }
  return (await callGraphQL<{ job: JobNode }>(ctx, JOB_SHOW_QUERY, { id: jobId })).job;
}

/** The result of a followed job: the job as JSON or a summary line, exit 7 unless it succeeded. */
export function reportEnded(ctx: Context, job: JobNode, attempt?: number): ExitCode {
  if (ctx.out.json) ctx.out.result('', { job });
  if (job.status === 'succeeded') {
    ctx.out.progress(`==> ${successLine(job)}`);
    return EXIT.OK;
  }
  if (!isEndedJob(job.status)) {
    // Only one attempt was followed (--attempt) and the job went on to retry.
    ctx.out.progress(`==> Attempt ${attempt} is over; job ${job.id} is ${job.status}, attempt ${job.attempt} of ${job.maxAttempts}.`);
    return EXIT.OK;
  }
  ctx.out.error(jobFailed(job));
  return EXIT.JOB_FAILED;
}
