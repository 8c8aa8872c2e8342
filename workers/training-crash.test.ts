import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Job } from '@kubernetes/client-node';
import { Client } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster } from '../core/compute/connect-cluster';
import { listClusters } from '../core/compute/list-clusters';
import { updateClusterPrices } from '../core/compute/update-cluster-prices';
import { eq } from 'drizzle-orm';
import { budgetReservations, costLines } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { LABELS, labelValue } from '../core/compute/kubernetes/manifests';
import { resetEnvCache } from '../config/env';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { getRun } from '../core/tracking/get-run';
import { jobWorkflowId } from '../core/training/access';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { exited, workerProcesses } from '../testing/worker-processes';

/**
 * The worker process is killed with SIGKILL while a job runs, on the local backend and on a
 * real Kubernetes control plane. A new worker process picks the workflow up; the job
 * completes, exactly one backend job exists for it, and its run has one end state.
 */

let platform: TemporalPlatform;
let cp: KubeControlPlane;
let client: Client;
let home: string;
let A: SignedUp;
let project: string;

const workers = workerProcesses();
const startWorker = workers.start;


/**
 * Runs the job under a first worker, kills that worker with SIGKILL (as a crash or the OOM killer
 * would) once the job runs, and starts another: the job must end once, succeeded, in its first
 * attempt, with its run finished. `whileDown` looks at the job while no worker runs.
 */
async function killWorkerMidJob(jobId: string, whileDown: () => Promise<void> = async () => {}) {
  const first = startWorker();
  await waitFor('the job to run under the first worker', async () => (await getTrainingJob(A.ctx, jobId)).job.status === 'running');
  first.kill('SIGKILL');
  await exited(first);
  expect(first.signalCode).toBe('SIGKILL');
  await whileDown();

  startWorker();
  expect(await client.workflow.getHandle(jobWorkflowId(jobId)).result()).toMatchObject({ status: 'succeeded' });
  const { job: done, events } = await getTrainingJob(A.ctx, jobId);
  expect(done.status).toBe('succeeded');
  expect(done.attempt).toBe(1);
  expect(events.filter((e) => ['succeeded', 'failed', 'cancelled'].includes(e.status))).toHaveLength(1);
  expect((await getRun(A.ctx, done.runId!)).status).toBe('FINISHED');
  // Charged once, exactly: one ledger line of the job's cost, and nothing left reserved.
  const [lines, held] = await inTenantScope({ orgId: A.orgId }, async (tx) => [
    await tx.select().from(costLines).where(eq(costLines.jobId, jobId)),
    await tx.select().from(budgetReservations).where(eq(budgetReservations.jobId, jobId)),
  ]);
  expect(done.costMicros).toBeGreaterThan(0);
  expect(lines.map((l) => l.amountMicros)).toEqual([done.costMicros]);
  expect(held).toEqual([]);
  return done;
}

beforeAll(async () => {
  // The worker processes under test inherit the platform's environment (Temporal, task queue, GANTRY_HOME).
  // One after the other: each picks free ports, and ports picked at once can collide.
  platform = await startTemporalPlatform('crash');
  cp = await startKubeControlPlane();
  ({ client } = platform);
  // The control plane listens on loopback; the pods are told a Gantry address a pod could reach.
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  process.env.GANTRY_PUBLIC_URL = 'https://gantry.example.com';
  resetEnvCache();
  // The test's own directory: local jobs in jobs/, the job's start marks beside them.
  home = platform.dir;
  A = await signUpUser('crash');
  const team = await createTeam(A.ctx, { name: 'ML' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Crash' })).slug;
  const local = (await listClusters(A.ctx)).find((c) => c.kind === 'local')!;
  await updateClusterPrices(A.ctx, { clusterId: local.id, cpuCoreHourMicros: 3_600_000_000, memoryGibHourMicros: 0, gpu: [] });
}, 180_000);

// Each test starts its own workers: one left polling would take the next test's job.
afterEach(async () => {
  await workers.killAll();
});

afterAll(async () => {
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
  await platform?.stop();
  await cp?.stop();
});

describe('a worker killed mid-job', () => {
  it('loses nothing: a new worker finishes the job, with one backend job and one end state', async () => {
    // Every start of the job's process leaves a line here, outside the job's own directory.
    const starts = path.join(home, 'starts.log');
    const job = await submitTrainingJob(A.ctx, {
      project,
      command: [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(starts)}, 'start\\n'); console.log('epoch 1'); setTimeout(() => console.log('epoch 2'), 6000)`],
    });
    await killWorkerMidJob(job.id);

    // One backend job ran, once; its log was kept and its directory released.
    expect(readFileSync(starts, 'utf8')).toBe('start\n');
    expect(readdirSync(path.join(home, 'jobs')).filter((d) => d.includes(job.id.toLowerCase().replace(/_/g, '-')))).toEqual([]);
    const log = await readJobLogs(A.ctx, { jobId: job.id });
    expect(log).toMatchObject({ complete: true, text: 'epoch 1\nepoch 2\n' });
  }, 180_000);

  it('loses nothing on Kubernetes: a new worker follows the same Job to its end, and no second Job is created', async () => {
    const namespace = 'crash';
    const kubeconfig = await cp.serviceAccount({ namespace, name: 'gantry' });
    const gpu = await connectCluster(A.ctx, { name: 'gpu', namespace, kubeconfig });
    await updateClusterPrices(A.ctx, { clusterId: gpu.id, cpuCoreHourMicros: 3_600_000_000, memoryGibHourMicros: 0, gpu: [] });
    const jobsOf = async (jobId: string) => (await cp.admin.batch.listNamespacedJob({ namespace, labelSelector: `${LABELS.job}=${labelValue(jobId)}` })).items;
    // Long enough that the second worker, which takes over once the first one's heartbeat times out, finds the Job still running.
    const job = await submitTrainingJob(A.ctx, { project, cluster: 'gpu', image: 'python:3.11-slim', command: ['python', 'train.py'], env: { KWOK_RUN_FOR: '30s' } });
    let running: V1Job | undefined;
    const done = await killWorkerMidJob(job.id, async () => {
      [running] = await jobsOf(job.id);
      expect(running?.status?.active).toBe(1);
    });

    // One Job, with one pod, ran once (the Job controller counts the pod a moment after it ends).
    const jobs = await waitFor('the Job to count its pod', async () => {
      const found = await jobsOf(job.id);
      return found[0]?.status?.succeeded ? found : null;
    });
    expect(jobs.map((j) => j.metadata?.name)).toEqual([done.backendName]);
    expect(jobs[0]!.metadata!.uid).toBe(running!.metadata!.uid);
    expect(jobs[0]!.status).toMatchObject({ succeeded: 1 });
    expect(jobs[0]!.status?.failed ?? 0).toBe(0);
    const pods = await cp.admin.core.listNamespacedPod({ namespace, labelSelector: `${LABELS.backendJob}=${done.backendName}` });
    expect(pods.items).toHaveLength(1);
    // No log assertion: KWOK runs no container, so the API server has no log to give for its pod.
  }, 240_000);
});
