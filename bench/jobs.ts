/**
 * Training-job starts (bench/README.md, part 4): submit → backend job created for jobs one at a time,
 * against an empty Temporal workflow on the same dev server and worker, then many small local jobs at
 * once, checked for completeness. Starts its own Temporal dev server and worker process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { backendJobName } from '../core/compute/compute-backend';
import { isRunning, jobPaths, readJson, readProcStat, signalGroup, type LocalJobStatusFile, type SupervisorClaim } from '../core/compute/local-job-files';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { jobWorkflowId } from '../core/training/access';
import type { FinalResult } from '../core/training/job-steps';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { env } from '../config/env';
import { sleep } from '../scripts/lib/net';
import { onCleanup } from './lib/cleanup';
import { parallel, type Bench } from './lib/context';
import { fmtInt, fmtMs, latency, type Latency } from './lib/report';
import { benchTemporal } from './lib/temporal';

/** The job every measurement submits: a command that exits at once, so what is measured is Gantry, not the job. */
const JOB_COMMAND = ['true'];
const JOB_RESOURCES = { cpu: 0.1, memoryMiB: 128 };
const TERMINAL = ['succeeded', 'failed', 'cancelled'];

const lat = (l: Latency) => `p50 ${fmtMs(l.p50)} / p95 ${fmtMs(l.p95)}`;
const p50 = (xs: number[]) => latency(xs).p50;

/** Milliseconds of a protobuf Timestamp (seconds may be a Long). */
function tsMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return NaN;
  const s = ts.seconds as number | { toNumber(): number } | null | undefined;
  return (typeof s === 'number' ? s : (s?.toNumber() ?? 0)) * 1000 + (ts.nanos ?? 0) / 1e6;
}

/** Processes whose command line names a path under `dir`: the local backend's supervisors of this bench's jobs. */
function supervisorsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.some((a) => a.endsWith('local-supervisor.ts')) && argv.some((a) => a.startsWith(dir + path.sep))) pids.push(Number(entry));
  }
  return pids;
}

/** Stops whatever the bench's local jobs left running: each job's process group, then its supervisor. */
function killLocalJobs(jobsDir: string): number {
  let entries: string[] = [];
  try {
    entries = readdirSync(jobsDir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const st = readJson<LocalJobStatusFile>(jobPaths(path.join(jobsDir, name)).status);
    if (st?.job && isRunning(st.job)) signalGroup(st.job.pid, 'SIGKILL');
  }
  const left = supervisorsUnder(jobsDir);
  for (const pid of left) signalGroup(pid, 'SIGKILL');
  return left.length;
}

interface CpuMark {
  self: number;
  children: number;
}

/**
 * CPU seconds of a process (`self`) and of its children (`children`): those it reaped and
 * those still running, so the sum only grows (Postgres backends, the worker's supervisors).
 */
function cpuOf(pid: number | undefined): CpuMark {
  const st = pid ? readProcStat(pid) : null;
  if (!st) return { self: NaN, children: NaN };
  let children = st.childCpuSeconds;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const c = readProcStat(Number(entry));
    if (c && c.ppid === pid) children += c.cpuSeconds + c.childCpuSeconds;
  }
  return { self: st.cpuSeconds, children };
}

interface ActivityTimes {
  scheduled: number;
  started: number;
  completed: number;
  /** The attempt that completed it (1 = no retry). */
  attempt: number;
  /** Why the previous attempt failed, when there was one. */
  lastFailure: string | null;
}

/** A workflow's start and its completed activities (first of each type), from its history: server timestamps. */
async function historyTimes(client: Client, workflowId: string): Promise<{ started: number; activities: Record<string, ActivityTimes> }> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const byId = new Map(events.map((ev) => [Number(ev.eventId), ev]));
  const activities: Record<string, ActivityTimes> = {};
  for (const ev of events) {
    const done = ev.activityTaskCompletedEventAttributes;
    if (!done) continue;
    const scheduled = byId.get(Number(done.scheduledEventId));
    const started = byId.get(Number(done.startedEventId));
    const name = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name;
    const attrs = started?.activityTaskStartedEventAttributes;
    if (!name || activities[name]) continue;
    activities[name] = {
      scheduled: tsMs(scheduled.eventTime),
      started: tsMs(started?.eventTime),
      completed: tsMs(ev.eventTime),
      attempt: attrs?.attempt ?? 1,
      lastFailure: attrs?.lastFailure?.message ?? null,
    };
  }
  return { started: tsMs(events[0]?.eventTime), activities };
}

const JOB_ACTIVITIES = ['prepareJob', 'submitAttempt', 'watchAttempt', 'collectLogs', 'finalizeJob'];

/** Queue wait (scheduled → started) and run time (started → completed) per activity, and the retries. */
function activityProfile(histories: { activities: Record<string, ActivityTimes> }[]) {
  const wait: Record<string, number[]> = {};
  const run: Record<string, number[]> = {};
  const retries: Record<string, number> = {};
  const failures = new Map<string, number>();
  for (const h of histories) {
    for (const [name, a] of Object.entries(h.activities)) {
      (wait[name] ??= []).push(a.started - a.scheduled);
      (run[name] ??= []).push(a.completed - a.started);
      if (a.attempt > 1) {
        retries[name] = (retries[name] ?? 0) + a.attempt - 1;
        const why = `${name}: ${(a.lastFailure ?? 'unknown').slice(0, 160)}`;
        failures.set(why, (failures.get(why) ?? 0) + 1);
      }
    }
  }
  const describe = JOB_ACTIVITIES.filter((n) => wait[n])
    .map((n) => `${n} waits ${lat(latency(wait[n]!))}, runs ${lat(latency(run[n]!))}`)
    .join('; ');
  const retried = Object.entries(retries)
    .map(([n, k]) => `${n} ${k}`)
    .join(', ');
  const why = [...failures].map(([w, k]) => `${k}× ${w}`).join(' | ');
  return {
    describe,
    retried: retried || 'none',
    why,
    json: {
      wait: Object.fromEntries(Object.entries(wait).map(([k, v]) => [k, latency(v)])),
      run: Object.fromEntries(Object.entries(run).map(([k, v]) => [k, latency(v)])),
      retries,
      failures: Object.fromEntries(failures),
    },
  };
}

interface CpuSnapshot {
  worker: CpuMark;
  temporal: CpuMark;
  postgres: CpuMark;
  bench: number;
}

/** CPU seconds per job between two snapshots, per part of the system. */
function cpuPerJob(a: CpuSnapshot, z: CpuSnapshot, n: number) {
  const ms = (x: number) => Math.round((x / n) * 1000);
  return {
    workerMs: ms(z.worker.self - a.worker.self),
    supervisorsMs: ms(z.worker.children - a.worker.children),
    temporalMs: ms(z.temporal.self + z.temporal.children - a.temporal.self - a.temporal.children),
    postgresMs: ms(z.postgres.self + z.postgres.children - a.postgres.self - a.postgres.children),
    benchMs: ms(z.bench - a.bench),
  };
}

const describeCpu = (c: ReturnType<typeof cpuPerJob>) =>
  `worker ${c.workerMs} ms, supervisors and their jobs ${c.supervisorsMs} ms, Temporal dev server ${c.temporalMs} ms, PostgreSQL ${c.postgresMs} ms, bench process (submits) ${c.benchMs} ms`;

/** The moments a job passed on its way to the backend: from its workflow history, its supervisor's claim and its timeline. */
interface JobTimes {
  /** submitTrainingJob called (wall clock, ms). */
  submitAt: number;
  /** submitTrainingJob returned: workflow started, job row committed. */
  returnedAt: number;
  /** The local backend job exists: its supervisor claimed the prepared directory and moved it into place. */
  createdAt: number;
  /** Gantry recorded `pending` in the job's timeline. */
  pendingAt: number;
  /** The job's workflow completed. */
  doneAt: number;
}

export async function benchJobs(b: Bench): Promise<void> {
  const nLatency = Math.max(10, Math.round(200 * b.scale));
  const nConcurrent = Math.max(10, Math.round(500 * b.scale));
  b.log(`jobs: Temporal dev server and a worker process; ${nLatency} jobs one at a time, then ${nConcurrent} at once…`);
  const { server, worker, client, jobsDir, emptyWorkflow } = await benchTemporal(b, ({ jobsDir }) =>
    onCleanup('local jobs', async () => {
      const killed = killLocalJobs(jobsDir);
      if (killed) console.error(`bench: stopped ${killed} local job supervisor(s) left running`);
    }),
  );

  const team = await createTeam(b.ctx, { name: 'Bench jobs' });
  const project = await createProject(b.ctx, { teamId: team.id, name: 'Bench jobs' });
  const spec = { project: project.slug, command: JOB_COMMAND, resources: JOB_RESOURCES };

  // The PostgreSQL server's postmaster: the parent of any backend.
  const [backend] = await b.owner<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const postmaster = readProcStat(backend!.pid)?.ppid;
  const cpuNow = (): CpuSnapshot => {
    const u = process.cpuUsage();
    return { worker: cpuOf(worker.child.pid), temporal: cpuOf(server.pid), postgres: cpuOf(postmaster), bench: (u.user + u.system) / 1e6 };
  };
  const workflowResult = (jobId: string) => client.workflow.getHandle(jobWorkflowId(jobId)).result() as Promise<FinalResult | null>;

  for (let i = 0; i < 3; i++) await emptyWorkflow();
  for (let i = 0; i < 2; i++) {
    const job = await submitTrainingJob(b.ctx, spec);
    const r = await workflowResult(job.id);
    if (r?.status !== 'succeeded') throw new Error(`warm-up job ${job.id}: its workflow returned ${JSON.stringify(r)}`);
  }

  // A job's directory goes once its log is kept, so its supervisor's claim (the moment the
  // backend job exists) is read while the job is on the backend: every 5 ms, for the jobs asked for.
  const claims = new Map<string, number>();
  const awaited = new Set<string>();
  const claimWatch = setInterval(() => {
    if (awaited.size === 0) return;
    for (const name of readdirSync(jobsDir)) {
      if (!awaited.has(name)) continue;
      const claim = readJson<SupervisorClaim>(jobPaths(path.join(jobsDir, name)).claim);
      if (!claim) continue;
      claims.set(name, Date.parse(claim.claimedAt));
      awaited.delete(name);
    }
  }, 5);
  onCleanup('claim watch', async () => clearInterval(claimWatch));
  const watchClaim = (jobId: string) => awaited.add(backendJobName(jobId, 1));
  const backendCreatedAt = (jobId: string): number => {
    const at = claims.get(backendJobName(jobId, 1));
    if (at === undefined) throw new Error(`job ${jobId}: its local backend job ${backendJobName(jobId, 1)} was never seen claimed`);
    return at;
  };
  /** The job row's status and its timeline, for failure messages. */
  const jobState = async (jobId: string): Promise<string> => {
    const [row] = await b.owner<{ status: string; reason: string | null }[]>`select status, reason from training_jobs where id = ${jobId}`;
    const events = await b.owner<{ status: string; message: string | null }[]>`select status, message from training_job_events where job_id = ${jobId} order by occurred_at, id`;
    return `job row ${row ? `${row.status}${row.reason ? ` (${row.reason})` : ''}` : 'missing'}, timeline ${events.map((e) => e.status).join(' → ') || 'empty'}`;
  };
  const pendingTimes = async (ids: string[]): Promise<Map<string, number>> => {
    const rows = await b.owner<{ job_id: string; at: Date }[]>`
      select job_id, min(occurred_at) as at from training_job_events where job_id = any(${ids}) and status = 'pending' group by job_id`;
    return new Map(rows.map((r) => [r.job_id, r.at.getTime()]));
  };

  // ---- 1. Start latency: one job at a time, interleaved with the empty workflow ----
  b.log(`jobs: start latency, ${nLatency} jobs and ${nLatency} empty workflows, one at a time…`);
  const empty: number[] = [];
  const seq = new Map<string, JobTimes>();
  const seqCpu0 = cpuNow();
  for (let i = 0; i < nLatency; i++) {
    const t = performance.now();
    await emptyWorkflow();
    empty.push(performance.now() - t);

    const submitAt = Date.now();
    const job = await submitTrainingJob(b.ctx, spec);
    const returnedAt = Date.now();
    watchClaim(job.id);
    const r = await workflowResult(job.id);
    const doneAt = Date.now();
    if (r?.status !== 'succeeded') throw new Error(`job ${job.id}: its workflow returned ${JSON.stringify(r)}; ${await jobState(job.id)}`);
    seq.set(job.id, { submitAt, returnedAt, createdAt: backendCreatedAt(job.id), pendingAt: NaN, doneAt });
    if ((i + 1) % 50 === 0) b.log(`jobs: ${i + 1}/${nLatency}`);
  }
  const seqCpu = cpuPerJob(seqCpu0, cpuNow(), nLatency);
  for (const [id, at] of await pendingTimes([...seq.keys()])) seq.get(id)!.pendingAt = at;

  // Where the time goes, from each job's workflow history (server timestamps).
  const steps = { toWorkflowStarted: [] as number[], toPrepareStarted: [] as number[], prepare: [] as number[], betweenSteps: [] as number[], submitToCreated: [] as number[], createdToSubmitDone: [] as number[] };
  const seqHistories = [];
  for (const [id, t] of seq) {
    const h = await historyTimes(client, jobWorkflowId(id));
    seqHistories.push(h);
    const prep = h.activities.prepareJob;
    const sub = h.activities.submitAttempt;
    if (!prep || !sub) throw new Error(`job ${id}: its history has no completed prepareJob or submitAttempt`);
    steps.toWorkflowStarted.push(h.started - t.submitAt);
    steps.toPrepareStarted.push(prep.started - h.started);
    steps.prepare.push(prep.completed - prep.started);
    steps.betweenSteps.push(sub.started - prep.completed);
    steps.submitToCreated.push(t.createdAt - sub.started);
    steps.createdToSubmitDone.push(sub.completed - t.createdAt);
  }
  const seqProfile = activityProfile(seqHistories);

  const all = [...seq.values()];
  const created = latency(all.map((t) => t.createdAt - t.submitAt));
  const withPending = all.filter((t) => Number.isFinite(t.pendingAt));
  const pending = latency(withPending.map((t) => t.pendingAt - t.submitAt));
  const submitCall = latency(all.map((t) => t.returnedAt - t.submitAt));
  const whole = latency(all.map((t) => t.doneAt - t.submitAt));
  const base = latency(empty);
  const how = `${nLatency} jobs (\`${JOB_COMMAND.join(' ')}\` on the local cluster), one at a time, each run to its end before the next; interleaved with the empty workflow`;
  b.rows.push(
    { section: 'jobs', name: 'submit → backend job created', value: lat(created), detail: `submitTrainingJob called → the local job's supervisor claims its directory and moves it into place (supervisor.json claimedAt); ${how}` },
    { section: 'jobs', name: 'submit → `pending` in the job timeline', value: lat(pending), detail: `submitTrainingJob called → occurred_at of the job's \`pending\` event (written once the backend accepted the job)${withPending.length < all.length ? `; ${all.length - withPending.length} jobs have no \`pending\` event` : ''}` },
    { section: 'jobs', name: 'submitTrainingJob call', value: lat(submitCall), detail: 'validation, job row, audit event and the workflow start, in one transaction' },
    { section: 'jobs', name: 'submit → job succeeded', value: lat(whole), detail: 'the whole job: also watching (polls every 1 s), keeping the log, finishing the run' },
    { section: 'jobs', name: 'empty Temporal workflow (baseline)', value: lat(base), detail: `${base.n} × client.workflow.start(helloWorkflow) → result: one no-op activity, same server, worker and client` },
    {
      section: 'jobs',
      name: 'submit → created, p50 by step',
      value: '≈ ' + fmtMs(p50(steps.toWorkflowStarted) + p50(steps.toPrepareStarted) + p50(steps.prepare) + p50(steps.betweenSteps) + p50(steps.submitToCreated)),
      detail: `workflow started ${fmtMs(p50(steps.toWorkflowStarted))}; → prepareJob starts ${fmtMs(p50(steps.toPrepareStarted))}; prepareJob ${fmtMs(p50(steps.prepare))}; → submitAttempt starts ${fmtMs(p50(steps.betweenSteps))}; submitAttempt → backend job created ${fmtMs(p50(steps.submitToCreated))} (then ${fmtMs(p50(steps.createdToSubmitDone))} until submitAttempt completes); medians from the workflow histories, summed`,
    },
    { section: 'jobs', name: 'one at a time: activities', value: `retries: ${seqProfile.retried}`, detail: `${seqProfile.describe}${seqProfile.why ? `; retried because: ${seqProfile.why}` : ''}` },
  );
  b.ratios.push(
    { name: 'job start p50: submit → backend job created / empty workflow', value: created.p50 / base.p50, how: 'latency ÷ latency: how many empty workflows one job start costs (Gantry\'s overhead; above 1 = slower)' },
    { name: 'job start p95: submit → backend job created / empty workflow', value: created.p95 / base.p95, how: 'latency ÷ latency, p95' },
  );
  const results: Record<string, unknown> = {
    command: JOB_COMMAND,
    latency: { jobs: nLatency, backendCreated: created, pendingRecorded: pending, submitCall, wholeJob: whole, emptyWorkflow: base, stepsP50: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, p50(v)])), activities: seqProfile.json, cpuPerJob: seqCpu },
  };
  b.results.jobs = results;

  // ---- 2. Many jobs at once ----
  b.log(`jobs: ${nConcurrent} jobs at once…`);
  const clientConcurrency = env().DATABASE_POOL_MAX;
  const ids: string[] = [];
  const submitAt = new Map<string, number>();
  const submitCalls: number[] = [];
  const counts = new Map<string, number>();
  let peakInFlight = 0;
  let peakLive = 0;
  const lockWaits = { samples: 0, sum: 0, peak: 0, auditSum: 0, auditPeak: 0 };
  let submitting = true;
  const sampleCounts = async () => {
    const rows = ids.length ? await b.owner<{ status: string; n: number }[]>`select status, count(*)::int as n from training_jobs where id = any(${ids}) group by status` : [];
    counts.clear();
    for (const r of rows) counts.set(r.status, r.n);
    const terminal = TERMINAL.reduce((s, k) => s + (counts.get(k) ?? 0), 0);
    peakInFlight = Math.max(peakInFlight, ids.length - terminal);
    peakLive = Math.max(peakLive, (counts.get('pending') ?? 0) + (counts.get('running') ?? 0));
    // Connections blocked on a row or advisory lock, and those waiting for the organization's audit-chain head.
    const [w] = await b.owner<{ waiting: number; audit: number }[]>`
      select count(*)::int as waiting, count(*) filter (where query ilike '%from "audit_heads"%for update%')::int as audit
      from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
    lockWaits.samples++;
    lockWaits.sum += w!.waiting;
    lockWaits.peak = Math.max(lockWaits.peak, w!.waiting);
    lockWaits.auditSum += w!.audit;
    lockWaits.auditPeak = Math.max(lockWaits.auditPeak, w!.audit);
    return terminal;
  };
  const sampler = (async () => {
    while (submitting) {
      await sampleCounts();
      await sleep(250);
    }
  })();
  const cpu0 = cpuNow();
  const t0 = Date.now();
  try {
    await parallel(
      Array.from({ length: nConcurrent }, (_, i) => i),
      clientConcurrency,
      async () => {
        const at = Date.now();
        const job = await submitTrainingJob(b.ctx, spec);
        submitCalls.push(Date.now() - at);
        watchClaim(job.id);
        ids.push(job.id);
        submitAt.set(job.id, at);
      },
    );
  } finally {
    submitting = false;
    await sampler;
  }
  const submittedIn = Date.now() - t0;
  b.log(`jobs: ${nConcurrent} submitted in ${(submittedIn / 1000).toFixed(1)} s; waiting for them to end…`);
  const deadline = Date.now() + Math.max(600_000, nConcurrent * 3000);
  let lastLog = Date.now();
  let progress = { terminal: -1, at: Date.now() };
  for (;;) {
    const terminal = await sampleCounts();
    if (terminal >= nConcurrent) break;
    if (worker.child.exitCode !== null) throw new Error(`the worker exited (${worker.child.exitCode}):\n${worker.tail()}`);
    if (Date.now() > deadline) throw new Error(`after ${((Date.now() - t0) / 1000).toFixed(0)} s only ${terminal} of ${nConcurrent} jobs ended: ${JSON.stringify(Object.fromEntries(counts))}`);
    if (terminal !== progress.terminal) progress = { terminal, at: Date.now() };
    else if (Date.now() - progress.at > 10_000) {
      // No job ended for a while: a job whose workflow is over while its row is not is lost.
      const open = await b.owner<{ id: string }[]>`select id from training_jobs where id = any(${ids}) and status not in ('succeeded', 'failed', 'cancelled')`;
      const lost: string[] = [];
      await parallel(open, 20, async ({ id }) => {
        const d = await client.workflow.getHandle(jobWorkflowId(id)).describe();
        if (d.status.name !== 'RUNNING') lost.push(`${id}: workflow ${d.status.name}, result ${JSON.stringify(await workflowResult(id).catch((e: unknown) => String(e)))}, ${await jobState(id)}`);
      });
      if (lost.length) throw new Error(`jobs: ${lost.length} of ${nConcurrent} jobs lost:\n  ${lost.slice(0, 10).join('\n  ')}`);
      progress.at = Date.now();
    }
    if (Date.now() - lastLog > 15_000) {
      b.log(`jobs: ${terminal}/${nConcurrent} ended ${JSON.stringify(Object.fromEntries(counts))}`);
      lastLog = Date.now();
    }
    await sleep(250);
  }
  const wallMs = Date.now() - t0;
  const cCpu = cpuPerJob(cpu0, cpuNow(), nConcurrent);

  // None lost: every job, its workflow, its one backend job and its run ended well, exactly once.
  const problems: string[] = [];
  const [rows] = await b.owner<{ n: number; succeeded: number }[]>`select count(*)::int as n, count(*) filter (where status = 'succeeded')::int as succeeded from training_jobs where id = any(${ids})`;
  if (rows!.n !== nConcurrent) problems.push(`${rows!.n} job rows, expected ${nConcurrent}`);
  if (rows!.succeeded !== nConcurrent) problems.push(`${rows!.succeeded} jobs succeeded: ${JSON.stringify(Object.fromEntries(counts))}`);
  const [ends] = await b.owner<{ n: number; jobs: number }[]>`
    select count(*)::int as n, count(distinct job_id)::int as jobs from training_job_events where job_id = any(${ids}) and status in ('succeeded', 'failed', 'cancelled')`;
  if (ends!.n !== nConcurrent || ends!.jobs !== nConcurrent) problems.push(`${ends!.n} end events for ${ends!.jobs} jobs, expected one each`);
  const [finishedRuns] = await b.owner<{ n: number }[]>`
    select count(*)::int as n from training_jobs j join runs r on r.id = j.run_id where j.id = any(${ids}) and r.status = 'FINISHED'`;
  if (finishedRuns!.n !== nConcurrent) problems.push(`${finishedRuns!.n} runs FINISHED, expected ${nConcurrent}`);
  const unsuccessful: string[] = [];
  await parallel(ids, 50, async (id) => {
    const r = await workflowResult(id);
    if (r?.status !== 'succeeded') unsuccessful.push(`${id}: workflow returned ${JSON.stringify(r)}, ${await jobState(id)}`);
  });
  if (unsuccessful.length) problems.push(`${unsuccessful.length} workflows did not return succeeded (${unsuccessful.slice(0, 5).join('; ')})`);
  // One backend job each (attempt 1, seen claimed), and every directory released once its log was kept.
  const prefixes = ids.map((id) => backendJobName(id, 1).replace(/-a1$/, '-a'));
  const claimed = ids.filter((id) => claims.has(backendJobName(id, 1))).length;
  if (claimed !== nConcurrent) problems.push(`${claimed} backend jobs seen claimed, expected ${nConcurrent}`);
  const dirs = readdirSync(jobsDir).filter((d) => prefixes.some((p) => d.startsWith(p)));
  if (dirs.length) problems.push(`${dirs.length} backend job directories left after their jobs ended (${dirs.slice(0, 3).join(', ')})`);
  const staging = readdirSync(path.join(jobsDir, '.staging')).length;
  // Each supervisor exits right after recording its job's end.
  let leftover = supervisorsUnder(jobsDir).length;
  for (let i = 0; i < 40 && leftover; i++) {
    await sleep(250);
    leftover = supervisorsUnder(jobsDir).length;
  }
  if (leftover) problems.push(`${leftover} supervisor processes still running after every job ended`);
  if (problems.length) throw new Error(`jobs: ${nConcurrent} concurrent jobs: ${problems.join('; ')}`);

  const pend = await pendingTimes(ids);
  const cCreated = latency(ids.map((id) => backendCreatedAt(id) - submitAt.get(id)!));
  const pendingIds = ids.filter((id) => pend.has(id));
  const cPending = latency(pendingIds.map((id) => pend.get(id)! - submitAt.get(id)!));
  const cSubmit = latency(submitCalls);
  const throughput = nConcurrent / (wallMs / 1000);
  const cHistories = [];
  for (const id of ids) cHistories.push(await historyTimes(client, jobWorkflowId(id)));
  const cProfile = activityProfile(cHistories);
  const settings =
    'worker: workers/main.ts as its own process with the SDK defaults createWorker uses (maxConcurrentActivityTaskExecutions 100, maxConcurrentWorkflowTaskExecutions 40, 10 pollers each), DATABASE_POOL_MAX ' +
    `${env().DATABASE_POOL_MAX}, watch polls every 1 s`;
  b.rows.push(
    {
      section: 'jobs',
      name: `${fmtInt(nConcurrent)} jobs at once: throughput`,
      value: `${throughput.toFixed(1)} jobs/s`,
      detail: `${fmtInt(nConcurrent)} submitted by ${clientConcurrency} concurrent callers in ${(submittedIn / 1000).toFixed(1)} s; all ended in ${(wallMs / 1000).toFixed(1)} s (first submit → last end); up to ${fmtInt(peakInFlight)} in flight, ${fmtInt(peakLive)} pending or running at once`,
    },
    {
      section: 'jobs',
      name: `${fmtInt(nConcurrent)} jobs at once: none lost`,
      value: `${fmtInt(nConcurrent)} / ${fmtInt(nConcurrent)}`,
      detail: `${nConcurrent} job rows succeeded with one end event each, ${nConcurrent} workflows returned succeeded, ${nConcurrent} backend jobs (attempt 1 only) claimed and their directories released, ${nConcurrent} runs FINISHED, 0 supervisors left${staging ? `; ${staging} leftover staging dirs` : ''}`,
    },
    {
      section: 'jobs',
      name: `${fmtInt(nConcurrent)} at once: submit → backend job created`,
      value: lat(cCreated),
      detail: `under load, including the wait in the task queue; submitTrainingJob call ${lat(cSubmit)}; → \`pending\` recorded ${lat(cPending)}${pendingIds.length < ids.length ? ` (${ids.length - pendingIds.length} jobs have no \`pending\` event)` : ''}`,
    },
    {
      section: 'jobs',
      name: `${fmtInt(nConcurrent)} at once: lock waits`,
      value: `avg ${(lockWaits.sum / lockWaits.samples).toFixed(1)}, peak ${lockWaits.peak}`,
      detail: `PostgreSQL connections waiting on a lock, sampled every 250 ms (${lockWaits.samples} samples); waiting for the organization's audit-chain head (audit_heads … for update): avg ${(lockWaits.auditSum / lockWaits.samples).toFixed(1)}, peak ${lockWaits.auditPeak}`,
    },
    { section: 'jobs', name: `${fmtInt(nConcurrent)} at once: activities`, value: `retries: ${cProfile.retried}`, detail: `${cProfile.describe}${cProfile.why ? `; retried because: ${cProfile.why}` : ''}` },
    { section: 'jobs', name: 'CPU per job, one at a time', value: `${Object.values(seqCpu).reduce((x, y) => x + y, 0)} ms`, detail: describeCpu(seqCpu) },
    { section: 'jobs', name: `CPU per job, ${fmtInt(nConcurrent)} at once`, value: `${Object.values(cCpu).reduce((x, y) => x + y, 0)} ms`, detail: describeCpu(cCpu) },
  );
  b.notes.push(
    `Jobs: Temporal dev server (temporal server start-dev with a --db-filename, as \`npm run dev\` runs it), ${settings}. Jobs are submitted in the bench process with the submitTrainingJob use case (as the web process does) and run \`${JOB_COMMAND.join(' ')}\` on the local cluster (${JOB_RESOURCES.cpu} CPU, ${JOB_RESOURCES.memoryMiB} MiB); "backend job created" is when the job's supervisor claims the prepared job directory and moves it into place (supervisor.json claimedAt).`,
  );
  results.concurrent = {
    jobs: nConcurrent,
    clientConcurrency,
    submittedInMs: submittedIn,
    wallMs,
    jobsPerSecond: throughput,
    peakInFlight,
    peakPendingOrRunning: peakLive,
    backendCreated: cCreated,
    pendingRecorded: cPending,
    jobsWithoutPendingEvent: ids.length - pendingIds.length,
    submitCall: cSubmit,
    lockWaits: { average: lockWaits.sum / lockWaits.samples, peak: lockWaits.peak, auditHeadAverage: lockWaits.auditSum / lockWaits.samples, auditHeadPeak: lockWaits.auditPeak, samples: lockWaits.samples },
    activities: cProfile.json,
    cpuPerJob: cCpu,
    worker: settings,
  };
}
