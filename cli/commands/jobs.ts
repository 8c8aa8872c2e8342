import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command, Context, OptionValues } from '../command';
import { CliError, EXIT, usageError, type ExitCode } from '../exit-codes';
import { callGraphQL } from '../graphql-call';
import { readStdin } from '../prompt';
import { formatTable, shortTime } from '../table';
import { formatMicros } from '../../rules/money';

export const JOB_STATUSES = ['queued', 'pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const ENDED = new Set<string>(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 1000;
/** Consecutive failed polls (server restarting, network gone) a follower sits out before giving up. */
const MAX_POLL_FAILURES = 30;

const EVENT_FIELDS = 'events { status attempt reason message occurredAt }';
const JOB_FIELDS = `id name kind status reason message attempt maxAttempts projectId
    cluster { id name }
    image command resources { cpu memoryMiB gpuCount gpuType } maxRuntimeSeconds
    hyperparameters { key value }
    experimentId runId registerModelName modelVersionId
    createdAt startedAt finishedAt runtimeSeconds cpuSeconds peakMemoryMiB costMicros cancelRequested
    ${EVENT_FIELDS}`;

export const SUBMIT_JOB_MUTATION = `mutation SubmitJob($input: SubmitTrainingJobInput!) {
  submitTrainingJob(input: $input) { ${JOB_FIELDS} }
}`;

export const JOBS_LIST_QUERY = `query Jobs($first: Int, $status: [JobStatus!]) {
  jobs(first: $first, status: $status) {
    edges { node { id name status reason cluster { name } resources { gpuCount gpuType } runtimeSeconds startedAt finishedAt costMicros createdAt } }
    pageInfo { hasNextPage }
  }
}`;

export const JOB_SHOW_QUERY = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;

const LOG_FIELDS = 'jobLogs(jobId: $id, offset: $offset, attempt: $attempt) { text nextOffset attempt complete }';
export const JOB_LOGS_QUERY = `query JobLogs($id: ID!, $offset: Float, $attempt: Int) { ${LOG_FIELDS} }`;

/** One request per poll while following: where the job is, and its log from where we left off. */
export const JOB_FOLLOW_QUERY = `query JobFollow($id: ID!, $offset: Float, $attempt: Int) {
  job(id: $id) { id status attempt maxAttempts ${EVENT_FIELDS} }
  ${LOG_FIELDS}
}`;
/** Following with --json: no log is printed, so none is read. */
export const JOB_WATCH_QUERY = `query JobWatch($id: ID!) { job(id: $id) { id status attempt maxAttempts ${EVENT_FIELDS} } }`;

export const CANCEL_JOB_MUTATION = `mutation CancelJob($id: ID!, $reason: String) {
  cancelJob(id: $id, reason: $reason) { ${JOB_FIELDS} }
}`;

interface JobEvent {
  status: string;
  attempt: number;
  reason: string | null;
  message: string | null;
  occurredAt: string;
}
interface JobNode {
  id: string;
  name: string;
  kind: string;
  status: string;
  reason: string | null;
  message: string | null;
  attempt: number;
  maxAttempts: number;
  projectId: string;
  cluster: { id: string; name: string };
  image: string;
  command: string[];
  resources: { cpu: number; memoryMiB: number; gpuCount: number; gpuType: string | null };
  maxRuntimeSeconds: number;
  hyperparameters: { key: string; value: string }[];
  experimentId: string;
  runId: string | null;
  registerModelName: string | null;
  modelVersionId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  runtimeSeconds: number | null;
  cpuSeconds: number | null;
  peakMemoryMiB: number | null;
  /** The `Micros` scalar: micro-dollars as a string of digits. */
  costMicros: string | null;
  cancelRequested: boolean;
  events: JobEvent[];
}
type JobListNode = Pick<JobNode, 'id' | 'name' | 'status' | 'reason' | 'runtimeSeconds' | 'startedAt' | 'finishedAt' | 'costMicros' | 'createdAt'> & {
  cluster: { name: string };
  resources: Pick<JobNode['resources'], 'gpuCount' | 'gpuType'>;
};
interface LogChunk {
  text: string;
  nextOffset: number;
  attempt: number;
  complete: boolean;
}
type FollowedJob = Pick<JobNode, 'id' | 'status' | 'attempt' | 'maxAttempts' | 'events'>;

// ---- formatting ---------------------------------------------------------------------------

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
function runtimeOf(j: Pick<JobNode, 'runtimeSeconds' | 'startedAt' | 'finishedAt'>): number | null {
  if (j.runtimeSeconds != null) return j.runtimeSeconds;
  if (!j.startedAt) return null;
  return ((j.finishedAt ? Date.parse(j.finishedAt) : Date.now()) - Date.parse(j.startedAt)) / 1000;
}

const statusText = (j: { status: string; reason: string | null }) => (j.reason ? `${j.status} (${j.reason})` : j.status);
const gpuText = (r: { gpuCount: number; gpuType: string | null }) => (r.gpuCount > 0 ? (r.gpuType ? `${r.gpuCount}×${r.gpuType}` : String(r.gpuCount)) : '-');
const clock = (iso: string) => iso.slice(11, 19);
const fullTime = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '-');

function eventLine(e: JobEvent, maxAttempts: number): string {
  const attempt = maxAttempts > 1 && e.attempt > 0 ? ` (attempt ${e.attempt} of ${maxAttempts})` : '';
  const detail = [e.reason, e.message].filter(Boolean).join(': ');
  return `==> ${clock(e.occurredAt)} ${e.status}${attempt}${detail ? `: ${detail}` : ''}`;
}

/** `Job job_… succeeded after 3m 05s, cost $0.0042. Run run_…, model version mv_… of churn.` */
function successLine(j: JobNode): string {
  const runtime = runtimeOf(j);
  const head = [`Job ${j.id} ${j.status}`, runtime != null ? ` after ${formatDuration(runtime)}` : '', j.costMicros != null ? `, cost ${formatMicros(j.costMicros)}` : ''].join('');
  const made = [j.runId ? `Run ${j.runId}` : null, j.modelVersionId ? `model version ${j.modelVersionId}${j.registerModelName ? ` of ${j.registerModelName}` : ''}` : null].filter(Boolean);
  return `${head}.${made.length ? ` ${made.join(', ')}.` : ''}`;
}

function jobFailed(j: JobNode): CliError {
  const message = `Job ${j.id} ${statusText(j)}${j.message ? `: ${j.message}` : ''}.`;
  return new CliError('JOB_FAILED', message, EXIT.JOB_FAILED, {
    hint: `Details: gantry jobs show ${j.id}`,
    details: { jobId: j.id, status: j.status, reason: j.reason, attempt: j.attempt },
  });
}

// ---- the job file -------------------------------------------------------------------------

/** What a field holds: text, a number, a list, a map of names to values, an object of known keys, a list of such objects. */
type Field = 'text' | 'number' | 'list' | 'map' | { object: Record<string, Field> } | { listOf: Record<string, Field> };

/**
 * The keys of a job spec (core/training/job-spec.ts `jobSpecSchema`). The CLI checks
 * a file's keys and structure, which it needs to build the GraphQL input; the values
 * are the server's to judge.
 */
export const JOB_SPEC_FIELDS: Record<string, Field> = {
  name: 'text',
  project: 'text',
  cluster: 'text',
  image: 'text',
  command: 'list',
  args: 'list',
  env: 'map',
  resources: { object: { cpu: 'number', memoryMiB: 'number', gpu: { object: { count: 'number', type: 'text' } } } },
  maxRuntimeSeconds: 'number',
  retries: 'number',
  hyperparameters: 'map',
  inputs: { listOf: { name: 'text', source: 'text', digest: 'text' } },
  experiment: 'text',
  registerModel: { object: { name: 'text', artifactPath: 'text' } },
};

type Spec = Record<string, unknown>;
type Segment = string | number;
/** `file:line:col` of a key or value in the job file, if it came from the file (not from --set). */
type Locate = (at: Segment[], what?: 'key' | 'value') => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const dotted = (at: Segment[]) => at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

function fileProblem(file: string, problems: { at?: string; message: string }[], hint?: string): CliError {
  const [first, ...rest] = problems;
  const line = (p: { at?: string; message: string }) => `${p.at ?? file}: ${p.message}`;
  const message = rest.length ? `${line(first!)}\n${rest.map((p) => `  ${line(p)}`).join('\n')}` : line(first!);
  return usageError(message, hint);
}

/**
 * Parses a YAML (or JSON, which YAML reads too) job file. Syntax errors and a
 * top level that is not a mapping are usage errors with the line and column.
 */
export async function parseJobFile(text: string, file: string): Promise<{ spec: Spec; locate: Locate }> {
  // yaml is only needed by `jobs submit`; loading it costs every other command startup time.
  const { LineCounter, parseDocument, isMap, isPair, isScalar: isYamlScalar } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const [what, context] = e.message.split(/ at line \d+, column \d+:\n\n/);
      const pos = e.linePos?.[0];
      return { at: pos ? `${file}:${pos.line}:${pos.col}` : file, message: what!, context };
    });
    throw fileProblem(file, problems, problems[0]!.context?.trimEnd());
  }
  const spec: unknown = doc.toJS();
  if (spec === null || spec === undefined) throw usageError(`${file} is empty.`, 'A job needs at least a project and a command; see gantry jobs --help.');
  if (!isObject(spec)) throw usageError(`${file}: the job spec must be a mapping of keys (project:, command:, ...), not a ${Array.isArray(spec) ? 'list' : 'single value'}.`);

  const position = (node: unknown) => {
    const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const locate: Locate = (at, what = 'value') => {
    // A list item is its own node; a map entry is a pair whose key or value is wanted.
    if (typeof at.at(-1) === 'number') return position(doc.getIn(at, true));
    const parent = doc.getIn(at.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find((p) => isPair(p) && isYamlScalar(p.key) && String(p.key.value) === String(at.at(-1)));
    return position(what === 'key' ? pair?.key : pair?.value);
  };
  return { spec, locate };
}

/** Unknown keys and wrong shapes, every one of them, so a file is fixed in one go. */
function checkShape(value: Record<string, unknown>, fields: Record<string, Field>, at: Segment[], locate: Locate, problems: { at?: string; message: string }[]) {
  const where = at.length ? ` in ${dotted(at)}` : '';
  for (const [key, v] of Object.entries(value)) {
    const field = fields[key];
    const here = [...at, key];
    if (!field) {
      problems.push({ at: locate(here, 'key'), message: `unknown key '${key}'${where}. Allowed keys${where}: ${Object.keys(fields).join(', ')}.` });
      continue;
    }
    if (v === null || v === undefined) continue;
    const name = dotted(here);
    if (field === 'list') {
      if (!Array.isArray(v)) problems.push({ at: locate(here), message: `${name} must be a list, e.g. ${key}: [python, train.py]` });
    } else if (field === 'map') {
      if (!isObject(v)) problems.push({ at: locate(here), message: `${name} must be a mapping of names to values, e.g. ${key}: {NAME: value}` });
      else if (key === 'env') {
        // GraphQL carries env as {key, value} strings; an unquoted 8080 would be rejected without its name.
        for (const [k, val] of Object.entries(v)) {
          if (typeof val !== 'string') problems.push({ at: locate([...here, k]), message: `env.${k} must be a string; quote it: ${k}: "${val === null ? '' : String(val)}"` });
        }
      } else {
        for (const [k, val] of Object.entries(v)) {
          if (!isScalar(val)) problems.push({ at: locate([...here, k]), message: `${name}.${k} must be a string, number or true/false` });
        }
      }
    } else if (typeof field === 'object') {
      if ('object' in field) {
        if (!isObject(v)) problems.push({ at: locate(here), message: `${name} must be a mapping with keys ${Object.keys(field.object).join(', ')}` });
        else checkShape(v, field.object, here, locate, problems);
      } else if (!Array.isArray(v)) {
        problems.push({ at: locate(here), message: `${name} must be a list of mappings with keys ${Object.keys(field.listOf).join(', ')}` });
      } else {
        v.forEach((item, i) => {
          if (!isObject(item)) problems.push({ at: locate([...here, i]), message: `${name}[${i}] must be a mapping with keys ${Object.keys(field.listOf).join(', ')}` });
          else checkShape(item, field.listOf, [...here, i], locate, problems);
        });
      }
    }
  }
}

/**
 * `--set a.b=value`: dots reach into objects; in env and hyperparameters the rest of
 * the path is the name (hyperparameter names may contain dots). Text fields and
 * env and hyperparameter values take the text as given; numbers, lists and objects
 * are read as YAML (`2`, `[python, train.py]`, `{count: 1}`).
 */
export async function applySet(spec: Spec, assignment: string): Promise<void> {
  const eq = assignment.indexOf('=');
  const keyPath = eq === -1 ? '' : assignment.slice(0, eq).trim();
  if (!keyPath || keyPath.split('.').some((s) => s === '')) {
    throw usageError(`--set expects key=value, got '${assignment}'.`, 'For example: --set hyperparameters.lr=0.01 --set resources.gpu.count=2');
  }
  const raw = assignment.slice(eq + 1);
  const [top, ...rest] = keyPath.split('.');
  const field = JOB_SPEC_FIELDS[top!];
  if (!field) throw usageError(`--set ${keyPath}: unknown key '${top}'. Allowed keys: ${Object.keys(JOB_SPEC_FIELDS).join(', ')}.`);
  if (field === 'map') {
    if (rest.length === 0) throw usageError(`--set ${keyPath}: name the entry, e.g. --set ${top}.NAME=value`);
    const map = isObject(spec[top!]) ? (spec[top!] as Record<string, unknown>) : {};
    map[rest.join('.')] = raw;
    spec[top!] = map;
    return;
  }
  const read = async (f: Field): Promise<unknown> => {
    if (f === 'text') return raw;
    const { parse } = await import('yaml');
    try {
      return parse(raw);
    } catch {
      throw usageError(`--set ${keyPath}: '${raw}' is not a valid YAML value.`, `For example: --set 'command=[python, train.py]'`);
    }
  };
  let target = spec;
  let fields: Record<string, Field> = JOB_SPEC_FIELDS;
  for (let i = 0; i < rest.length + 1; i++) {
    const key = i === 0 ? top! : rest[i - 1]!;
    const f = fields[key];
    if (!f) throw usageError(`--set ${keyPath}: unknown key '${key}'. Allowed keys here: ${Object.keys(fields).join(', ')}.`);
    if (i === rest.length) {
      target[key] = await read(f);
      return;
    }
    if (typeof f !== 'object' || !('object' in f)) throw usageError(`--set ${keyPath}: ${key} has no fields to set; set it whole, e.g. --set '${key}=[...]'`);
    if (!isObject(target[key])) target[key] = {};
    target = target[key] as Record<string, unknown>;
    fields = f.object;
  }
}

/** The file's spec as `SubmitTrainingJobInput`: maps become {key, value} lists, `resources.gpu` becomes gpuCount/gpuType. */
export function toSubmitInput(spec: Spec): Record<string, unknown> {
  const input: Record<string, unknown> = { ...spec };
  const pairs = (m: unknown, text: (v: unknown) => unknown) => (isObject(m) ? Object.entries(m).map(([key, value]) => ({ key, value: text(value) })) : m);
  if ('env' in spec) input.env = pairs(spec.env, (v) => v);
  // The spec turns hyperparameter numbers and booleans into text; GraphQL carries text only.
  if ('hyperparameters' in spec) input.hyperparameters = pairs(spec.hyperparameters, (v) => (isScalar(v) ? String(v) : v));
  if (isObject(spec.resources)) {
    const { gpu, ...rest } = spec.resources;
    input.resources = { ...rest, ...(isObject(gpu) ? { gpuCount: gpu.count, gpuType: gpu.type } : {}) };
  }
  return input;
}

async function loadSpec(ctx: Context, file: string, sets: string[]): Promise<{ spec: Spec; locate: Locate; shown: string }> {
  let text: string;
  const shown = file === '-' ? 'stdin' : file;
  if (file === '-') text = await readStdin(ctx.stdin);
  else {
    try {
      text = await readFile(path.resolve(process.cwd(), file), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw usageError(`Cannot read ${file}: ${why}.`);
    }
  }
  const { spec, locate } = await parseJobFile(text, shown);
  for (const s of sets) await applySet(spec, s);
  const problems: { at?: string; message: string }[] = [];
  checkShape(spec, JOB_SPEC_FIELDS, [], locate, problems);
  if (problems.length) throw fileProblem(shown, problems, problems.some((p) => p.message.startsWith('unknown key')) ? 'The job spec format is in gantry jobs --help.' : undefined);
  return { spec, locate, shown };
}

/** The server's field issues (`extensions.fields`), each with its place in the file when it has one. */
function withFieldIssues(e: unknown, locate: Locate): unknown {
  if (!(e instanceof CliError) || !Array.isArray(e.details?.fields)) return e;
  const lines = (e.details.fields as { path?: unknown; message?: unknown }[]).map((f) => {
    const p = typeof f.path === 'string' ? f.path : '';
    const [top = '', ...rest] = p.split('.');
    // Map keys (hyperparameter names) may themselves contain dots.
    const segments = JOB_SPEC_FIELDS[top] === 'map' ? [top, rest.join('.')] : [top, ...rest.map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
    const at = p ? locate(segments) : undefined;
    return `  ${p || '(job)'}${at ? ` (${at})` : ''}: ${String(f.message ?? '')}`;
  });
  return new CliError(e.code, e.message, e.exitCode, {
    fromServer: e.fromServer,
    hint: lines.join('\n'),
    ...(e.details ? { details: e.details } : {}),
    ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
  });
}

// ---- following ----------------------------------------------------------------------------

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
function logWriter(ctx: Context) {
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
async function follow(ctx: Context, jobId: string, opts: { logs: boolean; events: boolean; attempt?: number; seenEvents?: number }): Promise<JobNode> {
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
      const ended = ENDED.has(job.status);
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
function reportEnded(ctx: Context, job: JobNode, attempt?: number): ExitCode {
  if (ctx.out.json) ctx.out.result('', { job });
  if (job.status === 'succeeded') {
    ctx.out.progress(`==> ${successLine(job)}`);
    return EXIT.OK;
  }
  if (!ENDED.has(job.status)) {
    // Only one attempt was followed (--attempt) and the job went on to retry.
    ctx.out.progress(`==> Attempt ${attempt} is over; job ${job.id} is ${job.status}, attempt ${job.attempt} of ${job.maxAttempts}.`);
    return EXIT.OK;
  }
  ctx.out.error(jobFailed(job));
  return EXIT.JOB_FAILED;
}

// ---- subcommands --------------------------------------------------------------------------

async function submit(ctx: Context, values: OptionValues): Promise<ExitCode | void> {
  const file = values.file;
  if (typeof file !== 'string' || file === '') throw usageError('Give the job spec file with -f FILE.', 'Usage: gantry jobs submit -f job.yaml [--follow] [--set key=value ...]');
  const { spec, locate } = await loadSpec(ctx, file, (values.set as string[] | undefined) ?? []);
  let job: JobNode;
  try {
    job = (await callGraphQL<{ submitTrainingJob: JobNode }>(ctx, SUBMIT_JOB_MUTATION, { input: toSubmitInput(spec) })).submitTrainingJob;
  } catch (e) {
    throw withFieldIssues(e, locate);
  }
  if (!values.follow) {
    ctx.out.result(
      [
        `Submitted job ${job.id} (${job.name}) to cluster ${job.cluster.name}: ${statusText(job)}.`,
        `Follow it:  gantry jobs logs ${job.id} --follow`,
        `Cancel it:  gantry jobs cancel ${job.id}`,
      ].join('\n'),
      { job },
    );
    return;
  }
  ctx.out.progress(`==> Submitted job ${job.id} (${job.name}) to cluster ${job.cluster.name}. Ctrl-C stops following; the job keeps running.`);
  for (const ev of job.events) ctx.out.progress(eventLine(ev, job.maxAttempts));
  const ended = await follow(ctx, job.id, { logs: !ctx.out.json, events: true, seenEvents: job.events.length });
  return reportEnded(ctx, ended);
}

function limitOf(values: OptionValues): number {
  const raw = values.limit;
  if (raw === undefined) return 50;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw usageError(`--limit must be a whole number from 1 to 100, got '${String(raw)}'.`);
  return n;
}

function statusesOf(values: OptionValues): string[] | undefined {
  const raw = (values.status as string[] | undefined) ?? [];
  const statuses = raw.flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = statuses.find((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (bad) throw usageError(`Unknown status '${bad}'.`, `Statuses: ${JOB_STATUSES.join(', ')}.`);
  return statuses.length ? [...new Set(statuses)] : undefined;
}

async function list(ctx: Context, values: OptionValues) {
  const status = statusesOf(values);
  const data = await callGraphQL<{ jobs: { edges: { node: JobListNode }[]; pageInfo: { hasNextPage: boolean } } }>(ctx, JOBS_LIST_QUERY, { first: limitOf(values), status });
  const jobs = data.jobs.edges.map((e) => e.node);
  const more = data.jobs.pageInfo.hasNextPage;
  const human = jobs.length
    ? formatTable([
        ['ID', 'NAME', 'STATUS', 'CLUSTER', 'GPU', 'RUNTIME', 'COST', 'CREATED'],
        ...jobs.map((j) => [j.id, j.name, statusText(j), j.cluster.name, gpuText(j.resources), formatDuration(runtimeOf(j)), formatMicros(j.costMicros, '-'), shortTime(j.createdAt)]),
      ]) + (more ? '\n(more jobs: raise --limit or narrow with --status)' : '')
    : status
      ? `No ${status.join(' or ')} jobs.`
      : 'No jobs.';
  ctx.out.result(human, { jobs, hasMore: more });
}

async function show(ctx: Context, id: string) {
  const { job } = await callGraphQL<{ job: JobNode }>(ctx, JOB_SHOW_QUERY, { id });
  const r = job.resources;
  const resources = [`${r.cpu} CPU`, `${r.memoryMiB} MiB`, ...(r.gpuCount > 0 ? [`${r.gpuCount} GPU${r.gpuCount > 1 ? 's' : ''}${r.gpuType ? ` (${r.gpuType})` : ''}`] : [])].join(', ');
  const measured = [
    job.cpuSeconds != null ? `CPU time ${formatDuration(job.cpuSeconds)}` : null,
    job.peakMemoryMiB != null ? `peak memory ${Math.round(job.peakMemoryMiB)} MiB` : null,
  ].filter(Boolean);
  const lines = [
    `Job ${job.name} (${job.id})`,
    `  Status:         ${statusText(job)}${job.message ? `: ${job.message}` : ''}${job.cancelRequested && !ENDED.has(job.status) ? ' (cancel requested)' : ''}`,
    `  Attempt:        ${job.attempt} of ${job.maxAttempts}`,
    `  Project:        ${job.projectId}`,
    `  Cluster:        ${job.cluster.name} (${job.cluster.id})`,
    ...(job.image ? [`  Image:          ${job.image}`] : []),
    `  Command:        ${job.command.join(' ')}`,
    `  Resources:      ${resources}`,
    `  Max runtime:    ${formatDuration(job.maxRuntimeSeconds)}`,
    `  Hyperparams:    ${job.hyperparameters.map((h) => `${h.key}=${h.value}`).join(', ') || '-'}`,
    `  Created:        ${fullTime(job.createdAt)}   Started: ${fullTime(job.startedAt)}   Finished: ${fullTime(job.finishedAt)}`,
    `  Runtime:        ${formatDuration(runtimeOf(job))}${measured.length ? ` (${measured.join(', ')})` : ''}`,
    `  Cost:           ${formatMicros(job.costMicros, '-')}`,
    `  Experiment:     ${job.experimentId}`,
    `  Run:            ${job.runId ?? '-'}`,
    `  Model version:  ${job.modelVersionId ? `${job.modelVersionId}${job.registerModelName ? ` (${job.registerModelName})` : ''}` : job.registerModelName ? `- (registers ${job.registerModelName} on success)` : '-'}`,
    '',
    'Timeline:',
    job.events.length
      ? formatTable([['TIME', 'STATUS', 'ATTEMPT', 'REASON', 'MESSAGE'], ...job.events.map((e) => [fullTime(e.occurredAt), e.status, String(e.attempt), e.reason ?? '-', e.message ?? ''])])
      : '  none',
  ];
  ctx.out.result(lines.join('\n'), { job });
}

function attemptOf(values: OptionValues): number | undefined {
  if (values.attempt === undefined) return undefined;
  const n = Number(values.attempt);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--attempt must be a whole number from 1, got '${String(values.attempt)}'.`);
  return n;
}

async function logs(ctx: Context, id: string, values: OptionValues): Promise<ExitCode | void> {
  const attempt = attemptOf(values);
  if (values.follow) {
    if (ctx.out.json) throw usageError('--follow streams the log as text; --json cannot stream.', `Drop --follow for the log so far as JSON, or wait with: gantry jobs logs ${id} --follow`);
    return reportEnded(ctx, await follow(ctx, id, { logs: true, events: false, attempt }), attempt);
  }
  // The server answers at most 256 KiB a time: read until it has nothing more.
  let offset = 0;
  let text = '';
  let chunk: LogChunk;
  const log = logWriter(ctx);
  do {
    chunk = (await callGraphQL<{ jobLogs: LogChunk }>(ctx, JOB_LOGS_QUERY, { id, offset, attempt })).jobLogs;
    text += chunk.text;
    offset = chunk.nextOffset;
    if (!ctx.out.json) log.write(chunk.text);
  } while (chunk.text !== '' && !chunk.complete);
  if (ctx.out.json) ctx.out.result('', { jobId: id, attempt: chunk.attempt, text, nextOffset: offset, complete: chunk.complete });
  else if (text !== '') log.end();
  else ctx.out.progress(chunk.complete ? `(attempt ${chunk.attempt} of job ${id} wrote no log)` : `(no log yet from attempt ${chunk.attempt} of job ${id})`);
}

async function cancel(ctx: Context, id: string, values: OptionValues) {
  const reason = typeof values.reason === 'string' ? values.reason : undefined;
  const { cancelJob: job } = await callGraphQL<{ cancelJob: JobNode }>(ctx, CANCEL_JOB_MUTATION, { id, reason });
  const human = ENDED.has(job.status)
    ? `Job ${job.id} had already ended (${statusText(job)}); nothing to cancel.`
    : `Cancellation requested for job ${job.id} (${job.status}); it ends 'cancelled' once its workload has stopped.\nWatch it:  gantry jobs show ${job.id}`;
  ctx.out.result(human, { job, alreadyEnded: ENDED.has(job.status) });
}

/** Which subcommand takes which flag, so a flag given to the wrong one is an error, not ignored. */
const FLAGS: Record<string, string[]> = {
  submit: ['file', 'follow', 'set'],
  ls: ['status', 'limit'],
  show: [],
  logs: ['follow', 'attempt'],
  cancel: ['reason'],
};
const GLOBAL = new Set(['url', 'json', 'help', 'version']);

export const jobs: Command = {
  name: 'jobs',
  summary: 'Submit training jobs, follow their logs, list, inspect and cancel them',
  usage: 'gantry jobs submit -f FILE [--follow] [--set key=value ...] | ls [--status S] [--limit N] | show <id> | logs <id> [--follow] [--attempt N] | cancel <id> [--reason TEXT]',
  help: `Subcommands:
  submit -f FILE       submit a job from a YAML or JSON spec (format below)
  ls                   jobs, newest first: status (with reason), cluster, GPUs, runtime, cost
  show <id>            spec, status timeline, run and model version of one job
  logs <id>            the job's combined stdout/stderr (the current attempt unless --attempt)
  cancel <id>          stop a queued or running job; it ends 'cancelled'

Flags:
  -f, --file FILE    submit: the job spec, relative to the current directory ('-' reads stdin)
  --set KEY=VALUE    submit: override a field of the file; dots reach into objects and maps
                     (hyperparameters.lr=0.01, resources.gpu.count=2, env.LOG_LEVEL=debug).
                     Repeatable.
  --follow           submit, logs: wait for the job to end, printing its log on stdout and
                     (submit) status changes on stderr; exit 0 if it succeeded, 7 if it
                     failed or was cancelled. Ctrl-C stops following (exit 130) and leaves
                     the job running. submit --follow --json prints the ended job only.
  --status S         ls: only jobs in these states (comma-separated or repeated):
                     ${JOB_STATUSES.join(', ')}
  --limit N          ls: jobs to list (1-100, default 50)
  --attempt N        logs: the log of attempt N (a job with retries has one per attempt)
  --reason TEXT      cancel: why, kept in the audit log

Job spec (the fields of the submitTrainingJob mutation; project and command are required,
the server checks the values and names the fields it rejects):
  name: churn-xgb                    # default: the command line
  project: churn                     # project ID or slug
  cluster: local                     # cluster ID or name (default: local)
  image: python:3.12-slim            # required on Kubernetes clusters
  command: [python, train.py]
  args: ["--epochs", "10"]           # strings: quote numbers
  env: {LOG_LEVEL: debug}            # string values; GANTRY_* and MLFLOW_* are set by Gantry
  resources: {cpu: 2, memoryMiB: 4096, gpu: {count: 1, type: nvidia-a100}}
  maxRuntimeSeconds: 3600            # default 1 hour, at most 7 days
  retries: 1                         # further attempts after a failed one (default 0)
  hyperparameters: {lr: 0.1, depth: 6}   # as GANTRY_PARAM_LR, ... and logged as run params
  inputs: [{name: churn-2024, source: "s3://data/churn.parquet", digest: "sha256:..."}]
  experiment: churn-nightly          # experiment ID or name in the project (created if missing)
  registerModel: {name: churn, artifactPath: model}   # register the run's model on success

Examples:
  gantry jobs submit -f job.yaml --follow
  gantry jobs submit -f job.yaml --set hyperparameters.lr=0.01 --set resources.gpu.count=2
  gantry jobs ls --status running,queued
  gantry jobs show job_01h... --json | jq .job.events
  gantry jobs logs job_01h... --attempt 1
  gantry jobs cancel job_01h... --reason "wrong dataset"`,
  options: {
    file: { type: 'string', short: 'f' },
    follow: { type: 'boolean' },
    set: { type: 'string', multiple: true },
    status: { type: 'string', multiple: true },
    limit: { type: 'string' },
    attempt: { type: 'string' },
    reason: { type: 'string' },
  },
  args: [
    { name: 'submit|ls|show|logs|cancel', required: true },
    { name: 'ID', required: false },
  ],
  async run(ctx, { values, positionals }) {
    const [sub, id] = positionals;
    const allowed = FLAGS[sub!];
    if (!allowed) throw usageError(`Unknown subcommand '${sub}'.`, "Subcommands: submit, ls, show, logs, cancel. Run 'gantry jobs --help'.");
    const stray = Object.keys(values).find((k) => values[k] !== undefined && !GLOBAL.has(k) && !allowed.includes(k));
    if (stray) throw usageError(`--${stray} does not apply to 'jobs ${sub}'.`, "Run 'gantry jobs --help' for which flags go with which subcommand.");
    switch (sub) {
      case 'submit':
        if (id !== undefined) throw usageError(`Unexpected argument '${id}'.`, 'Usage: gantry jobs submit -f job.yaml (the file goes after -f)');
        return submit(ctx, values);
      case 'ls':
        if (id !== undefined) throw usageError(`Unexpected argument '${id}'.`, 'Usage: gantry jobs ls [--status S] [--limit N]');
        return list(ctx, values);
      default:
        if (id === undefined) throw usageError('Give the job ID.', `Usage: gantry jobs ${sub} <id>`);
        if (sub === 'show') return show(ctx, id);
        if (sub === 'logs') return logs(ctx, id, values);
        return cancel(ctx, id, values);
    }
  },
};
