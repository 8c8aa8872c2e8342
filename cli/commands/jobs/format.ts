import { formatMicros } from '../../../rules/money';
import { CliError, EXIT } from '../../exit-codes';
import type { JobEvent, JobNode } from './queries';

/** 42s, 3m 05s, 2h 03m, 1d 04h. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** A running job has no measured runtime yet: count from its start. */
export function runtimeOf(j: Pick<JobNode, 'runtimeSeconds' | 'startedAt' | 'finishedAt'>): number | null {
  if (j.runtimeSeconds != null) return j.runtimeSeconds;
  if (!j.startedAt) return null;
  return ((j.finishedAt ? Date.parse(j.finishedAt) : Date.now()) - Date.parse(j.startedAt)) / 1000;
}

export const statusText = (j: { status: string; reason: string | null }) => (j.reason ? `${j.status} (${j.reason})` : j.status);
export const gpuText = (r: { gpuCount: number; gpuType: string | null }) => (r.gpuCount > 0 ? (r.gpuType ? `${r.gpuCount}×${r.gpuType}` : String(r.gpuCount)) : '-');
const clock = (iso: string) => iso.slice(11, 19);
export const fullTime = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '-');

export function eventLine(e: JobEvent, maxAttempts: number): string {
  const attempt = maxAttempts > 1 && e.attempt > 0 ? ` (attempt ${e.attempt} of ${maxAttempts})` : '';
  const detail = [e.reason, e.message].filter(Boolean).join(': ');
  return `==> ${clock(e.occurredAt)} ${e.status}${attempt}${detail ? `: ${detail}` : ''}`;
}

/** `Job job_… succeeded after 3m 05s, cost $0.0042. Run run_…, model version mv_… of churn.` */
export function successLine(j: JobNode): string {
  const runtime = runtimeOf(j);
  const head = [`Job ${j.id} ${j.status}`, runtime != null ? ` after ${formatDuration(runtime)}` : '', j.costMicros != null ? `, cost ${formatMicros(j.costMicros)}` : ''].join('');
  const made = [j.runId ? `Run ${j.runId}` : null, j.modelVersionId ? `model version ${j.modelVersionId}${j.registerModelName ? ` of ${j.registerModelName}` : ''}` : null].filter(Boolean);
  return `${head}.${made.length ? ` ${made.join(', ')}.` : ''}`;
}

/** A failure's lines of log, indented under the line that introduces them. */
export const indentDetail = (detail: string, by = '    ') => detail.split('\n').map((l) => `${by}${l}`).join('\n');

export function jobFailed(j: JobNode): CliError {
  const message = `Job ${j.id} ${statusText(j)}${j.message ? `: ${j.message}` : ''}.`;
  const why = j.status === 'failed' && j.failureDetail ? `${indentDetail(j.failureDetail, '  ')}\n` : '';
  return new CliError('JOB_FAILED', message, EXIT.JOB_FAILED, {
    hint: `${why}Details: gantry jobs show ${j.id}`,
    details: { jobId: j.id, status: j.status, reason: j.reason, attempt: j.attempt, failureDetail: j.failureDetail },
  });
}
