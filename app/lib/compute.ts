import type { JobStatus } from '@/rules/job-status';

/** Job statuses, resources and commands as the clusters and jobs pages show and take them (money: rules/money.ts). */

// ---------------------------------------------------------------- job status

// The statuses are rules/job-status.ts; the pages take them from here, beside their labels.
export { ACTIVE_JOB_STATUSES, isActiveJob } from '@/rules/job-status';
/** Named apart from the generated GraphQL `JobStatus`, which is the same union. */
export type JobStatusValue = JobStatus;

const STATUS_LABEL: Record<JobStatusValue, string> = {
  queued: 'Queued',
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function jobStatusLabel(status: string): string {
  return STATUS_LABEL[status as JobStatusValue] ?? status;
}

/** "failed · OOMKilled": the status, with the reason when there is one. */
export function jobStatusText(status: string, reason?: string | null): string {
  return reason ? `${status} · ${reason}` : status;
}

/** Seconds a job has run: measured once it ended, counted up to `now` while it runs. */
export function jobRuntime(job: { status: string; startedAt: string | null; runtimeSeconds: number | null }, now: number): number | null {
  if (job.runtimeSeconds != null) return job.runtimeSeconds;
  if (job.startedAt && job.status === 'running') return Math.max(0, (now - new Date(job.startedAt).getTime()) / 1000);
  return null;
}

// ---------------------------------------------------------------- resources

/** "2 × nvidia-a100", "1 GPU", or null when the job asked for none. */
export function gpuText(count: number, type: string | null | undefined): string | null {
  if (!count) return null;
  return type ? `${count} × ${type}` : `${count} GPU${count === 1 ? '' : 's'}`;
}

/** Memory in MiB as people read it: "512 MiB", "2 GiB", "1.5 GiB". */
export function formatMiB(mib: number | null | undefined): string {
  if (mib == null || !Number.isFinite(mib)) return '—';
  if (mib >= 1024) {
    const gib = mib / 1024;
    return `${Number(gib.toFixed(gib >= 100 ? 0 : 1))} GiB`;
  }
  return `${Number(mib.toFixed(mib >= 10 ? 0 : 1))} MiB`;
}

export function formatCores(cores: number): string {
  return `${Number(cores.toFixed(2))} core${cores === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------- commands

/**
 * Splits a command line into its parts the way a POSIX shell does for plain
 * words and quotes (no variables, globs or pipes): whitespace separates parts,
 * '…' is literal, "…" allows \" \\ \$ \` escapes, a backslash outside quotes
 * escapes the next character. An unclosed quote is an error, not a guess.
 */
export function splitCommand(line: string): { parts: string[] } | { error: string } {
  const parts: string[] = [];
  let cur = '';
  let inPart = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
        i++;
        if (line[i] !== '\n') cur += line[i];
      } else cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inPart = true;
    } else if (ch === '\\') {
      if (i + 1 < line.length) {
        i++;
        if (line[i] !== '\n') cur += line[i];
        inPart = true;
      }
    } else if (/\s/.test(ch)) {
      if (inPart) parts.push(cur);
      cur = '';
      inPart = false;
    } else {
      cur += ch;
      inPart = true;
    }
  }
  if (quote) return { error: `Close the ${quote === '"' ? 'double' : 'single'} quote` };
  if (inPart) parts.push(cur);
  return { parts };
}

/**
 * The parts as one command line a shell would split back into the same parts:
 * plain words bare, text without `"`, `\`, `$` or backticks in double quotes (so
 * Python's 'strings' read naturally), anything else in single quotes.
 */
export function joinCommand(parts: readonly string[]): string {
  return parts
    .map((p) => {
      if (p !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(p)) return p;
      if (!/["\\$`]/.test(p)) return `"${p}"`;
      return `'${p.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}
