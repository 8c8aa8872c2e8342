import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { DEFAULT_USERS, FAKE_NAMESPACE, startKubernetesFake, type KubernetesFake } from '../../testing/kubernetes-fake';
import { sanitizeKubeconfig } from './kubeconfig';
import { probeKubernetesCluster, type CheckId, type ClusterValidationReport } from './probe-kubernetes';

let fake: KubernetesFake;

beforeAll(async () => {
  fake = await startKubernetesFake({
    users: [
      ...DEFAULT_USERS,
      {
        name: 'webhook-user',
        token: 'webhook-token',
        rulesIncomplete: true,
        rules: [
          { verbs: ['create', 'get', 'delete'], apiGroups: ['batch'], resources: ['jobs'], namespaces: [FAKE_NAMESPACE] },
          { verbs: ['list'], apiGroups: [''], resources: ['pods'], namespaces: [FAKE_NAMESPACE] },
          { verbs: ['get'], apiGroups: [''], resources: ['*/log'], namespaces: [FAKE_NAMESPACE] },
          { verbs: ['create', 'get', 'update', 'delete'], apiGroups: [''], resources: ['secrets'], namespaces: [FAKE_NAMESPACE] },
        ],
      },
      {
        // What a job runner needed before job credentials moved into Secrets.
        name: 'jobs-only',
        token: 'jobs-only-token',
        rules: [
          { verbs: ['create', 'get', 'list', 'delete'], apiGroups: ['batch'], resources: ['jobs'], namespaces: [FAKE_NAMESPACE] },
          { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'], namespaces: [FAKE_NAMESPACE] },
          { verbs: ['get'], apiGroups: [''], resources: ['secrets'], namespaces: [FAKE_NAMESPACE] },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await fake?.stop();
});

function allowPrivate(on: boolean) {
  process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = on ? 'true' : 'false';
  resetEnvCache();
}

afterEach(() => {
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
});

/** Probes with the fake's address allowed, as an operator of a self-hosted install would. */
async function probe(kubeconfig: string, namespace = FAKE_NAMESPACE): Promise<ClusterValidationReport> {
  allowPrivate(true);
  return probeKubernetesCluster(sanitizeKubeconfig(kubeconfig), { namespace });
}

const statuses = (r: ClusterValidationReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status])) as Record<CheckId, string>;
const check = (r: ClusterValidationReport, id: CheckId) => r.checks.find((c) => c.id === id)!;
const allowed = (r: ClusterValidationReport) => Object.fromEntries(r.permissions.map((p) => [`${p.verb} ${p.resource}`, p.allowed]));

describe('probeKubernetesCluster against the fake API server', () => {
  it('passes every check with full RBAC and reports GPU capacity by type', async () => {
    const r = await probe(fake.kubeconfig({ user: 'gantry-admin' }));
    expect(r.ok).toBe(true);
    expect(statuses(r)).toEqual({ address: 'passed', reachability: 'passed', authentication: 'passed', permissions: 'passed', namespace: 'passed', 'gpu-capacity': 'passed' });
    expect(r.checks.map((c) => c.id)).toEqual(['address', 'reachability', 'authentication', 'permissions', 'namespace', 'gpu-capacity']);
    expect(r.serverVersion).toBe('v1.31.0-gantry-fake');
    expect(r.permissions.every((p) => p.allowed)).toBe(true);
    expect(r.capacity?.gpus).toEqual([
      { gpuType: 'nvidia-a100', allocatable: 4, nodes: 1 },
      { gpuType: 'nvidia-t4', allocatable: 1, nodes: 1 },
    ]);
    expect(check(r, 'gpu-capacity').message).toBe('5 GPUs: 4 × nvidia-a100 on 1 node, 1 × nvidia-t4 on 1 node');
    expect(check(r, 'address').message).toContain('private addresses allowed by the operator');
    expect(fake.requests.some((q) => q.path === '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews' && q.user === 'gantry-admin')).toBe(true);
  });

  it('fails the permissions check with restricted RBAC and names what is missing', async () => {
    const r = await probe(fake.kubeconfig({ user: 'gantry-viewer' }));
    expect(r.ok).toBe(false);
    expect(statuses(r)).toMatchObject({ authentication: 'passed', permissions: 'failed', namespace: 'warning', 'gpu-capacity': 'warning' });
    expect(allowed(r)).toEqual({
      'create jobs': false,
      'get jobs': true,
      'delete jobs': false,
      'list pods': true,
      'get pods/log': false,
      'create secrets': false,
      'get secrets': false,
      'update secrets': false,
      'delete secrets': false,
      'list nodes': false,
    });
    expect(check(r, 'permissions').message).toBe(
      `Missing in namespace "${FAKE_NAMESPACE}": create jobs.batch (to submit training jobs), delete jobs.batch (to cancel jobs), get pods/log (to read job logs), ` +
        'create secrets (to keep job credentials out of the Job spec), get secrets (to find a resubmitted job\'s credentials), ' +
        'update secrets (to renew job credentials and tie them to their Job), delete secrets (to delete a cancelled job\'s credentials)',
    );
    expect(r.capacity).toBeNull();
  });

  it('fails credentials that may run jobs but not keep their credentials in Secrets, naming each missing verb', async () => {
    const r = await probe(fake.kubeconfig({ user: 'jobs-only' }));
    expect(r.ok).toBe(false);
    expect(statuses(r)).toMatchObject({ authentication: 'passed', permissions: 'failed' });
    expect(allowed(r)).toMatchObject({ 'create jobs': true, 'get pods/log': true, 'get secrets': true, 'create secrets': false, 'update secrets': false, 'delete secrets': false });
    expect(check(r, 'permissions').message).toBe(
      `Missing in namespace "${FAKE_NAMESPACE}": create secrets (to keep job credentials out of the Job spec), ` +
        'update secrets (to renew job credentials and tie them to their Job), delete secrets (to delete a cancelled job\'s credentials)',
    );
  });

  it('passes a namespaced job runner authenticated by client certificate, with warnings for what it may not see', async () => {
    const r = await probe(fake.kubeconfig({ user: 'gantry-runner', auth: 'certificate' }));
    expect(r.ok).toBe(true);
    expect(statuses(r)).toMatchObject({ permissions: 'passed', namespace: 'warning', 'gpu-capacity': 'warning' });
    expect(check(r, 'gpu-capacity').message).toMatch(/may not list nodes/);
  });

  it('checks each permission with an access review when the rules review is incomplete', async () => {
    const before = fake.requests.length;
    const r = await probe(fake.kubeconfig({ user: 'webhook-user' }));
    expect(statuses(r)).toMatchObject({ permissions: 'passed' });
    expect(allowed(r)).toMatchObject({ 'create jobs': true, 'get pods/log': true, 'create secrets': true, 'update secrets': true, 'list nodes': false });
    const reviews = fake.requests.slice(before).filter((q) => q.path.endsWith('/selfsubjectaccessreviews'));
    // One per namespaced permission.
    expect(reviews).toHaveLength(9);
  });

  it('stops at authentication when the cluster rejects the token', async () => {
    const r = await probe(fake.kubeconfig({ token: 'wrong' }));
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual({ address: 'passed', reachability: 'passed', authentication: 'failed', permissions: 'skipped', namespace: 'skipped', 'gpu-capacity': 'skipped' });
    expect(check(r, 'authentication').message).toMatch(/401 Unauthorized/);
  });

  it('fails a namespace that does not exist', async () => {
    const r = await probe(fake.kubeconfig(), 'no-such-namespace');
    expect(r.ok).toBe(false);
    expect(statuses(r)).toMatchObject({ namespace: 'failed', permissions: 'passed' });
    expect(check(r, 'namespace').message).toMatch(/"no-such-namespace" does not exist/);
  });

  it('fails reachability when the certificate does not verify', async () => {
    const r = await probe(fake.kubeconfig({ omitCa: true }));
    expect(statuses(r)).toMatchObject({ reachability: 'failed', authentication: 'skipped' });
    expect(check(r, 'reachability').message).toMatch(/certificate did not verify/);
  });

  it('warns when no node has GPUs', async () => {
    const cpuOnly = await startKubernetesFake({ nodes: [{ name: 'cpu-only', cpu: '4', memory: '16Gi' }] });
    try {
      const r = await probe(cpuOnly.kubeconfig());
      expect(r.ok).toBe(true);
      expect(check(r, 'gpu-capacity')).toMatchObject({ status: 'warning', message: expect.stringContaining('No node has allocatable nvidia.com/gpu') });
      expect(r.capacity).toEqual({ cpuCores: 4, memoryMiB: 16384, gpus: [] });
    } finally {
      await cpuOnly.stop();
    }
  });

  it('refuses a server name that resolves to loopback without sending it anything', async () => {
    const kubeconfig = sanitizeKubeconfig(fake.kubeconfig({ server: `https://localhost:${fake.port}` }));
    allowPrivate(false);
    const before = fake.requests.length;
    const r = await probeKubernetesCluster(kubeconfig, { namespace: FAKE_NAMESPACE });
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual({ address: 'failed', reachability: 'skipped', authentication: 'skipped', permissions: 'skipped', namespace: 'skipped', 'gpu-capacity': 'skipped' });
    expect(check(r, 'address').message).toMatch(/localhost resolves to .*loopback address/);
    expect(fake.requests.length).toBe(before);
  });
});
