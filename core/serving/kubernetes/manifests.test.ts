import { describe, expect, it } from 'vitest';
import { DNS_LABEL } from '../../compute/kubernetes/manifests';
import { buildInferenceService, buildModelSecret, buildServingDeployment, buildServingService, endpointOf, servingMadeFor, servingObjectName, type ServingVersionSpec } from './manifests';

const spec = (over: Partial<ServingVersionSpec> = {}): ServingVersionSpec => ({
  orgId: 'org_01JTESTORGAAAAAAAAAAAAAAAA',
  projectId: 'prj_01JTESTPROJECTAAAAAAAAAAAA',
  deploymentId: 'dep_01JTESTDEPLOYMENTAAAAAAAAA',
  deploymentName: 'churn-prod',
  versionId: 'mv_01JTESTVERSIONAAAAAAAAAAAA',
  version: 7,
  image: 'seldonio/mlserver:1.7.1',
  replicas: 3,
  cpu: 1.5,
  memoryMib: 2048,
  gpuCount: 0,
  gpuType: null,
  model: { artifactUri: 'mlflow-artifacts:/1/run_x/artifacts/churn-model', trackingUri: 'https://gantry.example.com' },
  ...over,
});
const opts = { namespace: 'ml-serving' };

describe('serving object names', () => {
  it('are DNS-1035 labels of at most 52 characters (room for KServe suffixes), unique per deployment and version', () => {
    expect(servingObjectName('dep_01JTESTDEPLOYMENTAAAAAAAAA', 7)).toBe('gantry-dep-01jtestdeploymentaaaaaaaaa-v7');
    const long = servingObjectName(`dep_${'X'.repeat(80)}`, 123456);
    expect(long.length).toBeLessThanOrEqual(52);
    expect(long).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(long.endsWith('-v123456')).toBe(true);
    expect(servingObjectName(`dep_${'X'.repeat(80)}`, 1)).not.toBe(servingObjectName(`dep_${'X'.repeat(79)}Y`, 1));
    expect(DNS_LABEL.test(`${servingObjectName(`dep_${'X'.repeat(80)}`, 1)}-model`)).toBe(true);
  });

  it('give the gateway one address whatever runs the pods', () => {
    expect(endpointOf('dep_01JTESTDEPLOYMENTAAAAAAAAA', 7, 'ml')).toEqual({ service: 'gantry-dep-01jtestdeploymentaaaaaaaaa-v7', namespace: 'ml', port: 8080 });
  });
});

describe('a version’s manifests', () => {
  it('run MLServer with the MLflow runtime on the files the init container fetched, probed on OIP health', () => {
    const d = buildServingDeployment(spec(), opts);
    const pod = d.spec!.template.spec!;
    const [init] = pod.initContainers!;
    expect(init!.command).toEqual(['mlflow', 'artifacts', 'download', '--artifact-uri', 'mlflow-artifacts:/1/run_x/artifacts/churn-model', '--dst-path', '/mnt/models']);
    const server = pod.containers[0]!;
    expect(server.env).toEqual(expect.arrayContaining([{ name: 'MLSERVER_MODEL_IMPLEMENTATION', value: 'mlserver_mlflow.MLflowRuntime' }, { name: 'MLSERVER_MODEL_URI', value: '/mnt/models/churn-model' }]));
    expect(server.readinessProbe!.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(server.resources).toEqual({ requests: { cpu: '1500m', memory: '2048Mi' }, limits: { cpu: '1500m', memory: '2048Mi' } });
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(d.spec!.replicas).toBe(3);
    expect(d.metadata!.ownerReferences).toBeUndefined();
  });

  it('ask for GPUs as training jobs do: a limit, the GPU type as node selector, the GPU taints tolerated', () => {
    const pod = buildServingDeployment(spec({ gpuCount: 2, gpuType: 'NVIDIA-H100-80GB-HBM3' }), { ...opts, gpuTypeLabel: 'gpu.example.com/type' }).spec!.template.spec!;
    expect(pod.containers[0]!.resources!.limits).toMatchObject({ 'nvidia.com/gpu': '2' });
    expect(pod.nodeSelector).toEqual({ 'gpu.example.com/type': 'NVIDIA-H100-80GB-HBM3' });
    expect(pod.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'gpu.example.com/type', operator: 'Equal', value: 'NVIDIA-H100-80GB-HBM3', effect: 'NoSchedule' },
    ]);
  });

  it('carry labels that tie every object to its organization, deployment and version, and are recognised only for those', () => {
    const s = spec();
    const objects = [buildServingDeployment(s, opts), buildServingService(s, opts), buildModelSecret(s, { ...opts, token: 't' }), buildInferenceService(s, opts)];
    for (const o of objects) {
      expect(o.metadata!.namespace).toBe('ml-serving');
      expect(o.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'gantry', 'gantry.dev/org': s.orgId, 'gantry.dev/deployment': s.deploymentId, 'gantry.dev/version': '7' });
      expect(servingMadeFor(o.metadata!.labels, s)).toBe(true);
      expect(servingMadeFor(o.metadata!.labels, { ...s, orgId: 'org_01JOTHER' })).toBe(false);
      expect(servingMadeFor(o.metadata!.labels, { ...s, version: 8 })).toBe(false);
    }
    expect(JSON.stringify(objects.filter((o) => o.kind !== 'Secret'))).not.toContain('"t"');
  });

  it('refuse what a cluster could not run, with the field at fault', () => {
    expect(() => buildServingDeployment(spec({ gpuType: 'not a label!' }), opts)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ path: 'gpuType' })] }));
    expect(() => buildServingDeployment(spec({ model: { artifactUri: 's3://elsewhere/model', trackingUri: 'https://g' } }), opts)).toThrow(/outside Gantry's artifact store/);
    expect(() => buildServingDeployment(spec(), { namespace: 'Not_A_Namespace' })).toThrow(/not a Kubernetes namespace name/);
    expect(() => buildServingDeployment(spec({ replicas: 0 }), opts)).toThrow(/At least 1 replica/);
  });
});
