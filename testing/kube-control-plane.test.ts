import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBERNETES_VERSION } from '../scripts/lib/kubernetes-binaries';
import { formatElapsed } from '../rules/elapsed';
import { GPU_RESOURCE, GPU_TYPE_LABEL, startKubeControlPlane, type KubeControlPlane } from './kube-control-plane';
import { waitFor } from './wait-for';

/**
 * The control plane the Kubernetes tests run against: the real API server, scheduler and
 * controllers, with KWOK's fake nodes giving each pod lifecycle the tests ask for.
 */

let cp: KubeControlPlane;
let startedIn = 0;
const NS = 'lifecycles';

beforeAll(async () => {
  const began = Date.now();
  cp = await startKubeControlPlane();
  startedIn = Date.now() - began;
  await cp.namespace(NS);
});
afterAll(async () => {
  if (cp) console.log(`Kubernetes ${cp.version} control plane: started in ${formatElapsed(startedIn)}, ${cp.memoryMiB()} MiB resident after the tests`);
  await cp?.stop();
});

let seq = 0;
async function job(env: Record<string, string>, resources: { gpus?: number; gpuType?: string } = {}): Promise<string> {
  const name = `lifecycle-${++seq}`;
  const gpu = resources.gpus ? { limits: { [GPU_RESOURCE]: String(resources.gpus) } } : {};
  const body: V1Job = {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'example.com/trainer:1', env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })), resources: gpu }],
          tolerations: [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }],
          ...(resources.gpuType ? { nodeSelector: { [GPU_TYPE_LABEL]: resources.gpuType } } : {}),
        },
      },
    },
  };
  await cp.admin.batch.createNamespacedJob({ namespace: NS, body });
  return name;
}

const podOf = async (jobName: string): Promise<V1Pod | undefined> => (await cp.admin.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${jobName}` })).items[0];
const condition = (j: V1Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const jobEnded = (name: string) =>
  waitFor(`job ${name} to end`, async () => {
    const j = await cp.admin.batch.readNamespacedJob({ name, namespace: NS });
    return condition(j, 'Complete') || condition(j, 'Failed') ? j : null;
  }, 30_000);

describe('the Kubernetes control plane for tests', () => {
  it(`is Kubernetes ${KUBERNETES_VERSION} with Ready GPU nodes of two types`, async () => {
    expect(cp.version).toBe(KUBERNETES_VERSION);
    const nodes = (await cp.admin.core.listNode({})).items;
    const gpus = Object.fromEntries(nodes.map((n) => [n.metadata!.name!, `${n.status?.allocatable?.[GPU_RESOURCE] ?? 0} ${n.metadata?.labels?.[GPU_TYPE_LABEL] ?? '-'}`]));
    expect(gpus).toEqual({ 'gpu-a100-1': '4 NVIDIA-A100-SXM4-80GB', 'gpu-a100-2': '4 NVIDIA-A100-SXM4-80GB', 'gpu-h100-1': '8 NVIDIA-H100-80GB-HBM3', 'cpu-1': '0 -' });
    for (const n of nodes) expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('runs a Job to Complete, with its pod scheduled on a node and real start and end times', async () => {
    const name = await job({}, { gpus: 2, gpuType: 'NVIDIA-A100-SXM4-80GB' });
    const done = await jobEnded(name);
    expect(condition(done, 'Complete')).toBeTruthy();
    const pod = (await podOf(name))!;
    expect(pod.spec?.nodeName).toMatch(/^gpu-a100-/);
    const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
    expect(term).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(term!.finishedAt!.getTime()).toBeGreaterThanOrEqual(term!.startedAt!.getTime());
  });

  it('fails a pod with the exit code its job asks for, or as OOMKilled', async () => {
    const exit = await job({ KWOK_EXIT_CODE: '3' });
    const oom = await job({ KWOK_OUTCOME: 'OOMKilled' });
    expect(condition(await jobEnded(exit), 'Failed')).toBeTruthy();
    expect((await podOf(exit))!.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(condition(await jobEnded(oom), 'Failed')).toBeTruthy();
    expect((await podOf(oom))!.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('keeps a pod running as long as asked, and pending in ImagePullBackOff or when no node has the GPUs', async () => {
    const long = await job({ KWOK_RUN_FOR: '60s' });
    const pull = await job({ KWOK_OUTCOME: 'ImagePullBackOff' });
    const big = await job({}, { gpus: 16 });
    await waitFor('the long pod to run', async () => (await podOf(long))?.status?.phase === 'Running', 20_000);
    const waiting = await waitFor('ImagePullBackOff', async () => (await podOf(pull))?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff', 20_000);
    expect(waiting).toBe(true);
    const unschedulable = await waitFor('the 16-GPU pod to be unschedulable', async () => (await podOf(big))?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'), 20_000);
    expect(unschedulable.message).toMatch(/Insufficient nvidia\.com\/gpu/);
    expect((await podOf(long))!.status?.phase).toBe('Running');
    // Deleting the Job takes its pod with it: the garbage collector and KWOK's kubelet.
    await cp.admin.batch.deleteNamespacedJob({ name: long, namespace: NS, propagationPolicy: 'Background' });
    await waitFor('the pod to be collected', async () => (await podOf(long)) === undefined, 30_000);
  });

  it('brings a Deployment to Available behind a Service with ready endpoints', async () => {
    const labels = { app: 'model-server' };
    await cp.admin.apps.createNamespacedDeployment({
      namespace: NS,
      body: { metadata: { name: 'model-server' }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'server', image: 'example.com/server:1', ports: [{ containerPort: 8080 }] }] } } } },
    });
    await cp.admin.core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'model-server' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } } });
    const available = await waitFor(
      'the deployment to be available',
      async () => {
        const d = await cp.admin.apps.readNamespacedDeployment({ name: 'model-server', namespace: NS });
        return d.status?.availableReplicas === 2 ? d : null;
      },
      30_000,
    );
    expect(available.status?.readyReplicas).toBe(2);
    const { stdout } = await cp.kubectl(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=model-server', '-o', 'jsonpath={.items[*].endpoints[*].conditions.ready}']);
    expect(stdout.split(' ')).toEqual(['true', 'true']);
  });

  it('answers a log read of a KWOK pod with the error of an unreachable kubelet', async () => {
    const name = await job({ KWOK_RUN_FOR: '60s' });
    await waitFor('the pod to run', async () => (await podOf(name))?.status?.phase === 'Running', 20_000);
    const { code, stderr } = await cp.kubectl(['logs', '-n', NS, `job/${name}`]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/connection refused|dial tcp/);
  });

  it('gives a namespaced service account only what its Role grants', async () => {
    const kubeconfig = await cp.serviceAccount({ namespace: 'sa-check', name: 'gantry', clusterRules: [] });
    expect(kubeconfig).toContain('namespace: sa-check');
    const { stdout } = await cp.kubectl(['auth', 'can-i', '--list', '-n', 'sa-check', '--as=system:serviceaccount:sa-check:gantry']);
    expect(stdout).toMatch(/jobs\.batch\s+\[\]\s+\[\]\s+\[create get delete\]/);
    const nodes = await cp.kubectl(['auth', 'can-i', 'list', 'nodes', '--as=system:serviceaccount:sa-check:gantry']);
    expect(nodes.stdout.trim()).toBe('no');
  });
});
