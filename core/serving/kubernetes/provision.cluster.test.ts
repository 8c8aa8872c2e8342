import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../../config/env';
import { GPU_TYPE_LABEL, startKubeControlPlane, type KubeControlPlane } from '../../../testing/kube-control-plane';
import { KSERVE_CRD } from '../../../testing/kserve-crd';
import { waitFor } from '../../../testing/wait-for';
import { sanitizeKubeconfig } from '../../compute/kubeconfig';
import { buildInferenceService, buildModelSecret, buildServingDeployment, buildServingService, servingObjectName, type ServingVersionSpec } from './manifests';
import { hasKServe, provisionVersion, removeVersion, servingTargetFromKubeconfig, versionsOnCluster, waitVersionReady, type ServingTarget } from './provision';

/**
 * A version's model server objects against a real control plane (testing/kube-control-plane.ts):
 * the API server validates them and enforces the documented Role, the Deployment and ReplicaSet
 * controllers and the scheduler do their work, and KWOK makes the pods Ready (or stuck pulling
 * their image when the container asks for it). No image runs; the model server's HTTP is tested
 * through the gateway in workers/serving-kubernetes.test.ts.
 */

const NS = 'gantry-serving';
const OTHER_NS = 'other-team';
const A100 = 'NVIDIA-A100-SXM4-80GB';
let cp: KubeControlPlane;
let target: ServingTarget;

let seq = 0;
function spec(over: Partial<ServingVersionSpec> = {}): ServingVersionSpec {
  seq++;
  return {
    orgId: 'org_01JTESTORGAAAAAAAAAAAAAAAA',
    projectId: 'prj_01JTESTPROJECTAAAAAAAAAAAA',
    deploymentId: `dep_01JTESTDEPLOYMENT${String(seq).padStart(9, '0')}`,
    deploymentName: `churn-${seq}`,
    versionId: `mv_01JTESTVERSION${String(seq).padStart(11, '0')}`,
    version: 3,
    image: 'seldonio/mlserver:1.7.1',
    replicas: 2,
    cpu: 0.5,
    memoryMib: 1024,
    gpuCount: 0,
    gpuType: null,
    model: { artifactUri: 'mlflow-artifacts:/1/run_x/artifacts/model', trackingUri: 'https://gantry.example.com' },
    ...over,
  };
}
const ref = (s: ServingVersionSpec) => ({ orgId: s.orgId, deploymentId: s.deploymentId, version: s.version });
const credentials = { token: 'gty_read_only_test_token', apiKeyId: 'key_01JTEST' };

const readDeployment = (name: string, namespace = NS) => cp.admin.apps.readNamespacedDeployment({ name, namespace }).catch(() => null);
const readService = (name: string, namespace = NS) => cp.admin.core.readNamespacedService({ name, namespace }).catch(() => null);
const readSecret = (name: string, namespace = NS) => cp.admin.core.readNamespacedSecret({ name, namespace }).catch(() => null);

beforeAll(async () => {
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
  resetEnvCache();
  cp = await startKubeControlPlane();
  const kubeconfig = await cp.serviceAccount({ namespace: NS, name: 'gantry' });
  await cp.namespace(OTHER_NS);
  target = servingTargetFromKubeconfig(sanitizeKubeconfig(kubeconfig), { namespace: NS, gpuTypeLabel: GPU_TYPE_LABEL, clusterName: 'test-cluster' });
});

afterAll(async () => {
  await cp?.stop();
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
});

describe('a model version on a Kubernetes cluster', () => {
  it('is a labelled Deployment and Service (created once, updated after), ready once its replicas are, and removed whole', async () => {
    const s = spec({ gpuCount: 1, gpuType: A100 });
    const name = servingObjectName(s.deploymentId, s.version);
    expect(await hasKServe(target)).toBe(false);
    const first = await provisionVersion(target, s, credentials);
    expect(first).toEqual({ kind: 'deployment', name, created: true, endpoint: { service: name, namespace: NS, port: 8080 } });
    expect((await provisionVersion(target, { ...s, replicas: 1 }, credentials)).created).toBe(false);
    expect((await readDeployment(name))!.spec!.replicas).toBe(1);

    const d = (await readDeployment(name))!;
    expect(d.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'gantry', 'gantry.dev/org': s.orgId, 'gantry.dev/deployment': s.deploymentId, 'gantry.dev/model-version': s.versionId, 'gantry.dev/version': '3' });
    expect(d.metadata!.ownerReferences).toBeUndefined();
    const pod = d.spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ [GPU_TYPE_LABEL]: A100 });
    expect(pod.containers[0]!.resources!.limits).toEqual({ cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': '1' });
    expect(pod.containers[0]!.readinessProbe!.httpGet).toMatchObject({ path: '/v2/health/ready', port: 8080 });
    expect(pod.initContainers![0]!.env).toContainEqual({ name: 'MLFLOW_TRACKING_TOKEN', valueFrom: { secretKeyRef: { name: `${name}-model`, key: 'MLFLOW_TRACKING_TOKEN' } } });
    expect(JSON.stringify(d)).not.toContain(credentials.token);
    const svc = (await readService(name))!;
    expect(svc.spec!.selector).toEqual({ 'app.kubernetes.io/managed-by': 'gantry', 'gantry.dev/serving': name });
    expect(Buffer.from((await readSecret(`${name}-model`))!.data!.MLFLOW_TRACKING_TOKEN!, 'base64').toString()).toBe(credentials.token);

    const progress: string[] = [];
    await waitVersionReady(target, ref(s), 'deployment', { timeoutMs: 60_000, pollMs: 200, onProgress: (p) => progress.push(p) });
    const pods = (await cp.admin.core.listNamespacedPod({ namespace: NS, labelSelector: `gantry.dev/serving=${name}` })).items;
    expect(pods.length).toBeGreaterThanOrEqual(1);
    expect(pods.every((p) => p.spec!.nodeName?.startsWith('gpu-a100-'))).toBe(true);
    expect(await versionsOnCluster(target, ref(s))).toEqual([3]);

    expect((await removeVersion(target, ref(s))).removed).toEqual([`Deployment/${name}`, `Service/${name}`, `Secret/${name}-model`]);
    expect(await readDeployment(name)).toBeNull();
    expect(await readService(name)).toBeNull();
    expect(await readSecret(`${name}-model`)).toBeNull();
    // Removing what is gone succeeds.
    expect((await removeVersion(target, ref(s))).removed).toEqual([]);
    await waitFor('the pods to go', async () => (await cp.admin.core.listNamespacedPod({ namespace: NS, labelSelector: `gantry.dev/serving=${name}` })).items.length === 0, 30_000);
  });

  it('reports an image that cannot be pulled clearly, instead of waiting it out', async () => {
    const s = spec({ image: 'registry.example.com/no-such/mlserver:0', replicas: 1, env: { KWOK_OUTCOME: 'ImagePullBackOff' } });
    await provisionVersion(target, s, credentials);
    await expect(waitVersionReady(target, ref(s), 'deployment', { timeoutMs: 60_000, pollMs: 200 })).rejects.toThrow(
      /Version 3's model server on cluster test-cluster cannot start: container "model-server" of pod .* is in ImagePullBackOff: Back-off pulling image "registry.example.com\/no-such\/mlserver:0"/,
    );
    await removeVersion(target, ref(s));
  });

  it("never touches another organization's objects, nor anything outside its namespace", async () => {
    const theirs = spec();
    const name = servingObjectName(theirs.deploymentId, theirs.version);
    await provisionVersion(target, theirs, credentials);
    // The same name in another namespace, made by someone else.
    await cp.admin.apps.createNamespacedDeployment({ namespace: OTHER_NS, body: buildServingDeployment(theirs, { namespace: OTHER_NS }) });

    const mine = { ...theirs, orgId: 'org_01JTESTOTHERORGBBBBBBBBBBBB' };
    await expect(provisionVersion(target, mine, credentials)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/A Secret named .* that Gantry did not create for this deployment version exists in namespace "gantry-serving"/) });
    await expect(removeVersion(target, ref(mine))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await versionsOnCluster(target, ref(mine))).toEqual([]);
    expect(await readDeployment(name)).not.toBeNull();
    expect((await readSecret(`${name}-model`))!.metadata!.labels!['gantry.dev/org']).toBe(theirs.orgId);

    await removeVersion(target, ref(theirs));
    expect(await readDeployment(name)).toBeNull();
    expect(await readDeployment(name, OTHER_NS)).not.toBeNull();
  });

  it('its manifests pass a strictly validated server-side dry run', async () => {
    const s = spec({ gpuCount: 2, gpuType: A100 });
    const objects = [buildModelSecret(s, { namespace: NS, ...credentials }), buildServingDeployment(s, { namespace: NS }), buildServingService(s, { namespace: NS })];
    const result = await cp.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: objects.map((o) => stringify(o)).join('---\n') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/\(server dry run\)/g)).toHaveLength(3);
  });

  // Last: installing the CRD changes what every later provision builds.
  it('is a KServe InferenceService when the cluster serves that API: ready when KServe says so, then removed', async () => {
    const installed = await cp.kubectl(['apply', '-f', '-'], { input: KSERVE_CRD });
    expect(installed.code).toBe(0);
    await waitFor('the InferenceService API to be discoverable', () => hasKServe(target), 30_000);

    const s = spec({ replicas: 2 });
    const name = servingObjectName(s.deploymentId, s.version);
    const dry = await cp.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: stringify(buildInferenceService(s, { namespace: NS })) });
    expect(dry.stderr).toBe('');

    expect(await provisionVersion(target, s, credentials)).toEqual({ kind: 'inferenceservice', name, created: true, endpoint: { service: name, namespace: NS, port: 8080 } });
    expect((await provisionVersion(target, s, credentials)).created).toBe(false);
    expect(await readDeployment(name)).toBeNull();
    expect((await readService(name))!.spec!.selector).toEqual({ 'app.kubernetes.io/managed-by': 'gantry', 'gantry.dev/serving': name });
    const isvc = JSON.parse((await cp.kubectl(['get', 'inferenceservice', name, '-n', NS, '-o', 'json'])).stdout) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { predictor: Record<string, unknown> } };
    expect(isvc.metadata.labels['gantry.dev/deployment']).toBe(s.deploymentId);
    expect(isvc.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('RawDeployment');
    expect(isvc.spec.predictor).toMatchObject({ minReplicas: 2, maxReplicas: 2, containers: [expect.objectContaining({ name: 'kserve-container', image: s.image })] });

    // No KServe controller runs here: the test reports the InferenceService Ready as KServe would.
    const waiting = waitVersionReady(target, ref(s), 'inferenceservice', { timeoutMs: 60_000, pollMs: 200 });
    const patched = await cp.kubectl(['patch', 'inferenceservice', name, '-n', NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] } })]);
    expect(patched.stderr).toBe('');
    await waiting;

    expect((await removeVersion(target, ref(s))).removed).toEqual([`InferenceService/${name}`, `Service/${name}`, `Secret/${name}-model`]);
    expect((await cp.kubectl(['get', 'inferenceservice', name, '-n', NS])).code).not.toBe(0);
  });
});
