import type { V1Job, V1Pod, V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../../config/env';
import { ENV_NAME_MAX_LENGTH } from '../../../rules/env-names';
import { GPU_TYPE_LABEL, startKubeControlPlane, type KubeControlPlane } from '../../../testing/kube-control-plane';
import { kubernetesJobSpec, rejection, waitForJob } from '../../../testing/backend-jobs';
import { waitFor } from '../../../testing/wait-for';
import { AppError } from '../../errors';
import { newId } from '../../ids';
import { TERMINAL_PHASES, type BackendJobStatus } from '../compute-backend';
import { sanitizeKubeconfig } from '../kubeconfig';
import { KubernetesBackend } from './backend';
import { ClusterApiError } from './client';

/**
 * The Kubernetes backend against a real control plane (testing/kube-control-plane.ts): the API
 * server's validation, RBAC, TLS and audit log, the scheduler, and the Job, garbage-collector and
 * TTL controllers are the real ones. Pods run on KWOK's fake GPU nodes, whose lifecycle a job picks
 * with its environment (testing/kwok/stages.yaml). Gantry connects as a namespaced service account
 * with the documented Role, never as an admin. What only a kubelet does (logs, a container's
 * environment from its Secret) is tested against the fake in ./backend.test.ts.
 */

const NS = 'gantry-jobs';
const A100 = 'NVIDIA-A100-SXM4-80GB';
const H100 = 'NVIDIA-H100-80GB-HBM3';
let cp: KubeControlPlane;
/** Gantry's service account: the documented Role in NS, and reading nodes. */
let runner: string;
const runnerUser = `system:serviceaccount:${NS}:gantry`;

const spec = kubernetesJobSpec;

const backend = (kubeconfig = runner, opts: { gpuTypeLabel?: string; ttlSecondsAfterFinished?: number } = {}) =>
  new KubernetesBackend(sanitizeKubeconfig(kubeconfig), { namespace: NS, gpuTypeLabel: GPU_TYPE_LABEL, ...opts });

const readJob = (name: string): Promise<V1Job | null> => cp.admin.batch.readNamespacedJob({ name, namespace: NS }).catch(() => null);
const readSecret = (name: string): Promise<V1Secret | null> => cp.admin.core.readNamespacedSecret({ name, namespace: NS }).catch(() => null);
const podsOf = async (name: string): Promise<V1Pod[]> => (await cp.admin.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${name}` })).items;
const decoded = (data: Record<string, string> | undefined) => Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
const until = (k: KubernetesBackend, name: string, ok: (s: BackendJobStatus) => boolean) => waitForJob(k, name, ok, 30_000);
const ended = (k: KubernetesBackend, name: string) => until(k, name, (s) => TERMINAL_PHASES.has(s.phase));

beforeAll(async () => {
  // The control plane listens on 127.0.0.1: allowed only through the operator setting.
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  resetEnvCache();
  cp = await startKubeControlPlane();
  runner = await cp.serviceAccount({ namespace: NS, name: 'gantry' });
});

afterAll(async () => {
  await cp?.stop();
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
});

describe('KubernetesBackend against a real Kubernetes API server', () => {
  it('creates one labelled batch/v1 Job with GPU limits, selector, tolerations, deadline and TTL; a second submit finds it; the pod lands on a node of its GPU type', async () => {
    const k = backend();
    const s = spec({ resources: { cpu: 0.5, memoryMiB: 2048, gpuCount: 2, gpuType: A100 } });
    expect(await k.submit(s)).toEqual({ created: true });
    expect(await k.submit(s)).toEqual({ created: false });
    const jobs = (await cp.admin.batch.listNamespacedJob({ namespace: NS })).items.filter((j) => j.metadata?.name === s.name);
    expect(jobs).toHaveLength(1);

    const job = jobs[0]!;
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 });
    const labels = { 'gantry.dev/org': s.orgId, 'gantry.dev/team': s.teamId, 'gantry.dev/project': s.projectId, 'gantry.dev/job': s.jobId, 'gantry.dev/run': s.runId, 'gantry.dev/attempt': '1' };
    expect(job.metadata?.labels).toMatchObject(labels);
    expect(job.spec?.template.metadata?.labels).toMatchObject(labels);
    const pod = job.spec!.template.spec!;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      nodeSelector: { [GPU_TYPE_LABEL]: A100 },
      tolerations: expect.arrayContaining([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]),
    });
    expect(pod.containers[0]).toMatchObject({
      name: 'main',
      image: s.image,
      command: ['python', 'train.py'],
      args: ['--epochs', '3'],
      env: expect.arrayContaining([{ name: 'GANTRY_RUN_ID', value: 'run_x' }]),
      resources: { limits: { cpu: '500m', memory: '2Gi', 'nvidia.com/gpu': '2' }, requests: { cpu: '500m', memory: '2Gi', 'nvidia.com/gpu': '2' } },
    });
    const [scheduled] = await waitFor('the pod to be scheduled', async () => ((await podsOf(s.name))[0]?.spec?.nodeName ? podsOf(s.name) : null));
    expect(scheduled!.spec!.nodeName).toMatch(/^gpu-a100-[12]$/);
    await ended(k, s.name);
  });

  it('keeps credentials out of the Job: env names a Secret owned by the Job', async () => {
    const k = backend();
    const key = `gty_${newId('apiKey')}`;
    const s = spec({ secretEnv: { GANTRY_API_KEY: key, MLFLOW_TRACKING_TOKEN: key } });
    const before = cp.requests({ user: runnerUser }).length;
    expect(await k.submit(s)).toEqual({ created: true });
    const writes = cp.requests({ user: runnerUser }).slice(before).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path.replace(`/${s.name}`, '/<name>')} ${r.status}`)).toEqual([
      `POST /api/v1/namespaces/${NS}/secrets 201`,
      `POST /apis/batch/v1/namespaces/${NS}/jobs 201`,
      `PUT /api/v1/namespaces/${NS}/secrets/<name> 200`,
    ]);

    const job = (await readJob(s.name))!;
    expect(JSON.stringify(job)).not.toContain(key);
    expect(JSON.stringify(job)).not.toContain(Buffer.from(key).toString('base64'));
    expect(job.spec!.template.spec!.containers[0]!.env).toEqual([
      { name: 'GANTRY_RUN_ID', value: 'run_x' },
      { name: 'MLFLOW_TRACKING_URI', value: 'https://gantry.example.com/api/mlflow' },
      { name: 'GANTRY_API_KEY', valueFrom: { secretKeyRef: { name: s.name, key: 'GANTRY_API_KEY' } } },
      { name: 'MLFLOW_TRACKING_TOKEN', valueFrom: { secretKeyRef: { name: s.name, key: 'MLFLOW_TRACKING_TOKEN' } } },
    ]);

    const secret = (await readSecret(s.name))!;
    expect(secret.type).toBe('Opaque');
    expect(secret.stringData).toBeUndefined();
    expect(decoded(secret.data)).toEqual({ GANTRY_API_KEY: key, MLFLOW_TRACKING_TOKEN: key });
    expect(secret.metadata!.labels).toEqual(job.metadata!.labels);
    expect(secret.metadata!.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: s.name, uid: job.metadata!.uid, controller: false, blockOwnerDeletion: false }]);
    await k.cancel(s.name);
  });

  it('a retried submit gives its own Secret the new credentials and creates no second Job', async () => {
    const k = backend();
    const s = spec({ env: { KWOK_RUN_FOR: '60s' }, secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_first', GANTRY_API_KEY: 'gty_first' } });
    expect(await k.submit(s)).toEqual({ created: true });
    const job = (await readJob(s.name))!;
    const secretUid = (await readSecret(s.name))!.metadata!.uid;

    expect(await k.submit({ ...s, secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_second', GANTRY_API_KEY: 'gty_second' } })).toEqual({ created: false });
    expect((await cp.admin.batch.listNamespacedJob({ namespace: NS })).items.filter((j) => j.metadata?.name === s.name)).toHaveLength(1);
    const secret = (await readSecret(s.name))!;
    expect(secret.metadata!.uid).toBe(secretUid);
    expect(decoded(secret.data)).toEqual({ MLFLOW_TRACKING_TOKEN: 'gty_second', GANTRY_API_KEY: 'gty_second' });
    expect(secret.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: s.name, uid: job.metadata!.uid })]);

    // A submit cut short after the Secret: its Job is gone (orphaning the Secret), the retry makes a new Job and hands it the Secret.
    await cp.admin.batch.deleteNamespacedJob({ name: s.name, namespace: NS, propagationPolicy: 'Orphan' });
    await waitFor('the orphaned Secret to lose its owner', async () => (await readSecret(s.name))?.metadata?.ownerReferences === undefined);
    await waitFor('the Job to be gone', async () => (await readJob(s.name)) === null);
    expect(await k.submit({ ...s, secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_third' } })).toEqual({ created: true });
    const second = (await readJob(s.name))!;
    expect(second.metadata!.uid).not.toBe(job.metadata!.uid);
    expect((await readSecret(s.name))!.metadata!.ownerReferences).toEqual([expect.objectContaining({ uid: second.metadata!.uid })]);
    // Replaced, not merged: the key this submit no longer passes is gone.
    expect(decoded((await readSecret(s.name))!.data)).toEqual({ MLFLOW_TRACKING_TOKEN: 'gty_third' });
    await k.cancel(s.name);
    // The orphaned pod of the first Job: nothing owns it any more.
    for (const p of await podsOf(s.name)) await cp.admin.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: NS }).catch(() => undefined);
  });

  it('refuses a Secret of the same name that Gantry did not make for this job, before creating a Job', async () => {
    const k = backend();
    const s = spec();
    await cp.admin.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: s.name }, stringData: { password: 'theirs' } } });
    const e = await rejection(k.submit(s));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toBe(`A Secret named ${s.name} that Gantry did not create for this job exists in namespace "${NS}"`);
    expect(await readJob(s.name)).toBeNull();
    expect(decoded((await readSecret(s.name))!.data)).toEqual({ password: 'theirs' });

    // Another attempt of the same job is someone else too.
    const first = spec({ env: { KWOK_RUN_FOR: '60s' } });
    await k.submit(first);
    const other = await rejection(k.submit({ ...first, attempt: 2 }));
    expect(other.code).toBe('CONFLICT');
    expect(decoded((await readSecret(first.name))!.data)).toEqual({ MLFLOW_TRACKING_TOKEN: 'gty_test_run_key' });
    await k.cancel(first.name);
  });

  it('the garbage collector deletes the Secret with its Job (Background or Foreground delete); an Orphan delete keeps it', async () => {
    const k = backend();
    const background = spec({ env: { KWOK_RUN_FOR: '60s' } });
    const foreground = spec({ env: { KWOK_RUN_FOR: '60s' } });
    const orphan = spec({ env: { KWOK_RUN_FOR: '60s' } });
    for (const s of [background, foreground, orphan]) await k.submit(s);
    await cp.admin.batch.deleteNamespacedJob({ name: background.name, namespace: NS, propagationPolicy: 'Background' });
    await cp.admin.batch.deleteNamespacedJob({ name: foreground.name, namespace: NS, propagationPolicy: 'Foreground' });
    await cp.admin.batch.deleteNamespacedJob({ name: orphan.name, namespace: NS, propagationPolicy: 'Orphan' });
    await waitFor('the Background delete to take the Secret', async () => (await readSecret(background.name)) === null, 30_000);
    await waitFor('the Foreground delete to take the Secret', async () => (await readSecret(foreground.name)) === null, 30_000);
    await waitFor('the pods of both to go', async () => (await podsOf(background.name)).length + (await podsOf(foreground.name)).length === 0, 30_000);
    await waitFor('the orphaned Secret to lose its owner', async () => (await readSecret(orphan.name))?.metadata?.ownerReferences === undefined);
    expect(await readSecret(orphan.name)).toMatchObject({ metadata: { name: orphan.name } });
    await k.cancel(orphan.name);
    expect(await readSecret(orphan.name)).toBeNull();
    for (const p of await podsOf(orphan.name)) await cp.admin.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: NS });
  });

  it('reports pending → running → succeeded with the pod’s real start and end times, exit code and runtime', async () => {
    const k = backend();
    const s = spec({ env: { KWOK_RUN_FOR: '2s' } });
    await k.submit(s);
    expect(await k.status(s.name)).toMatchObject({ phase: 'pending', reason: null, startedAt: null, usage: null });
    const running = await until(k, s.name, (st) => st.phase === 'running');
    expect(running).toMatchObject({ phase: 'running', reason: null, exitCode: null });
    expect(running.startedAt).toBeInstanceOf(Date);

    const done = await ended(k, s.name);
    expect(done).toMatchObject({ phase: 'succeeded', reason: null, exitCode: 0 });
    const terminated = (await podsOf(s.name))[0]!.status!.containerStatuses![0]!.state!.terminated!;
    expect(done.startedAt).toEqual(terminated.startedAt);
    expect(done.finishedAt).toEqual(terminated.finishedAt);
    expect(done.usage!.runtimeSeconds).toBe((terminated.finishedAt!.getTime() - terminated.startedAt!.getTime()) / 1000);
    expect(done.usage!.runtimeSeconds).toBeGreaterThanOrEqual(1);
  });

  it('maps failures: an exit code → Error, OOM → OOMKilled, a missed deadline → DeadlineExceeded', async () => {
    const k = backend();
    const failing = spec({ env: { KWOK_EXIT_CODE: '1' } });
    const oom = spec({ env: { KWOK_OUTCOME: 'OOMKilled' } });
    const slow = spec({ env: { KWOK_RUN_FOR: '120s' }, maxRuntimeSeconds: 3 });
    for (const s of [failing, oom, slow]) await k.submit(s);
    expect(await ended(k, failing.name)).toMatchObject({ phase: 'failed', reason: 'Error', exitCode: 1, message: 'The container exited with code 1' });
    expect(await ended(k, oom.name)).toMatchObject({ phase: 'failed', reason: 'OOMKilled', exitCode: 137, message: 'The container ran out of memory (exit code 137)' });
    const late = await ended(k, slow.name);
    expect(late).toMatchObject({ phase: 'failed', reason: 'DeadlineExceeded', message: 'The job ran longer than its limit of 3 seconds' });
    expect(late.finishedAt).toBeInstanceOf(Date);
  });

  it('reports ImagePullBackOff and Unschedulable (insufficient nvidia.com/gpu, or no node of the type) as pending with the reason', async () => {
    const k = backend();
    const badImage = spec({ image: 'ghcr.io/acme/typo:1', env: { KWOK_OUTCOME: 'ImagePullBackOff' } });
    const tooBig = spec({ resources: { gpuCount: 16, gpuType: A100 } });
    const noSuchType = spec({ resources: { gpuCount: 1, gpuType: 'NVIDIA-B200' } });
    for (const s of [badImage, tooBig, noSuchType]) await k.submit(s);
    expect(await until(k, badImage.name, (st) => st.reason === 'ImagePullBackOff')).toMatchObject({ phase: 'pending', reason: 'ImagePullBackOff', message: expect.stringContaining('ghcr.io/acme/typo:1') });

    const unschedulable = await until(k, tooBig.name, (st) => st.reason === 'Unschedulable');
    expect(unschedulable).toMatchObject({ phase: 'pending', reason: 'Unschedulable' });
    expect(unschedulable.message).toMatch(/^0\/4 nodes are available: .*2 Insufficient nvidia\.com\/gpu/);
    expect((await until(k, noSuchType.name, (st) => st.reason === 'Unschedulable')).message).toMatch(/node\(s\) didn't match Pod's node affinity\/selector/);
    for (const s of [badImage, tooBig, noSuchType]) await k.cancel(s.name);
  });

  it('queues a GPU job until the GPUs it needs are free', async () => {
    const k = backend();
    const a = spec({ env: { KWOK_RUN_FOR: '3s' }, resources: { gpuCount: 8, gpuType: H100 } });
    const b = spec({ env: { KWOK_RUN_FOR: '1s' }, resources: { gpuCount: 8, gpuType: H100 } });
    await k.submit(a);
    await until(k, a.name, (st) => st.phase === 'running');
    await k.submit(b);
    expect(await until(k, b.name, (st) => st.reason === 'Unschedulable')).toMatchObject({ phase: 'pending', reason: 'Unschedulable', message: expect.stringContaining('Insufficient nvidia.com/gpu') });
    expect(await k.status(a.name)).toMatchObject({ phase: 'running' });
    expect(await ended(k, a.name)).toMatchObject({ phase: 'succeeded' });
    expect(await until(k, b.name, (st) => st.phase === 'running' || st.phase === 'succeeded')).toBeTruthy();
  });

  it('cancel deletes the Job, its pod (background propagation) and its Secret; cancelling again is fine', async () => {
    const k = backend();
    const s = spec({ env: { KWOK_RUN_FOR: '120s' } });
    await k.submit(s);
    await until(k, s.name, (st) => st.phase === 'running');
    expect(await podsOf(s.name)).toHaveLength(1);
    expect(await readSecret(s.name)).not.toBeNull();
    const before = cp.requests({ user: runnerUser }).length;
    await k.cancel(s.name);
    expect(await readSecret(s.name)).toBeNull();
    await waitFor('the Job to go', async () => (await k.status(s.name)) === null, 30_000);
    await waitFor('its pod to go', async () => (await podsOf(s.name)).length === 0, 30_000);
    const deletes = cp.requests({ user: runnerUser }).slice(before).filter((r) => r.method === 'DELETE');
    expect(deletes.filter((r) => r.path.endsWith(`/jobs/${s.name}`))).toHaveLength(1);
    // Asked for too, not left to the garbage collector, which may not have run yet.
    expect(deletes.filter((r) => r.path.endsWith(`/secrets/${s.name}`))).toHaveLength(1);
    await k.cancel(s.name);
    expect(await k.status('gantry-never-submitted-a1')).toBeNull();
  });

  it('a finished Job and its Secret disappear after its TTL', async () => {
    const k = backend(runner, { ttlSecondsAfterFinished: 2 });
    const s = spec();
    await k.submit(s);
    expect(await ended(k, s.name)).toMatchObject({ phase: 'succeeded' });
    expect(await readSecret(s.name)).not.toBeNull();
    await waitFor('the TTL controller to delete the Job', async () => (await k.status(s.name)) === null, 30_000);
    // Garbage-collected with its Job.
    await waitFor('the Secret to go with it', async () => (await readSecret(s.name)) === null, 30_000);
  });

  it('refuses to adopt a Job with the same name that belongs to another Gantry job', async () => {
    const k = backend();
    const mine = spec({ env: { KWOK_RUN_FOR: '60s' } });
    await k.submit(mine);
    const e = await rejection(k.submit({ ...spec(), name: mine.name }));
    expect(e.code).toBe('CONFLICT');
    await k.cancel(mine.name);
  });

  it('sums capacity by GPU type from the nodes’ allocatable resources', async () => {
    const capacity = await backend().capacity();
    expect(capacity.cpuCores).toBe(4 * 16);
    expect(capacity.memoryMiB).toBe(4 * 64 * 1024);
    expect(capacity.gpus).toEqual([
      expect.objectContaining({ gpuType: A100, allocatable: 8, nodes: 2, largestNode: 4 }),
      expect.objectContaining({ gpuType: H100, allocatable: 8, nodes: 1, largestNode: 8 }),
    ]);
    const byOtherLabel = await backend(runner, { gpuTypeLabel: 'example.com/accelerator' }).capacity();
    expect(byOtherLabel.gpus).toEqual([expect.objectContaining({ gpuType: 'unlabelled', allocatable: 16, nodes: 3, largestNode: 8 })]);
  });

  it('authenticates with a client certificate', async () => {
    const kubeconfig = cp.certificateKubeconfig({ user: 'gantry-runner', namespace: NS });
    await cp.admin.rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: { metadata: { name: 'gantry-runner' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gantry' }, subjects: [{ kind: 'User', name: 'gantry-runner', apiGroup: 'rbac.authorization.k8s.io' }] },
    });
    const k = backend(kubeconfig);
    const s = spec();
    expect(await k.submit(s)).toEqual({ created: true });
    expect(await k.status(s.name)).toMatchObject({ phase: expect.stringMatching(/pending|running/) });
    expect(cp.requests({ user: 'gantry-runner' }).some((r) => r.method === 'POST')).toBe(true);
    // Listing nodes is cluster-scoped; this user's role is namespaced.
    const e = await rejection(k.capacity());
    expect(e).toBeInstanceOf(ClusterApiError);
    expect((e as ClusterApiError).reason).toBe('cluster-forbidden');
    await ended(k, s.name);
  });

  it('maps 401 (bad token) and 403 (RBAC) to clear FORBIDDEN errors', async () => {
    const bad = backend(runner.replace(/token: .+/, 'token: not-the-token'));
    const e401 = await rejection(bad.submit(spec()));
    expect(e401.code).toBe('FORBIDDEN');
    expect((e401 as ClusterApiError).reason).toBe('cluster-unauthorized');
    expect((e401 as ClusterApiError).retryable).toBe(false);
    expect(e401.message).toMatch(/rejected Gantry's credentials \(401 Unauthorized\)/);
    expect((await rejection(bad.status('gantry-x-a1'))).code).toBe('FORBIDDEN');

    const viewer = backend(
      await cp.serviceAccount({ namespace: NS, name: 'gantry-viewer', rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }], clusterRules: [] }),
    );
    // Without credentials to keep, a job needs no Secret: the first refusal is the Job's.
    const e403 = await rejection(viewer.submit(spec({ secretEnv: {} })));
    expect(e403.code).toBe('FORBIDDEN');
    expect((e403 as ClusterApiError).reason).toBe('cluster-forbidden');
    expect(e403.message).toContain(`may not create jobs in namespace "${NS}"`);
    expect(e403.message).toContain(`User "system:serviceaccount:${NS}:gantry-viewer" cannot create resource "jobs" in API group "batch"`);
    // What the role allows still works.
    expect(await viewer.status('gantry-missing-a1')).toBeNull();
    expect((await rejection(viewer.cancel('gantry-missing-a1'))).code).toBe('FORBIDDEN');
  });

  it('names the missing secrets permission, and creates no Job without its Secret', async () => {
    const jobsOnly = await cp.serviceAccount({
      namespace: NS,
      name: 'jobs-only',
      rules: [
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'delete'] },
        { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] },
      ],
      clusterRules: [],
    });
    const k = backend(jobsOnly);
    const s = spec();
    const e = await rejection(k.submit(s));
    expect(e.code).toBe('FORBIDDEN');
    expect((e as ClusterApiError).reason).toBe('cluster-forbidden');
    expect(e.message).toContain(`may not create secrets in namespace "${NS}"`);
    expect(e.message).toContain(`User "system:serviceaccount:${NS}:jobs-only" cannot create resource "secrets" in API group ""`);
    expect(await readJob(s.name)).toBeNull();
    // Cancel deletes the Job, then fails on the Secret it may not delete.
    const cancel = await rejection(k.cancel(s.name));
    expect(cancel.message).toContain('may not delete secrets');
  });

  it('verifies the server certificate: no CA or a wrong server name fail, tls-server-name is honoured', async () => {
    const withCluster = (extra: string) => runner.replace(/^( *)(certificate-authority-data: .+)$/m, `$1$2\n$1${extra}`);
    const noCa = await rejection(backend(runner.replace(/\n\s+certificate-authority-data: .+/, '')).status('gantry-x-a1'));
    expect(noCa.code).toBe('UNAVAILABLE');
    expect((noCa as ClusterApiError).reason).toBe('cluster-tls');
    expect(noCa.message).toContain('certificate-authority-data');

    const wrongName = await rejection(backend(withCluster('tls-server-name: other.example.com')).status('gantry-x-a1'));
    expect((wrongName as ClusterApiError).reason).toBe('cluster-tls');

    expect(await backend(withCluster('tls-server-name: kubernetes.default.svc')).status('gantry-x-a1')).toBeNull();
  });

  it('reports an unreachable server as UNAVAILABLE and retryable', async () => {
    const k = backend(runner.replace(/server: .+/, 'server: https://127.0.0.1:1'));
    const e = await rejection(k.status('gantry-x-a1'));
    expect(e.code).toBe('UNAVAILABLE');
    expect((e as ClusterApiError).retryable).toBe(true);
  });

  it('rejects an invalid namespace and invalid specs before calling the cluster', async () => {
    expect(() => new KubernetesBackend(sanitizeKubeconfig(runner), { namespace: 'Not_A_Namespace' })).toThrow(AppError);
    const k = backend();
    const before = cp.requests({ user: runnerUser }).length;
    expect((await rejection(k.submit(spec({ resources: { gpuCount: 1.5 } })))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(k.submit(spec({ env: { 'BAD NAME': 'x' } })))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(k.submit(spec({ secretEnv: { 'BAD NAME': 'x' } })))).code).toBe('BAD_USER_INPUT');
    // Kubernetes takes these; a job spec does not, so neither does the backend.
    expect((await rejection(k.submit(spec({ env: { 'LOG.LEVEL': 'x' } })))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(k.submit(spec({ env: { ['A'.repeat(ENV_NAME_MAX_LENGTH + 1)]: 'x' } })))).code).toBe('BAD_USER_INPUT');
    const both = await rejection(k.submit(spec({ env: { MLFLOW_TRACKING_TOKEN: 'plain' } })));
    expect(both.code).toBe('BAD_USER_INPUT');
    expect(both.message).toContain('"MLFLOW_TRACKING_TOKEN" is set both as a plain and as a secret environment variable');
    expect((await rejection(k.submit(spec({ maxRuntimeSeconds: 0 })))).code).toBe('BAD_USER_INPUT');
    expect(cp.requests({ user: runnerUser }).length).toBe(before);
  });
});
