import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { downloadArtifact } from '../core/artifacts/download-artifact';
import { uploadArtifact } from '../core/artifacts/upload-artifact';
import { backendJobName } from '../core/compute/compute-backend';
import { listClusters } from '../core/compute/list-clusters';
import { updateClusterPrices } from '../core/compute/update-cluster-prices';
import { deleteBudget, listBudgets, setBudget } from '../core/costs/budgets';
import { AppError } from '../core/errors';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { getModelVersionLineage } from '../core/lineage/get-model-version-lineage';
import { getRun } from '../core/tracking/get-run';
import { jobWorkflowId } from '../core/training/access';
import { cancelTrainingJob } from '../core/training/cancel-training-job';
import { getTrainingJob, listJobEvents, listTrainingJobs } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { apiKeys, budgetReservations, costLines, trainingJobs } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { replayRuns } from './histories';
import { createWorker } from './worker';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';

/**
 * Training jobs end to end on a real Temporal dev server, a real worker and the
 * real local backend (child processes): success with model registration and
 * cost and its ledger line, retries, cancellation (queued and running), the max runtime, budget
 * refusals, tenant isolation, and replay of every recorded history.
 */

let platform: TemporalPlatform;
let dir: string;
let store: FilesystemArtifactStore;
let client: Client;
let workerConnection: NativeConnection;
let taskQueue: string;
let A: SignedUp;
let B: SignedUp;
let project: string;
let teamId: string;
const handles: { label: string; handle: WorkflowHandle }[] = [];

const node = (script: string) => ({ command: [process.execPath, '-e', script] });

async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await createWorker({ connection: workerConnection, namespace: 'default', taskQueue, deps: { artifactStore: store, pollIntervalMs: 200 } });
  return worker.runUntil(fn);
}

/** Waits for the job's workflow; `training-job-<label>` names its history when histories are recorded. */
async function result(jobId: string, label: string) {
  const handle = client.workflow.getHandle(jobWorkflowId(jobId));
  handles.push({ label: `training-job-${label}`, handle });
  return handle.result();
}


beforeAll(async () => {
  platform = await startTemporalPlatform('jobs');
  ({ dir, client, workerConnection, taskQueue } = platform);
  store = new FilesystemArtifactStore(path.join(dir, 'artifacts'));
  A = await signUpUser('jobs');
  B = await signUpUser('jobs-other');
  const team = await createTeam(A.ctx, { name: 'ML' });
  teamId = team.id;
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Churn' })).slug;
});

afterAll(async () => platform?.stop());

describe('training jobs on Temporal with the local backend', () => {
  it('runs a job, keeps its logs, registers its model, charges the price catalog and finishes the run', async () => {
    const local = (await listClusters(A.ctx)).find((c) => c.kind === 'local')!;
    await updateClusterPrices(A.ctx, { clusterId: local.id, cpuCoreHourMicros: 3_600_000_000, memoryGibHourMicros: 0, gpu: [] });
    const job = await submitTrainingJob(A.ctx, {
      project,
      name: 'train churn',
      ...node("console.log('training with lr', process.env.GANTRY_PARAM_LEARNING_RATE, 'run', process.env.MLFLOW_RUN_ID); setTimeout(() => console.error('done'), 1500)"),
      hyperparameters: { learning_rate: 0.05, epochs: 3 },
      inputs: [{ name: 'churn.csv', source: 's3://data/churn.csv', digest: 'abc123' }],
      resources: { cpu: 0.5, memoryMiB: 256 },
      registerModel: { name: 'churn-model' },
    });
    expect(job.status).toBe('queued');

    const final = await withWorker(async () => {
      // The job's code would log its model; here the test writes it through the same use case the REST API calls.
      const runId = await waitFor('the tracking run', async () => (await getTrainingJob(A.ctx, job.id)).job.runId);
      await uploadArtifact(A.ctx, { runId, path: 'model/MLmodel', body: Readable.from([Buffer.from('flavors:\n  python_function: {}\n')]) }, { store });
      return result(job.id, 'succeeded-with-model');
    });

    expect(final).toMatchObject({ status: 'succeeded', reason: null });
    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    expect(done.status).toBe('succeeded');
    expect(done.modelVersionId).toBe(final!.modelVersionId);
    expect(done.modelVersionId).toMatch(/^mv_/);
    expect(done.runtimeSeconds).toBeGreaterThan(1);
    // 0.5 CPU at $3,600 per core-hour is $0.50 a second.
    expect(done.costMicros).toBeGreaterThanOrEqual(Math.round(done.runtimeSeconds! * 500_000) - 1);
    expect(done.costMicros).toBeLessThanOrEqual(Math.round(done.runtimeSeconds! * 500_000) + 1);
    expect(events.map((e) => e.status), JSON.stringify(events)).toEqual(['queued', 'pending', 'running', 'succeeded']);
    // Its one ledger line: the same amount, attributed to everything the job belongs to.
    const lines = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(costLines).where(eq(costLines.jobId, job.id)));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ source: 'training', sourceKey: `job/${job.id}`, amountMicros: done.costMicros, teamId, projectId: done.projectId, userId: A.actor.userId, runId: done.runId, modelVersionId: done.modelVersionId, clusterId: done.clusterId });

    const run = await getRun(A.ctx, done.runId!);
    expect(run.status).toBe('FINISHED');
    expect(run.endTime).not.toBeNull();
    expect(Object.fromEntries(run.params.map((p) => [p.key, p.value]))).toEqual({ learning_rate: '0.05', epochs: '3' });
    expect(run.tags.find((t) => t.key === 'gantry.job_id')?.value).toBe(job.id);
    expect(run.inputs.map((i) => i.dataset.name)).toEqual(['churn.csv']);

    const kept = await downloadArtifact(A.ctx, { runId: done.runId, path: 'gantry/logs/attempt-1.log' }, { store });
    const text = (await kept.body.toArray()).join('');
    expect(text).toContain(`training with lr 0.05 run ${done.runId}`);
    expect(text).toContain('done');
    const logs = await readJobLogs(A.ctx, { jobId: job.id }, { artifactStore: store });
    expect(logs).toMatchObject({ complete: true, attempt: 1 });
    expect(logs.text).toBe(text);
    // Once kept, the local backend's copy (log, workdir, the spec with the key) is gone.
    expect(existsSync(path.join(dir, 'jobs', backendJobName(job.id, 1)))).toBe(false);

    // The attempt's API key lived only as long as the job.
    const [key] = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(apiKeys).where(and(eq(apiKeys.id, done.runApiKeyId!), eq(apiKeys.orgId, A.orgId))));
    expect(key!.revokedAt).not.toBeNull();
    expect(key!.runId).toBe(done.runId);

    // The version's lineage names the job and the cluster that produced it.
    const lineage = await getModelVersionLineage(A.ctx, done.modelVersionId);
    expect(lineage.job?.id).toBe(job.id);
    expect(lineage.cluster).toMatchObject({ name: 'local', kind: 'local' });
    expect(lineage.run?.id).toBe(done.runId);
  });

  it('retries a failed attempt as the spec allows, then fails with the reason', async () => {
    // Over one read's worth of multi-byte characters, so reads of the kept log cross chunk boundaries.
    const job = await submitTrainingJob(A.ctx, { project, ...node("console.log('attempt', process.env.GANTRY_JOB_ATTEMPT); console.log('ü€'.repeat(70000)); process.exit(3)"), retries: 1 });
    const final = await withWorker(() => result(job.id, 'failed-after-retry'));
    expect(final).toMatchObject({ status: 'failed', reason: 'Error' });
    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    expect(done.attempt).toBe(2);
    expect(events.filter((e) => e.status === 'failed').map((e) => e.attempt)).toEqual([1, 2]);
    expect(events.find((e) => e.status === 'failed' && e.attempt === 1)!.message).toContain('retrying');
    expect((await getRun(A.ctx, done.runId!)).status).toBe('FAILED');
    // Each attempt's log was kept when it ended, and its local directory removed.
    for (const attempt of [1, 2]) {
      expect(existsSync(path.join(dir, 'jobs', backendJobName(job.id, attempt)))).toBe(false);
      const file = await downloadArtifact(A.ctx, { runId: done.runId, path: `gantry/logs/attempt-${attempt}.log` }, { store });
      const kept = Buffer.concat((await file.body.toArray()) as Buffer[]).toString('utf8');
      expect(kept).toContain(`attempt ${attempt}\n${'ü€'.repeat(70000)}\n`);
      let text = '';
      let offset = 0;
      let reads = 0;
      for (;;) {
        const chunk = await readJobLogs(A.ctx, { jobId: job.id, attempt, offset }, { artifactStore: store });
        text += chunk.text;
        offset = chunk.nextOffset;
        reads++;
        if (chunk.complete) break;
      }
      expect(reads).toBeGreaterThan(1);
      expect(text).toBe(kept);
      expect(offset).toBe(Buffer.byteLength(kept));
    }
  });

  it('cancels a running job: the process stops, the job and run end cancelled', async () => {
    const job = await submitTrainingJob(A.ctx, { project, ...node("console.log('working'); setTimeout(() => {}, 120000)") });
    const final = await withWorker(async () => {
      await waitFor('the job to run', async () => (await getTrainingJob(A.ctx, job.id)).job.status === 'running');
      await cancelTrainingJob(A.ctx, { jobId: job.id, reason: 'wrong data' });
      return result(job.id, 'cancelled-running');
    });
    expect(final).toMatchObject({ status: 'cancelled' });
    const { job: done } = await getTrainingJob(A.ctx, job.id);
    expect(done.status).toBe('cancelled');
    expect((await getRun(A.ctx, done.runId!)).status).toBe('KILLED');
    expect(done.finishedAt).not.toBeNull();
    // It ran until it was stopped, and that time is charged.
    expect(done.runtimeSeconds).toBeGreaterThan(0);
    expect(done.costMicros).toBeGreaterThan(0);
  });

  it('cancels a queued job before anything starts', async () => {
    const job = await submitTrainingJob(A.ctx, { project, ...node('setTimeout(() => {}, 60000)') });
    // No worker is polling yet: the request is recorded and the signal waits in the workflow's history.
    await cancelTrainingJob(A.ctx, { jobId: job.id });
    const final = await withWorker(() => result(job.id, 'cancelled-queued'));
    expect(final).toBeNull();
    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    expect(done).toMatchObject({ status: 'cancelled', backendName: null, runId: null });
    expect(events.map((e) => e.status)).toEqual(['queued', 'cancelled']);
    expect(existsSync(path.join(dir, 'jobs')) ? readdirSync(path.join(dir, 'jobs')).filter((d) => d.includes(job.id.toLowerCase().replace(/_/g, '-'))) : []).toEqual([]);
  });

  it('stops a job that exceeds its max runtime and marks it', async () => {
    const job = await submitTrainingJob(A.ctx, { project, ...node('setTimeout(() => {}, 120000)'), maxRuntimeSeconds: 2 });
    const final = await withWorker(() => result(job.id, 'deadline-exceeded'));
    expect(final).toMatchObject({ status: 'failed', reason: 'DeadlineExceeded' });
    const { job: done } = await getTrainingJob(A.ctx, job.id);
    expect(done.runtimeSeconds).toBeLessThan(30);
  });

  it('refuses a job whose worst case does not fit its team budget at submission, with the numbers, and writes nothing', async () => {
    const local = (await listClusters(A.ctx)).find((c) => c.kind === 'local')!;
    await updateClusterPrices(A.ctx, { clusterId: local.id, cpuCoreHourMicros: 1_000_000, memoryGibHourMicros: 0, gpu: [] });
    // A team of its own, so that the jobs of the other tests are not in its spend.
    const capped = await createTeam(A.ctx, { name: 'Capped' });
    const cappedProject = (await createProject(A.ctx, { teamId: capped.id, name: 'Capped work' })).slug;
    await setBudget(A.ctx, { teamId: capped.id, amountMicros: 1_500_000 });
    const jobsBefore = (await inTenantScope({ orgId: A.orgId }, (tx) => tx.select({ id: trainingJobs.id }).from(trainingJobs))).length;
    // Two attempts of an hour at 2 cores and $1 a core-hour: up to $4.00 against $1.50.
    const refused = await submitTrainingJob(A.ctx, { project: cappedProject, ...node('0'), maxRuntimeSeconds: 3600, retries: 1, resources: { cpu: 2 } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect((refused as AppError).message).toMatch(/could cost up to \$4\.00 .* more than is left of team Capped's budget for \w+ \d{4}: budget \$1\.50, spent \$0\.00, reserved by running jobs \$0\.00, left \$1\.50$/);
    expect((await inTenantScope({ orgId: A.orgId }, (tx) => tx.select({ id: trainingJobs.id }).from(trainingJobs))).length).toBe(jobsBefore);

    // A job that fits holds its worst case until it ends, then its measured cost replaces it.
    const small = await submitTrainingJob(A.ctx, { project: cappedProject, ...node('0'), maxRuntimeSeconds: 60, resources: { cpu: 1 } });
    const held = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(budgetReservations).where(eq(budgetReservations.jobId, small.id)));
    expect(held.map((r) => r.amountMicros)).toEqual([16_667]);
    await withWorker(() => result(small.id, 'within-budget'));
    expect(await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(budgetReservations).where(eq(budgetReservations.jobId, small.id)))).toEqual([]);
    const [standing] = await listBudgets(A.ctx, { teamId: capped.id });
    expect(standing).toMatchObject({ amountMicros: 1_500_000, reservedMicros: 0, thresholds: [50, 80, 100], action: 'block', teamName: 'Capped' });
    expect(standing!.spentMicros + standing!.remainingMicros).toBe(1_500_000);
    await deleteBudget(A.ctx, { budgetId: standing!.id });
    expect(await listBudgets(A.ctx, { teamId: capped.id })).toEqual([]);
  });

  it('refuses bad specs at submission with coded errors and writes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ project, command: [] }, 'command'],
      [{ project, command: ['x'], env: { MLFLOW_TRACKING_URI: 'http://evil' } }, 'env'],
      [{ project, command: ['x'], resources: { gpu: { count: 0, type: 'a100' } } }, 'resources.gpu.count'],
      [{ project, command: ['x'], maxRuntimeSeconds: 0 }, 'maxRuntimeSeconds'],
      [{ project, command: ['x'], surprise: 1 }, ''],
      [{ project: 'no-such-project', command: ['x'] }, ''],
      [{ project, command: ['x'], cluster: 'no-such-cluster' }, ''],
    ];
    for (const [input, field] of cases) {
      const e = await submitTrainingJob(A.ctx, input).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e, JSON.stringify(input)).toBeInstanceOf(AppError);
      expect(['BAD_USER_INPUT', 'NOT_FOUND']).toContain((e as AppError).code);
      if (field) expect(JSON.stringify((e as AppError).fields)).toContain(field);
    }
  });

  it('never shows, cancels, or reads the logs of another organization’s job, nor uses its cluster', async () => {
    const job = await submitTrainingJob(A.ctx, { project, ...node('0') });
    await withWorker(() => client.workflow.getHandle(jobWorkflowId(job.id)).result());
    const localA = (await listClusters(A.ctx)).find((c) => c.kind === 'local')!;
    await expect(getTrainingJob(B.ctx, job.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(cancelTrainingJob(B.ctx, { jobId: job.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readJobLogs(B.ctx, { jobId: job.id }, { artifactStore: store })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(submitTrainingJob(B.ctx, { project, command: ['x'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const teamB = await createTeam(B.ctx, { name: 'B team' });
    const projectB = await createProject(B.ctx, { teamId: teamB.id, name: 'B project' });
    await expect(submitTrainingJob(B.ctx, { project: projectB.slug, command: ['x'], cluster: localA.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await listClusters(B.ctx)).map((c) => c.id)).not.toContain(localA.id);

    // Timelines loaded together (the jobs list) are each job's own, and none of them for B.
    const ids = (await listTrainingJobs(A.ctx, { first: 50 })).rows.map((j) => j.id);
    expect(ids.length).toBeGreaterThan(3);
    const together = await listJobEvents(A.ctx, [...ids, 'job_unknown']);
    expect([...together.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(together.get(id)).toEqual((await getTrainingJob(A.ctx, id)).events);
    expect((await listJobEvents(B.ctx, ids)).size).toBe(0);
  });

  it('replays every recorded history without determinism errors', async () => {
    const replayed = await replayRuns(handles, 'training-jobs');
    expect(handles.length).toBeGreaterThanOrEqual(6);
    expect(replayed).toHaveLength(handles.length);
    for (const r of replayed) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});
