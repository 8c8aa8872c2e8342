import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore } from '../core/artifacts/filesystem-artifact-store';
import { backendJobName } from '../core/compute/compute-backend';
import { connectCluster } from '../core/compute/connect-cluster';
import { sanitizeKubeconfig } from '../core/compute/kubeconfig';
import { KubernetesBackend } from '../core/compute/kubernetes/backend';
import { LABELS } from '../core/compute/kubernetes/manifests';
import { removeCluster } from '../core/compute/remove-cluster';
import { resetEnvCache } from '../config/env';
import { createProject } from '../core/tenancy/create-project';
import { createTeam } from '../core/tenancy/create-team';
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
import { recordHistory } from './histories';

/**
 * Training jobs on a real Kubernetes control plane (KWOK nodes) through the real workflow and
 * worker, with credentials as an operator would give them: a namespaced service account, one
 * that may not list nodes, one that loses a permission after connecting. Where the cluster says
 * no, or cannot answer, the job still ends, in words, with nothing of it left behind.
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
  [platform, cp] = await Promise.all([startTemporalPlatform('k8s-jobs'), startKubeControlPlane()]);
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

const result = (jobId: string) => platform.client.workflow.getHandle(jobWorkflowId(jobId)).result();

/** Connects a cluster through a fresh service account of the namespace (Gantry's Role; `list nodes` unless `clusterRules` says otherwise). */
async function connect(name: string, opts: { rules?: Parameters<KubeControlPlane['serviceAccount']>[0]['rules']; clusterRules?: Parameters<KubeControlPlane['serviceAccount']>[0]['clusterRules'] } = {}) {
  const kubeconfig = await cp.serviceAccount({ namespace: NAMESPACE, name, ...opts });
  const cluster = await connectCluster(A.ctx, { name, namespace: NAMESPACE, kubeconfig });
  return { cluster, kubeconfig };
}

const gpuJob = (cluster: string, count: number, type: string, env: Record<string, string> = {}) =>
  submitTrainingJob(A.ctx, { project, cluster, image: 'python:3.11-slim', command: ['python', 'train.py'], env, resources: { cpu: 1, memoryMiB: 1024, gpu: { count, type } } });

async function podsOf(backendName: string) {
  return (await cp.admin.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${LABELS.backendJob}=${backendName}` })).items;
}

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
    const final = await result(job.id);
    // A workflow that ends a failed job is replayed against later workflow code with the others (workers/replay.test.ts).
    if (process.env.GANTRY_RECORD_HISTORIES === '1') recordHistory('training-job-kubernetes-submit-failed', await platform.client.workflow.getHandle(jobWorkflowId(job.id)).fetchHistory());
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
