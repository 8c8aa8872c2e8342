import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { WorkflowHandle } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { connectCluster } from '../core/compute/connect-cluster';
import { LABELS, labelValue } from '../core/compute/kubernetes/manifests';
import { updateClusterPrices } from '../core/compute/update-cluster-prices';
import { resetEnvCache } from '../config/env';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
import { getRun } from '../core/tracking/get-run';
import { jobWorkflowId } from '../core/training/access';
import { cancelTrainingJob } from '../core/training/cancel-training-job';
import { getTrainingJob } from '../core/training/list-training-jobs';
import { submitTrainingJob } from '../core/training/submit-training-job';
import { apiKeys } from '../db/schema';
import { inTenantScope } from '../db/with-tenant';
import { signUpUser, type SignedUp } from '../testing/fixtures';
import { gantryRoleRules, startKubeControlPlane, type KubeControlPlane } from '../testing/kube-control-plane';
import { startTemporalPlatform, type TemporalPlatform } from '../testing/temporal-platform';
import { waitFor } from '../testing/wait-for';
import { replayRuns } from './histories';

/**
 * Training jobs on a connected Kubernetes cluster, end to end: a real Temporal dev server, the real
 * worker, and a real control plane (API server, scheduler, controllers, KWOK's fake GPU nodes),
 * connected as an operator would, with a service account that may do only what Gantry needs in
 * its namespace and read nodes. KWOK runs no containers, so these jobs have no log to keep; what
 * is asserted is how each one ends, where it ran, what it cost and what is left on the cluster.
 */

const NAMESPACE = 'ml-training';
const A100 = 'NVIDIA-A100-SXM4-80GB';
const H100 = 'NVIDIA-H100-80GB-HBM3';

let platform: TemporalPlatform;
let cp: KubeControlPlane;
let store: FilesystemArtifactStore;
let A: SignedUp;
let project: string;
let kubeconfig: string;
const handles: { label: string; handle: WorkflowHandle }[] = [];

/** Waits for the job's workflow; `training-job-<label>` names its history when histories are recorded. */
async function result(jobId: string, label: string) {
  const handle = platform.client.workflow.getHandle(jobWorkflowId(jobId));
  handles.push({ label: `training-job-${label}`, handle });
  return handle.result();
}

const job = (env: Record<string, string>, extra: Record<string, unknown> = {}) =>
  submitTrainingJob(A.ctx, { project, cluster: 'gpu', image: 'python:3.11-slim', command: ['python', 'train.py'], env, ...extra });

const jobsOf = async (jobId: string) => (await cp.admin.batch.listNamespacedJob({ namespace: NAMESPACE, labelSelector: `${LABELS.job}=${labelValue(jobId)}` })).items;
const podsOf = async (backendName: string): Promise<V1Pod[]> =>
  (await cp.admin.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${LABELS.backendJob}=${backendName}` })).items;

beforeAll(async () => {
  [platform, cp] = await Promise.all([startTemporalPlatform('k8s-jobs'), startKubeControlPlane()]);
  // The control plane listens on loopback; the pods are told a Gantry address a pod could reach.
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  process.env.GANTRY_PUBLIC_URL = 'https://gantry.example.com';
  resetEnvCache();
  // Gantry's Role, plus reading its own namespace (a namespaced rule), so the connection check can confirm it exists.
  kubeconfig = await cp.serviceAccount({ namespace: NAMESPACE, name: 'gantry', rules: [...gantryRoleRules(), { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }] });
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

describe('training jobs on a connected Kubernetes cluster', () => {
  it('connects with a namespaced service account: wrong credentials refused, stored encrypted, GPU capacity by type from the nodes', async () => {
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

  it('replays every recorded history without determinism errors', async () => {
    const replayed = await replayRuns(handles, 'training-jobs-kubernetes');
    expect(replayed).toHaveLength(7);
    for (const r of replayed) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});
