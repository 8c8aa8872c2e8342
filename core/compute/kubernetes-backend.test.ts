import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../config/env';
import { AppError } from '../errors';
import { newId } from '../ids';
import { FAKE_NAMESPACE, FAKE_SERVER_NAME, GPU_TYPE_LABEL, startKubernetesFake, type KubernetesFake } from '../testing/kubernetes-fake';
import { backendJobName, type BackendJobSpec } from './compute-backend';
import { sanitizeKubeconfig } from './kubeconfig';
import { ClusterApiError, KubernetesBackend, LOG_CHUNK_BYTES, labelValue, parseQuantity } from './kubernetes-backend';
import { BlockedAddressError } from './network-policy';

let fake: KubernetesFake;

function spec(overrides: Partial<Omit<BackendJobSpec, 'resources'>> & { resources?: Partial<BackendJobSpec['resources']> } = {}): BackendJobSpec {
  const jobId = overrides.jobId ?? newId('job');
  const attempt = overrides.attempt ?? 1;
  return {
    name: backendJobName(jobId, attempt),
    jobId,
    attempt,
    orgId: newId('org'),
    teamId: newId('team'),
    projectId: newId('project'),
    runId: newId('run'),
    image: 'ghcr.io/acme/trainer:1.0',
    command: ['python', 'train.py'],
    args: ['--epochs', '3'],
    env: { GANTRY_RUN_ID: 'run_x', MLFLOW_TRACKING_URI: 'https://gantry.example.com/api/mlflow' },
    maxRuntimeSeconds: 3600,
    ...overrides,
    resources: { cpu: 2, memoryMiB: 4096, gpuCount: 0, gpuType: null, ...overrides.resources },
  };
}

const backend = (kubeconfig = fake.kubeconfig(), opts: { gpuTypeLabel?: string } = {}) =>
  new KubernetesBackend(sanitizeKubeconfig(kubeconfig), { namespace: FAKE_NAMESPACE, ...opts });

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

beforeAll(async () => {
  // The fake listens on 127.0.0.1: allowed only through the operator setting.
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  resetEnvCache();
  fake = await startKubernetesFake({ clock: 'manual' });
});

afterAll(async () => {
  await fake?.stop();
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
});

describe('KubernetesBackend against the fake API server', () => {
  it('creates one labelled batch/v1 Job with GPU limits, selector, tolerations, deadline and TTL; a second submit finds it', async () => {
    const k = backend();
    const s = spec({ resources: { cpu: 0.5, memoryMiB: 2048, gpuCount: 2, gpuType: 'nvidia-a100' } });
    expect(await k.submit(s)).toEqual({ created: true });
    expect(await k.submit(s)).toEqual({ created: false });
    const jobs = fake.listJobs(FAKE_NAMESPACE).filter((j) => (j.metadata as { name: string }).name === s.name);
    expect(jobs).toHaveLength(1);

    const job = jobs[0] as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> & { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } };
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 });
    const labels = { 'gantry.dev/org': s.orgId, 'gantry.dev/team': s.teamId, 'gantry.dev/project': s.projectId, 'gantry.dev/job': s.jobId, 'gantry.dev/run': s.runId, 'gantry.dev/attempt': '1' };
    expect(job.metadata.labels).toMatchObject(labels);
    expect(job.spec.template.metadata.labels).toMatchObject(labels);
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      nodeSelector: { [GPU_TYPE_LABEL]: 'nvidia-a100' },
      tolerations: expect.arrayContaining([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]),
    });
    expect(pod.containers[0]).toMatchObject({
      name: 'main',
      image: s.image,
      command: ['python', 'train.py'],
      args: ['--epochs', '3'],
      env: expect.arrayContaining([{ name: 'GANTRY_RUN_ID', value: 'run_x' }]),
      resources: { limits: { cpu: '500m', memory: '2048Mi', 'nvidia.com/gpu': '2' }, requests: { cpu: '500m', memory: '2048Mi', 'nvidia.com/gpu': '2' } },
    });
  });

  it('makes label values label-safe', () => {
    expect(labelValue('org_01HZX')).toBe('org_01HZX');
    expect(labelValue('--Team One/ß--')).toBe('Team-One');
    expect(labelValue('a'.repeat(80))).toHaveLength(63);
    expect(labelValue(`${'a'.repeat(62)}-b`)).toBe('a'.repeat(62));
  });

  it('reports pending → running → succeeded with times, exit code and runtime; logs page by byte offset', async () => {
    const k = backend();
    const s = spec();
    await k.submit(s);
    expect(await k.status(s.name)).toMatchObject({ phase: 'pending', reason: null, startedAt: null, usage: null });
    expect(await k.logs(s.name, 0)).toEqual({ text: '', nextOffset: 0 });

    fake.advance(500);
    const running = await k.status(s.name);
    expect(running).toMatchObject({ phase: 'running', reason: null, exitCode: null });
    expect(running!.startedAt).toBeInstanceOf(Date);

    const first = await k.logs(s.name, 0);
    expect(first.text).toBe('fake-trainer: starting python train.py --epochs 3\n');
    expect(first.nextOffset).toBe(Buffer.byteLength(first.text));
    expect(await k.logs(s.name, first.nextOffset)).toEqual({ text: '', nextOffset: first.nextOffset });

    fake.appendLog(FAKE_NAMESPACE, s.name, 'loss=0.25 ✓ größer\n');
    const second = await k.logs(s.name, first.nextOffset);
    expect(second.text).toBe('loss=0.25 ✓ größer\n');
    expect(second.nextOffset).toBe(first.nextOffset + Buffer.byteLength(second.text));

    fake.advance(2500);
    const done = await k.status(s.name);
    expect(done).toMatchObject({ phase: 'succeeded', reason: null, exitCode: 0 });
    expect(done!.finishedAt!.getTime()).toBeGreaterThanOrEqual(done!.startedAt!.getTime());
    expect(done!.usage!.runtimeSeconds).toBeGreaterThanOrEqual(1);
    expect(done!.usage!.runtimeSeconds).toBeLessThanOrEqual(3);
    const rest = await k.logs(s.name, second.nextOffset);
    expect(rest.text).toMatch(/fake-trainer: step 1\n[\s\S]*fake-trainer: done\n$/);
  });

  it('pages logs larger than one chunk without splitting a multi-byte character', async () => {
    const k = backend();
    const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
    await k.submit(s);
    fake.advance(500);
    const head = (await k.logs(s.name, 0)).text;
    let written = Buffer.byteLength(head);
    const append = (text: string) => {
      fake.appendLog(FAKE_NAMESPACE, s.name, text);
      written += Buffer.byteLength(text);
      return text;
    };
    let expected = head;
    for (let i = 0; written < LOG_CHUNK_BYTES - 200; i++) expected += append(`épocha ✓ 训练 — ${'·'.repeat(i % 40)} ${i}\n`);
    // The first chunk's limit falls on the second byte of this line's first "✓".
    expected += append(`${'x'.repeat(LOG_CHUNK_BYTES - 1 - written)}✓✓✓ crosses the chunk boundary\n`);
    // One line longer than a chunk, with no newline inside the chunk.
    expected += append('训'.repeat(Math.ceil(LOG_CHUNK_BYTES / 3) + 1000));

    const chunks: string[] = [];
    let offset = 0;
    for (let i = 0; i < 6; i++) {
      const chunk = await k.logs(s.name, offset);
      if (chunk.text === '') break;
      expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(LOG_CHUNK_BYTES);
      expect(chunk.nextOffset).toBe(offset + Buffer.byteLength(chunk.text));
      chunks.push(chunk.text);
      offset = chunk.nextOffset;
    }
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks[0]!.endsWith('\n')).toBe(true);
    expect(chunks.join('')).toBe(expected);
    expect(offset).toBe(written);
    await k.cancel(s.name);
  });

  it('maps failures: exit code 1 → Error, OOM → OOMKilled, a missed deadline → DeadlineExceeded', async () => {
    const k = backend();
    const failing = spec({ image: 'registry.example.com/t:fail' });
    const oom = spec({ image: 'registry.example.com/t:oomkilled' });
    const slow = spec({ image: 'registry.example.com/t:sleep', maxRuntimeSeconds: 5 });
    for (const s of [failing, oom, slow]) await k.submit(s);
    fake.advance(3000);
    expect(await k.status(failing.name)).toMatchObject({ phase: 'failed', reason: 'Error', exitCode: 1, message: 'The container exited with code 1' });
    expect(await k.status(oom.name)).toMatchObject({ phase: 'failed', reason: 'OOMKilled', exitCode: 137 });
    expect(await k.status(slow.name)).toMatchObject({ phase: 'running' });
    expect((await k.logs(failing.name, 0)).text).toContain('fake-trainer: error: loss is NaN\n');

    fake.advance(3000);
    const late = await k.status(slow.name);
    expect(late).toMatchObject({ phase: 'failed', reason: 'DeadlineExceeded', message: 'The job ran longer than its limit of 5 seconds' });
    expect(late!.finishedAt).toBeInstanceOf(Date);
  });

  it('reports ImagePullBackOff and Unschedulable (insufficient nvidia.com/gpu) as pending with the reason', async () => {
    const k = backend();
    const badImage = spec({ image: 'ghcr.io/acme/typo:imagepullbackoff' });
    const tooBig = spec({ resources: { gpuCount: 8, gpuType: 'nvidia-a100' } });
    const noSuchType = spec({ resources: { gpuCount: 1, gpuType: 'nvidia-h100' } });
    for (const s of [badImage, tooBig, noSuchType]) await k.submit(s);
    fake.advance(200);
    expect(await k.status(badImage.name)).toMatchObject({ phase: 'pending', reason: 'ErrImagePull' });
    fake.advance(400);
    expect(await k.status(badImage.name)).toMatchObject({ phase: 'pending', reason: 'ImagePullBackOff', message: expect.stringContaining('typo:imagepullbackoff') });
    expect(await k.logs(badImage.name, 0)).toEqual({ text: '', nextOffset: 0 });

    const unschedulable = await k.status(tooBig.name);
    expect(unschedulable).toMatchObject({ phase: 'pending', reason: 'Unschedulable' });
    expect(unschedulable!.message).toMatch(/^0\/3 nodes are available: .*1 Insufficient nvidia\.com\/gpu/);
    expect((await k.status(noSuchType.name))!.message).toMatch(/node\(s\) didn't match Pod's node affinity\/selector/);
  });

  it('queues a GPU job until the GPUs it needs are free', async () => {
    const k = backend();
    const a = spec({ resources: { gpuCount: 1, gpuType: 'nvidia-t4' } });
    const b = spec({ resources: { gpuCount: 1, gpuType: 'nvidia-t4' } });
    await k.submit(a);
    fake.advance(150);
    await k.submit(b);
    fake.advance(500);
    expect(await k.status(a.name)).toMatchObject({ phase: 'running' });
    expect(await k.status(b.name)).toMatchObject({ phase: 'pending', reason: 'Unschedulable', message: expect.stringContaining('Insufficient nvidia.com/gpu') });
    fake.advance(2500);
    expect(await k.status(a.name)).toMatchObject({ phase: 'succeeded' });
    expect(await k.status(b.name)).toMatchObject({ phase: 'running' });
  });

  it('cancel deletes the Job and its pod (background propagation); cancelling again is fine', async () => {
    const k = backend();
    const s = spec({ image: 'ghcr.io/acme/trainer:sleep' });
    await k.submit(s);
    fake.advance(500);
    expect(await k.status(s.name)).toMatchObject({ phase: 'running' });
    const podsOf = () => fake.listPods(FAKE_NAMESPACE).filter((p) => (p.metadata as { labels: Record<string, string> }).labels['job-name'] === s.name);
    expect(podsOf()).toHaveLength(1);
    await k.cancel(s.name);
    expect(await k.status(s.name)).toBeNull();
    expect(podsOf()).toHaveLength(0);
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${s.name}`))).toHaveLength(1);
    await k.cancel(s.name);
    expect(await k.status('gantry-never-submitted-a1')).toBeNull();
  });

  it('a finished Job disappears after its TTL', async () => {
    const k = new KubernetesBackend(sanitizeKubeconfig(fake.kubeconfig()), { namespace: FAKE_NAMESPACE, ttlSecondsAfterFinished: 60 });
    const s = spec();
    await k.submit(s);
    fake.advance(3000);
    expect(await k.status(s.name)).toMatchObject({ phase: 'succeeded' });
    fake.advance(61_000);
    expect(await k.status(s.name)).toBeNull();
  });

  it('refuses to adopt a Job with the same name that belongs to another Gantry job', async () => {
    const k = backend();
    const mine = spec();
    await k.submit(mine);
    const e = await rejection(k.submit({ ...spec(), name: mine.name }));
    expect(e.code).toBe('CONFLICT');
  });

  it('sums capacity by GPU type from allocatable resources', async () => {
    const capacity = await backend().capacity();
    expect(capacity.cpuCores).toBeCloseTo(7.91 + 31.85 + 15.89, 3);
    expect(capacity.memoryMiB).toBe(Math.floor((32856660 * 1024 + 251 * 2 ** 30 + 60 * 2 ** 30) / 2 ** 20));
    expect(capacity.gpus).toEqual([
      { gpuType: 'nvidia-a100', allocatable: 4, nodes: 1 },
      { gpuType: 'nvidia-t4', allocatable: 1, nodes: 1 },
    ]);
    const byOtherLabel = await backend(undefined, { gpuTypeLabel: 'example.com/accelerator' }).capacity();
    expect(byOtherLabel.gpus).toEqual([{ gpuType: 'unlabelled', allocatable: 5, nodes: 2 }]);
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('7910m')).toBeCloseTo(7.91);
    expect(parseQuantity('1Ki')).toBe(1024);
    expect(parseQuantity('2G')).toBe(2e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('0.5')).toBe(0.5);
    expect(parseQuantity('lots')).toBeNaN();
  });

  it('authenticates with a client certificate', async () => {
    const k = backend(fake.kubeconfig({ user: 'gantry-runner', auth: 'certificate' }));
    const s = spec();
    expect(await k.submit(s)).toEqual({ created: true });
    expect(await k.status(s.name)).toMatchObject({ phase: 'pending' });
    expect(fake.requests.some((r) => r.user === 'gantry-runner' && r.method === 'POST')).toBe(true);
    // Listing nodes is cluster-scoped; this user's role is namespaced.
    const e = await rejection(k.capacity());
    expect(e).toBeInstanceOf(ClusterApiError);
    expect((e as ClusterApiError).reason).toBe('cluster-forbidden');
  });

  it('maps 401 (bad token) and 403 (RBAC) to clear FORBIDDEN errors', async () => {
    const bad = backend(fake.kubeconfig({ token: 'not-the-token' }));
    const e401 = await rejection(bad.submit(spec()));
    expect(e401.code).toBe('FORBIDDEN');
    expect((e401 as ClusterApiError).reason).toBe('cluster-unauthorized');
    expect((e401 as ClusterApiError).retryable).toBe(false);
    expect(e401.message).toMatch(/rejected Gantry's credentials \(401 Unauthorized\)/);
    expect((await rejection(bad.status('gantry-x-a1'))).code).toBe('FORBIDDEN');

    const viewer = backend(fake.kubeconfig({ user: 'gantry-viewer' }));
    const e403 = await rejection(viewer.submit(spec()));
    expect(e403.code).toBe('FORBIDDEN');
    expect((e403 as ClusterApiError).reason).toBe('cluster-forbidden');
    expect(e403.message).toContain(`may not create jobs in namespace "${FAKE_NAMESPACE}"`);
    expect(e403.message).toContain('User "gantry-viewer" cannot create resource "jobs" in API group "batch"');
    // What the role allows still works.
    expect(await viewer.status('gantry-missing-a1')).toBeNull();
    expect((await rejection(viewer.cancel('gantry-missing-a1'))).code).toBe('FORBIDDEN');
  });

  it('verifies the server certificate: no CA or a wrong server name fail, tls-server-name is honoured', async () => {
    const noCa = await rejection(backend(fake.kubeconfig({ omitCa: true })).status('gantry-x-a1'));
    expect(noCa.code).toBe('UNAVAILABLE');
    expect((noCa as ClusterApiError).reason).toBe('cluster-tls');
    expect(noCa.message).toContain('certificate-authority-data');

    const wrongName = await rejection(backend(fake.kubeconfig({ tlsServerName: 'other.example.com' })).status('gantry-x-a1'));
    expect((wrongName as ClusterApiError).reason).toBe('cluster-tls');

    expect(await backend(fake.kubeconfig({ tlsServerName: FAKE_SERVER_NAME })).status('gantry-x-a1')).toBeNull();
  });

  it('reports an unreachable server as UNAVAILABLE and retryable', async () => {
    const k = backend(fake.kubeconfig({ server: 'https://127.0.0.1:1' }));
    const e = await rejection(k.status('gantry-x-a1'));
    expect(e.code).toBe('UNAVAILABLE');
    expect((e as ClusterApiError).retryable).toBe(true);
  });

  it('rejects an invalid namespace and invalid specs before calling the cluster', async () => {
    expect(() => new KubernetesBackend(sanitizeKubeconfig(fake.kubeconfig()), { namespace: 'Not_A_Namespace' })).toThrow(AppError);
    const k = backend();
    const before = fake.requests.length;
    expect((await rejection(k.submit(spec({ resources: { gpuCount: 1.5 } })))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(k.submit(spec({ env: { 'BAD NAME': 'x' } })))).code).toBe('BAD_USER_INPUT');
    expect((await rejection(k.submit(spec({ maxRuntimeSeconds: 0 })))).code).toBe('BAD_USER_INPUT');
    expect(fake.requests.length).toBe(before);
  });

  describe('without the operator setting', () => {
    afterEach(() => {
      process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
      resetEnvCache();
    });

    it('refuses to connect to a name that resolves to a loopback address, before any request', async () => {
      const kubeconfig = sanitizeKubeconfig(fake.kubeconfig({ server: `https://localhost:${fake.port}` }));
      process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'false';
      resetEnvCache();
      const before = fake.requests.length;
      const k = new KubernetesBackend(kubeconfig, { namespace: FAKE_NAMESPACE });
      const e = await rejection(k.status('gantry-x-a1'));
      expect(e).toBeInstanceOf(BlockedAddressError);
      expect(e.code).toBe('BAD_USER_INPUT');
      expect(e.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
      expect(fake.requests.length).toBe(before);
    });
  });
});
