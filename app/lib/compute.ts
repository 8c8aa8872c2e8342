import type { JobStatus } from '@/rules/job-status';

/**
 * Money, resources and commands as the clusters and jobs pages show and take them.
 * Money is integer micro-dollars everywhere (1 USD = 1,000,000); conversions to
 * and from dollars work on digits, never on floats, so what an admin types is
 * exactly what is stored.
 */

export const MICROS_PER_DOLLAR = 1_000_000;

/** The same ceiling the server enforces on a price: $100,000 per unit-hour. */
export const MAX_PRICE_MICROS = 100_000_000_000;

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `micros` rounded half-up to `decimals` places of a dollar, as "12,345.67". */
function dollarsFixed(micros: number, decimals: 2 | 4): string {
  const unit = 10 ** (6 - decimals);
  const scaled = Math.round(Math.abs(micros) / unit);
  const whole = Math.floor(scaled / 10 ** decimals);
  const frac = String(scaled % 10 ** decimals).padStart(decimals, '0');
  return `${groupThousands(String(whole))}.${frac}`;
}

/**
 * A cost: `$1.23`, or four decimals under a cent (`$0.0042`) so a short job
 * does not read as free (`<$0.0001` below that). `null` (not measured yet) is a dash.
 */
export function formatMicros(micros: number | null | undefined): string {
  if (micros == null || !Number.isFinite(micros)) return '—';
  const sign = micros < 0 ? '-' : '';
  if (micros !== 0 && Math.abs(micros) < 50) return `${sign}<$0.0001`;
  const small = micros !== 0 && Math.abs(micros) < 10_000;
  return `${sign}$${dollarsFixed(micros, small ? 4 : 2)}`;
}

/** A price exactly as stored: at least two decimals, up to six (`$0.048`, `$2.50`, `$0.000125`). */
export function formatPriceMicros(micros: number): string {
  return `$${microsToDollars(micros, { minDecimals: 2, group: true })}`;
}

/** Integer micro-dollars as a plain decimal dollar string, exact: `2500000` → `"2.5"`. */
export function microsToDollars(micros: number, opts: { minDecimals?: number; group?: boolean } = {}): string {
  const n = Math.round(Math.abs(micros));
  const whole = Math.floor(n / MICROS_PER_DOLLAR);
  let frac = String(n % MICROS_PER_DOLLAR).padStart(6, '0').replace(/0+$/, '');
  const min = opts.minDecimals ?? 0;
  if (frac.length < min) frac = frac.padEnd(min, '0');
  const w = opts.group ? groupThousands(String(whole)) : String(whole);
  return `${micros < 0 ? '-' : ''}${w}${frac ? `.${frac}` : ''}`;
}

/**
 * What an admin typed as dollars, as integer micro-dollars, or a message saying
 * why not. Accepts "2.5", "$2.50", "1,200", ".75"; refuses more than six decimals
 * (a micro-dollar is the smallest unit) and negative amounts.
 */
export function parseDollars(text: string): { micros: number } | { error: string } {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '').trim();
  if (!t) return { error: 'Enter a price' };
  if (t.startsWith('-')) return { error: 'Prices cannot be negative' };
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return { error: 'Enter an amount in dollars, e.g. 2.50' };
  const frac = m[2] ?? '';
  if (frac.length > 6) return { error: 'At most 6 decimals (prices are whole micro-dollars)' };
  const whole = m[1] === '' ? 0 : Number(m[1]);
  const micros = whole * MICROS_PER_DOLLAR + Number(frac.padEnd(6, '0'));
  if (!Number.isSafeInteger(micros) || micros > MAX_PRICE_MICROS) return { error: 'At most $100,000 per hour' };
  return { micros };
}

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
