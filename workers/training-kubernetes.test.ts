import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { WorkflowHandle } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { backendJobName } from '../core/compute/compute-backend';
import { connectCluster } from '../core/compute/connect-cluster';
import { sanitizeKubeconfig } from '../core/compute/kubeconfig';
import { KubernetesBackend } from '../core/compute/kubernetes/backend';
import { LABELS, labelValue } from '../core/compute/kubernetes/manifests';
import { removeCluster } from '../core/compute/remove-cluster';
import { updateClusterPrices } from '../core/compute/update-cluster-prices';
import { resetEnvCache } from '../config/env';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { getRun } from '../core/tracking/get-run';
import { jobWorkflowId } from '../core/training/access';
import { cancelTrainingJob } from '../core/training/cancel-training-job';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { readJobLogs } from '../core/training/read-job-logs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { apiKeys } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { LOG_REASONS } from '../rules/job-status';
import { backendJobSpec } from '../testing/backend-jobs';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { gantryRoleRules, startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane';
import { FAKE_NAMESPACE, startKubernetesFake } from '../testing/kubernetes-fake';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { replayRuns } from './histories';

/**
 * Training jobs on a real Kubernetes control plane (KWOK nodes) through the real workflow and
 * worker, with credentials as an operator would give them: a namespaced service account, one
 * that may not list nodes, one that loses a permission after connecting. Each way a job ends
 * (success, an exit code, OOM, its deadline, cancel) ends its workflow, with where it ran, what it
 * cost and what is left on the cluster checked there. Where the cluster says no, or cannot
 * answer, the job still ends, in words, with nothing of it left behind. KWOK runs no containers,
 * so no job here has a log to keep: what the log holds is tested against the fake, which writes one.
 */

const NAMESPACE = 'gantry-jobs';
const A100 = 'NVIDIA-A100-SXM4-80GB';
const H100 = 'NVIDIA-H100-80GB-HBM3';

let platform: TemporalPlatform;
let cp: KubeControlPlane;
let store: FilesystemArtifactStore;
let A: SignedUp;
let project: string;

beforeAll(async () => {
  // One after the other: each picks free ports, and ports picked at once can collide.
  platform = await startTemporalPlatform('k8s-jobs');
  cp = await startKubeControlPlane();
  await cp.namespace(NAMESPACE);
  // The control plane is on loopback; jobs are told to reach Gantry at an address a pod could.
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  process.env.GANTRY_PUBLIC_URL = 'https://gantry.example.com';
  resetEnvCache();
  store = new FilesystemArtifactStore(path.join(platform.dir, 'artifacts'));
  A = await signUpUser('k8s-jobs');
  const team = await createTeam(A.ctx, { name: 'ML' });
  project = (await createProject(A.ctx, { teamId: team.id, name: 'Vision' })).slug;
  await platform.startWorker({ artifactStore: store });
}, 180_000);

afterAll(async () => {
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
  await platform?.stop();
  await cp?.stop();
});

const handles: { label: string; handle: WorkflowHandle }[] = [];

/** Waits for the job's workflow; with a `label`, its history is replayed at the end (and recorded as `training-job-<label>`). */
async function result(jobId: string, label?: string) {
  const handle = platform.client.workflow.getHandle(jobWorkflowId(jobId));
  if (label) handles.push({ label: `training-job-${label}`, handle });
  return handle.result();
}

/** Connects a cluster through a fresh service account of the namespace (Gantry's Role; `list nodes` unless `clusterRules` says otherwise). */
async function connect(name: string, opts: { rules?: Parameters<KubeControlPlane['serviceAccount']>[0]['rules']; clusterRules?: Parameters<KubeControlPlane['serviceAccount']>[0]['clusterRules'] } = {}) {
  const kubeconfig = await cp.serviceAccount({ namespace: NAMESPACE, name, ...opts });
  const cluster = await connectCluster(A.ctx, { name, namespace: NAMESPACE, kubeconfig });
  return { cluster, kubeconfig };
}

const gpuJob = (cluster: string, count: number, type: string, env: Record<string, string> = {}) =>
  submitTrainingJob(A.ctx, { project, cluster, image: 'python:3.11-slim', command: ['python', 'train.py'], env, resources: { cpu: 1, memoryMiB: 1024, gpu: { count, type } } });

async function podsOf(backendName: string): Promise<V1Pod[]> {
  return (await cp.admin.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${LABELS.backendJob}=${backendName}` })).items;
}

/** The Kubernetes Jobs made for a Gantry job, by its label. */
const jobsOf = async (jobId: string) => (await cp.admin.batch.listNamespacedJob({ namespace: NAMESPACE, labelSelector: `${LABELS.job}=${labelValue(jobId)}` })).items;

/** A job on cluster `gpu` (connected by the first test of its block), its pod's lifecycle picked by `env`. */
const job = (env: Record<string, string>, extra: Record<string, unknown> = {}) =>
  submitTrainingJob(A.ctx, { project, cluster: 'gpu', image: 'python:3.11-slim', command: ['python', 'train.py'], env, ...extra });

describe('training jobs on a real Kubernetes control plane', () => {
  it('refuses up front a GPU job no single node can hold, in words, and places the ones that fit on a node of their type', async () => {
    await connect('gpus');
    const greedy = await gpuJob('gpus', 8, A100);
    expect(await result(greedy.id)).toBeNull();
    const refused = (await getTrainingJob(A.ctx, greedy.id)).job;
    expect(refused).toMatchObject({ status: 'failed', reason: 'Unschedulable', backendName: null });
    expect(refused.message).toBe(
      `Cluster gpus has no node with 8 GPUs of type ${A100}: insufficient nvidia.com/gpu. A job runs on one node, and the largest has 4 (8 across all nodes); ask for 4 or fewer.`,
    );

    const two = await gpuJob('gpus', 2, A100);
    const eight = await gpuJob('gpus', 8, H100);
    expect(await result(two.id)).toMatchObject({ status: 'succeeded' });
    expect(await result(eight.id)).toMatchObject({ status: 'succeeded' });
    const [twoPod] = await podsOf((await getTrainingJob(A.ctx, two.id)).job.backendName!);
    expect(['gpu-a100-1', 'gpu-a100-2']).toContain(twoPod!.spec!.nodeName);
    const [eightPod] = await podsOf((await getTrainingJob(A.ctx, eight.id)).job.backendName!);
    expect(eightPod!.spec!.nodeName).toBe('gpu-h100-1');
  });

  it('runs a GPU job on credentials that may not list nodes: capacity unknown, the scheduler decides', async () => {
    const { cluster, kubeconfig } = await connect('no-nodes', { clusterRules: [] });
    expect(cluster.status).toBe('degraded');
    const fits = await gpuJob('no-nodes', 1, A100);
    expect(await result(fits.id)).toMatchObject({ status: 'succeeded' });

    // The worker's words for the refusal name nodes for what they are: outside any namespace.
    const backend = new KubernetesBackend(sanitizeKubeconfig(kubeconfig), { namespace: NAMESPACE });
    const refused = await backend.capacity().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(refused?.message).toMatch(/may not list nodes \(a cluster-scoped permission, granted by a ClusterRole\)/);
    expect(refused?.message).not.toContain('in namespace');

    // More GPUs than any node has: nothing refuses it up front, so it waits on the scheduler, and says why.
    const tooBig = await gpuJob('no-nodes', 16, A100);
    await waitFor('the scheduler to refuse the pod', async () => (await getTrainingJob(A.ctx, tooBig.id)).job.reason === 'Unschedulable');
    expect((await getTrainingJob(A.ctx, tooBig.id)).job.message).toMatch(/Insufficient nvidia\.com\/gpu/);
    // Its pod has no node yet: the API server answers its log with 204 No Content, which is no output, not an error.
    expect(await readJobLogs(A.ctx, { jobId: tooBig.id }, { artifactStore: store })).toMatchObject({ text: '', nextOffset: 0, complete: false });
    await cancelTrainingJob(A.ctx, { jobId: tooBig.id });
    expect(await result(tooBig.id)).toMatchObject({ status: 'cancelled' });
    const backendName = (await getTrainingJob(A.ctx, tooBig.id)).job.backendName!;
    await expect(cp.admin.batch.readNamespacedJob({ name: backendName, namespace: NAMESPACE })).rejects.toMatchObject({ code: 404 });
  });

  it('ends a job failed, cleaned up and with its key revoked when a permission is lost after connecting', async () => {
    await connect('loses-update');
    const lost = gantryRoleRules().map((r) => (r.resources?.includes('secrets') ? { ...r, verbs: r.verbs.filter((v) => v !== 'update') } : r));
    await cp.setRoleRules(NAMESPACE, 'loses-update', lost);
    await waitFor('the Role to lose update secrets', async () => {
      const can = await cp.kubectl(['auth', 'can-i', 'update', 'secrets', '-n', NAMESPACE, `--as=system:serviceaccount:${NAMESPACE}:loses-update`]);
      return can.stdout.trim() === 'no';
    });

    const job = await submitTrainingJob(A.ctx, { project, cluster: 'loses-update', image: 'python:3.11-slim', command: ['python', 'train.py'], env: { KWOK_RUN_FOR: '60s' } });
    // A workflow that ends a failed job is replayed against later workflow code with the others (workers/replay.test.ts).
    const final = await result(job.id, 'kubernetes-submit-failed');
    expect(final).toMatchObject({ status: 'failed', reason: 'SubmitFailed' });
    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    expect(done.status).toBe('failed');
    expect(done.message).toMatch(/^Submitting the job to the cluster failed: The cluster's credentials may not update secrets in namespace "gantry-jobs"/);
    expect(done.message).toContain('Grant the missing RBAC permission');
    expect(events.at(-1)).toMatchObject({ status: 'failed', reason: 'SubmitFailed' });

    // Nothing of it stays on the cluster: the Job, its pods (garbage collected), its Secret.
    const name = backendJobName(job.id, 1);
    expect(done.backendName).toBe(name);
    await expect(cp.admin.batch.readNamespacedJob({ name, namespace: NAMESPACE })).rejects.toMatchObject({ code: 404 });
    await expect(cp.admin.core.readNamespacedSecret({ name, namespace: NAMESPACE })).rejects.toMatchObject({ code: 404 });
    await waitFor('the garbage collector to delete the pods', async () => (await podsOf(name)).length === 0);

    // Its key no longer works, cancelling changes nothing, and the cluster has no active job left.
    const [key] = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(apiKeys).where(and(eq(apiKeys.id, done.runApiKeyId!), eq(apiKeys.orgId, A.orgId))));
    expect(key!.revokedAt).not.toBeNull();
    expect(await cancelTrainingJob(A.ctx, { jobId: job.id })).toMatchObject({ status: 'failed' });
    await expect(removeCluster(A.ctx, { clusterId: done.clusterId })).resolves.toBeTruthy();
  });

  it('retries a log the kubelet cannot serve, then keeps a log that says it could not be collected', async () => {
    await connect('logs');
    const job = await submitTrainingJob(A.ctx, { project, cluster: 'logs', image: 'python:3.11-slim', command: ['python', 'train.py'] });
    expect(await result(job.id)).toMatchObject({ status: 'succeeded' });
    const { job: done, events } = await getTrainingJob(A.ctx, job.id);
    const step = events.find((e) => e.reason === LOG_REASONS.notCollected);
    expect(step?.message).toMatch(/^The log could not be collected from the cluster: The cluster's API server failed to read pod logs \(HTTP 500\)/);
    expect(events.map((e) => e.status).at(-1)).toBe('succeeded');
    // One `pending` (the submit's): a pod that exists and is not running yet has nothing to add.
    expect(events.map((e) => (e.reason ? `${e.status}:${e.reason}` : e.status))).toEqual(['queued', 'pending', 'running', `pending:${LOG_REASONS.notCollected}`, 'succeeded']);
    const logs = await readJobLogs(A.ctx, { jobId: done.id }, { artifactStore: store });
    expect(logs.complete).toBe(true);
    expect(logs.text).toMatch(/^\[gantry\] This log could not be collected from the cluster: The cluster's API server failed to read pod logs \(HTTP 500\)[^\n]*\n$/);
  });

  it('warns in the connect result when Gantry has no address pods can reach', async () => {
    delete process.env.GANTRY_PUBLIC_URL;
    resetEnvCache();
    try {
      const { cluster } = await connect('no-public-url');
      expect(cluster.status).toBe('degraded');
      const checks = (cluster.validation as { checks: { id: string; status: string; message: string }[] }).checks;
      expect(checks.find((c) => c.id === 'public-url')).toMatchObject({ status: 'warning', message: expect.stringContaining('http://localhost:3000, which inside a pod is the pod itself') });
      expect(checks.filter((c) => c.status !== 'passed').map((c) => c.id)).toEqual(['public-url']);
    } finally {
      process.env.GANTRY_PUBLIC_URL = 'https://gantry.example.com';
      resetEnvCache();
    }
  });
});

describe('how a job on a connected Kubernetes cluster ends', () => {
  it('connects with a namespaced service account: wrong credentials refused, stored encrypted, GPU capacity by type from the nodes', async () => {
    const kubeconfig = await cp.serviceAccount({ namespace: NAMESPACE, name: 'gpu' });
    const wrongToken = kubeconfig.replace(/token: .+/, 'token: wrong');
    await expect(connectCluster(A.ctx, { name: 'gpu', namespace: NAMESPACE, kubeconfig: wrongToken })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    const cluster = await connectCluster(A.ctx, { name: 'gpu', namespace: NAMESPACE, kubeconfig });
    expect(cluster).toMatchObject({ kind: 'kubernetes', status: 'ready', namespace: NAMESPACE, server: cp.server });
    expect((cluster.capacity as { gpus: { gpuType: string; allocatable: number; nodes: number }[] }).gpus).toEqual([
      expect.objectContaining({ gpuType: A100, allocatable: 8, nodes: 2 }),
      expect.objectContaining({ gpuType: H100, allocatable: 8, nodes: 1 }),
    ]);

    const token = /token: (.+)/.exec(kubeconfig)![1]!;
    const [stored] = await platform.db.ownerSql<{ encrypted_config: string }[]>`select encrypted_config from clusters where id = ${cluster.id}`;
    expect(stored!.encrypted_config).toMatch(/^v1:/);
    expect(stored!.encrypted_config).not.toContain(token);
    expect(Buffer.from(stored!.encrypted_config.split(':')[3]!, 'base64url').toString('latin1')).not.toContain(token);
    // Two A100s at $3,600 an hour each are $2 a second; nothing else is priced.
    await updateClusterPrices(A.ctx, { clusterId: cluster.id, cpuCoreHourMicros: 0, memoryGibHourMicros: 0, gpu: [{ gpuType: A100, hourMicros: 3_600_000_000 }] });
  });

  it('runs a 2-GPU job on a node of its type and charges the time its pod ran', async () => {
    const submitted = await job({}, { resources: { cpu: 4, memoryMiB: 16384, gpu: { count: 2, type: A100 } } });
    expect(await result(submitted.id, 'kubernetes-succeeded')).toMatchObject({ status: 'succeeded', reason: null });
    const { job: done, events } = await getTrainingJob(A.ctx, submitted.id);
    expect(done.status).toBe('succeeded');
    expect(events.at(-1)).toMatchObject({ status: 'succeeded' });

    const k8sJobs = await jobsOf(submitted.id);
    expect(k8sJobs).toHaveLength(1);
    const manifest = k8sJobs[0]!;
    expect(manifest.metadata!.name).toBe(done.backendName);
    expect(Object.values(manifest.metadata!.labels!)).toEqual(expect.arrayContaining([labelValue(submitted.id), labelValue(A.orgId), labelValue(done.runId!)]));
    expect(manifest.spec!.backoffLimit).toBe(0);
    expect(manifest.spec!.template.spec!.nodeSelector!['nvidia.com/gpu.product']).toBe(A100);
    expect(manifest.spec!.template.spec!.containers[0]!.resources!.limits!['nvidia.com/gpu']).toBe('2');
    // Gantry goes by the pod, which ends a moment before the Job controller marks the Job.
    await waitFor('the Job to be Complete', async () => (await jobsOf(submitted.id))[0]?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));

    // The scheduler put it where the GPUs are.
    const pods = await podsOf(done.backendName!);
    expect(pods).toHaveLength(1);
    expect(['gpu-a100-1', 'gpu-a100-2']).toContain(pods[0]!.spec!.nodeName);

    // Runtime and cost are the container's own start and end, as the cluster recorded them.
    const ran = pods[0]!.status!.containerStatuses![0]!.state!.terminated!;
    expect(ran.exitCode).toBe(0);
    const podSeconds = (ran.finishedAt!.getTime() - ran.startedAt!.getTime()) / 1000;
    expect(podSeconds).toBeGreaterThan(0);
    expect(done.runtimeSeconds).toBe(podSeconds);
    expect(done.startedAt?.getTime()).toBe(ran.startedAt!.getTime());
    expect(done.finishedAt?.getTime()).toBe(ran.finishedAt!.getTime());
    expect(done.costMicros).toBe(Math.round(podSeconds * 2_000_000));

    expect((await getRun(A.ctx, done.runId!)).status).toBe('FINISHED');
    const [key] = await inTenantScope({ orgId: A.orgId }, (tx) => tx.select().from(apiKeys).where(and(eq(apiKeys.id, done.runApiKeyId!), eq(apiKeys.orgId, A.orgId))));
    expect(key!.revokedAt).not.toBeNull();
    // No log assertion: KWOK runs no container, so the API server has no log to give for its pod.
  });

  it('refuses a job asking for more GPUs of a type than the cluster has, in words, before creating anything', async () => {
    const greedy = await job({}, { resources: { gpu: { count: 16, type: A100 } } });
    expect(await result(greedy.id, 'kubernetes-unschedulable')).toBeNull();
    const refused = (await getTrainingJob(A.ctx, greedy.id)).job;
    expect(refused).toMatchObject({ status: 'failed', reason: 'Unschedulable', backendName: null });
    expect(refused.message).toContain('insufficient nvidia.com/gpu');
    expect(await jobsOf(greedy.id)).toEqual([]);
  });

  it('refuses a job with Python requirements at submission: the image carries the environment there', async () => {
    const before = (await cp.admin.batch.listNamespacedJob({ namespace: NAMESPACE })).items.length;
    await expect(job({}, { python: { requirements: ['six==1.17.0'] } })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining("on Kubernetes the job's image carries them (e.g. RUN pip install -r requirements.txt in its Dockerfile)"),
      fields: [{ path: 'python', message: 'On Kubernetes clusters the image provides the Python environment' }],
    });
    expect((await cp.admin.batch.listNamespacedJob({ namespace: NAMESPACE })).items).toHaveLength(before);
  });

  it('shows the scheduler’s words while a job larger than any node waits, until it is cancelled', async () => {
    // No capacity check covers CPUs: the pod is created and the real scheduler says why it cannot place it.
    const big = await job({}, { resources: { cpu: 32, memoryMiB: 1024 } });
    const waiting = await waitFor('the job to wait Unschedulable', async () => {
      const { job: j } = await getTrainingJob(A.ctx, big.id);
      return j.reason === 'Unschedulable' ? j : null;
    });
    expect(waiting.status).toBe('pending');
    expect(waiting.message).toMatch(/0\/4 nodes are available: .*Insufficient cpu/);
    await cancelTrainingJob(A.ctx, { jobId: big.id });
    expect(await result(big.id, 'kubernetes-unschedulable-cancelled')).toMatchObject({ status: 'cancelled' });
  });

  it('fails a job whose container exits non-zero, with its exit code', async () => {
    const failing = await job({ KWOK_EXIT_CODE: '3' });
    expect(await result(failing.id, 'kubernetes-exit-code')).toMatchObject({ status: 'failed', reason: 'Error' });
    const { job: done } = await getTrainingJob(A.ctx, failing.id);
    expect(done).toMatchObject({ status: 'failed', reason: 'Error', attempt: 1 });
    expect(done.message).toContain('exited with code 3');
    expect((await podsOf(done.backendName!))[0]!.status!.containerStatuses![0]!.state!.terminated).toMatchObject({ exitCode: 3 });
    expect((await getRun(A.ctx, done.runId!)).status).toBe('FAILED');
  });

  it('fails a job whose container is OOM-killed, saying so', async () => {
    const oom = await job({ KWOK_OUTCOME: 'OOMKilled' });
    expect(await result(oom.id, 'kubernetes-oom-killed')).toMatchObject({ status: 'failed', reason: 'OOMKilled' });
    const { job: done } = await getTrainingJob(A.ctx, oom.id);
    expect(done.message).toContain('ran out of memory (exit code 137)');
  });

  it('fails a job that runs past its max runtime with the deadline as the reason', async () => {
    const slow = await job({ KWOK_RUN_FOR: '300s' }, { maxRuntimeSeconds: 3 });
    expect(await result(slow.id, 'kubernetes-deadline-exceeded')).toMatchObject({ status: 'failed', reason: 'DeadlineExceeded' });
    const { job: done } = await getTrainingJob(A.ctx, slow.id);
    expect(done.message).toContain('limit of 3 seconds');
    expect(done.runtimeSeconds).toBeLessThan(30);
    // The Job controller ended it: the Job says why, and its pod is deleted.
    await waitFor('the Job to be Failed for its deadline', async () =>
      (await jobsOf(slow.id))[0]?.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True' && c.reason === 'DeadlineExceeded'),
    );
    await waitFor('the pod to be deleted', async () => (await podsOf(done.backendName!)).length === 0);
  });

  it('cancels a running job: the Job, its pod and its Secret are deleted from the cluster', async () => {
    const long = await job({ KWOK_RUN_FOR: '600s' });
    await waitFor('the Kubernetes job to run', async () => (await getTrainingJob(A.ctx, long.id)).job.status === 'running');
    const name = (await getTrainingJob(A.ctx, long.id)).job.backendName!;
    const [k8sJob] = await jobsOf(long.id);
    expect(await podsOf(name)).toHaveLength(1);
    // The Secret with the job's key belongs to its Job, so the garbage collector takes it with the Job.
    const secret = await cp.admin.core.readNamespacedSecret({ name, namespace: NAMESPACE });
    expect(secret.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name, uid: k8sJob!.metadata!.uid })]);

    await cancelTrainingJob(A.ctx, { jobId: long.id });
    expect(await result(long.id, 'kubernetes-cancelled')).toMatchObject({ status: 'cancelled' });
    const { job: done } = await getTrainingJob(A.ctx, long.id);
    expect(done.status).toBe('cancelled');
    expect((await getRun(A.ctx, done.runId!)).status).toBe('KILLED');

    await waitFor('the Job, its pod and its Secret to be gone', async () => {
      const [jobs, pods, secrets] = await Promise.all([
        jobsOf(long.id),
        podsOf(name),
        cp.admin.core.listNamespacedSecret({ namespace: NAMESPACE, labelSelector: `${LABELS.backendJob}=${name}` }),
      ]);
      return jobs.length === 0 && pods.length === 0 && secrets.items.length === 0;
    });
  });
});

describe('cancelling a job whose container has written a log', () => {
  it('keeps the log before deleting the Job', async () => {
    // KWOK runs no containers, so no log: the fake writes one while the job runs.
    const fake = await startKubernetesFake({ timing: { scheduleMs: 50, startMs: 100, runMs: 600_000, logIntervalMs: 100 } });
    try {
      await connectCluster(A.ctx, { name: 'fake-logs', namespace: FAKE_NAMESPACE, kubeconfig: fake.kubeconfig() });
      const job = await submitTrainingJob(A.ctx, { project, cluster: 'fake-logs', image: 'python:3.11-slim', command: ['sleep', '600'] });
      await waitFor('output', async () => (await readJobLogs(A.ctx, { jobId: job.id }, { artifactStore: store })).text.length > 0);
      await cancelTrainingJob(A.ctx, { jobId: job.id });
      expect(await result(job.id)).toMatchObject({ status: 'cancelled' });
      expect(fake.listJobs(FAKE_NAMESPACE)).toEqual([]);
      const kept = await readJobLogs(A.ctx, { jobId: job.id }, { artifactStore: store });
      expect(kept.complete).toBe(true);
      expect(kept.text.length).toBeGreaterThan(0);
    } finally {
      await fake.stop();
    }
  });
});

describe('reading logs straight from the backend', () => {
  it('reads an unscheduled pod’s log as empty', async () => {
    const backend = new KubernetesBackend(sanitizeKubeconfig(await cp.serviceAccount({ namespace: NAMESPACE, name: 'reader' })), { namespace: NAMESPACE });
    const name = 'gantry-unscheduled-a1';
    await backend.submit(backendJobSpec(name, { jobId: 'job_unscheduled', runId: 'run_unscheduled' }, ['python'], { resources: { cpu: 1, memoryMiB: 256, gpuCount: 64, gpuType: A100 } }));
    await waitFor('the pod', async () => (await podsOf(name)).length === 1);
    expect(await backend.logs(name, 0)).toEqual({ text: '', nextOffset: 0 });
    await backend.cancel(name);
  });
});

describe('the histories of these workflows', () => {
  it('replay without determinism errors', async () => {
    const replayed = await replayRuns(handles, 'training-jobs-kubernetes');
    expect(handles.length).toBeGreaterThanOrEqual(8);
    expect(replayed).toHaveLength(handles.length);
    for (const r of replayed) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});
