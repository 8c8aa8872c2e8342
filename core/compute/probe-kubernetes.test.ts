import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { gantryRoleRules, startKubeControlPlane, type KubeControlPlane } from '../../testing/kube-control-plane';
import { FAKE_NAMESPACE, DEFAULT_USERS, startKubernetesFake, type KubernetesFake } from '../../testing/kubernetes-fake';
import { sanitizeKubeconfig } from './kubeconfig';
import { probeKubernetesCluster, REQUIRED_PERMISSIONS, type CheckId, type ClusterValidationReport } from './probe-kubernetes';

const NAMESPACE = 'gantry-jobs';
const A100 = 'NVIDIA-A100-SXM4-80GB';
const H100 = 'NVIDIA-H100-80GB-HBM3';

let cp: KubeControlPlane;

beforeAll(async () => {
  cp = await startKubeControlPlane();
  await cp.namespace(NAMESPACE);
}, 120_000);

afterAll(async () => {
  await cp?.stop();
});

function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
}

afterEach(() => setEnv({ CLUSTER_ALLOW_PRIVATE_ADDRESSES: undefined, GANTRY_PUBLIC_URL: undefined }));

/** Probes with loopback allowed (the control plane listens there) and, unless told otherwise, Gantry at an address pods can reach. */
async function probe(kubeconfig: string, namespace = NAMESPACE, publicUrl: string | null = 'https://gantry.example.com'): Promise<ClusterValidationReport> {
  setEnv({ CLUSTER_ALLOW_PRIVATE_ADDRESSES: 'true', GANTRY_PUBLIC_URL: publicUrl ?? undefined });
  return probeKubernetesCluster(sanitizeKubeconfig(kubeconfig), { namespace });
}

type Kubeconfig = { clusters: { cluster: Record<string, string> }[]; users: { user: Record<string, string> }[] };
function edit(kubeconfig: string, change: (k: Kubeconfig) => void): string {
  const k = parse(kubeconfig) as Kubeconfig;
  change(k);
  return stringify(k);
}

const statuses = (r: ClusterValidationReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status])) as Record<CheckId, string>;
const check = (r: ClusterValidationReport, id: CheckId) => r.checks.find((c) => c.id === id)!;
const allowed = (r: ClusterValidationReport) => Object.fromEntries(r.permissions.map((p) => [`${p.verb} ${p.resource}`, p.allowed]));

/** The Role and ClusterRole the README gives operators, as written there. */
function readmeRules(): { rules: V1PolicyRule[]; clusterRules: V1PolicyRule[] } {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /kind: Role\b/.test(b));
  if (!block) throw new Error('The README has no Role');
  const docs = parseAllDocuments(block).map((d) => d.toJS() as { kind: string; rules: V1PolicyRule[] });
  return { rules: docs.find((d) => d.kind === 'Role')!.rules, clusterRules: docs.find((d) => d.kind === 'ClusterRole')?.rules ?? [] };
}

/** A kubeconfig that authenticates `user` with a client certificate the cluster's CA signed, bound to Gantry's Role in the namespace. */
async function clientCertificateKubeconfig(user: string, groups: string[]): Promise<string> {
  await cp.admin.rbac.createNamespacedRole({ namespace: NAMESPACE, body: { metadata: { name: user }, rules: gantryRoleRules() } });
  await cp.admin.rbac.createNamespacedRoleBinding({
    namespace: NAMESPACE,
    body: { metadata: { name: user }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }] },
  });
  return cp.certificateKubeconfig({ user, groups, namespace: NAMESPACE });
}

describe('probeKubernetesCluster against a real API server', () => {
  it('passes every check for a service account with only the permissions Gantry needs, and reports GPU capacity by type', async () => {
    const r = await probe(await cp.serviceAccount({ namespace: NAMESPACE, name: 'gantry' }));
    expect(r.ok).toBe(true);
    expect(statuses(r)).toEqual({ address: 'passed', reachability: 'passed', authentication: 'passed', permissions: 'passed', namespace: 'passed', 'gpu-capacity': 'passed', 'public-url': 'passed' });
    expect(r.checks.map((c) => c.id)).toEqual(['address', 'reachability', 'authentication', 'permissions', 'namespace', 'gpu-capacity', 'public-url']);
    expect(r.serverVersion).toBe(cp.version);
    expect(check(r, 'reachability').message).toBe(`Kubernetes ${cp.version} at ${cp.server}`);
    expect(r.permissions.every((p) => p.allowed)).toBe(true);
    expect(r.capacity?.gpus).toEqual([
      { gpuType: A100, allocatable: 8, nodes: 2, largestNode: 4 },
      { gpuType: H100, allocatable: 8, nodes: 1, largestNode: 8 },
    ]);
    expect(check(r, 'gpu-capacity').message).toBe(`16 GPUs: 8 × ${A100} on 2 nodes, 8 × ${H100} on 1 node`);
    expect(check(r, 'address').message).toContain('private addresses allowed by the operator');
    expect(check(r, 'public-url').message).toBe('Jobs reach Gantry at https://gantry.example.com (GANTRY_PUBLIC_URL)');
    expect(cp.requests({ user: `system:serviceaccount:${NAMESPACE}:gantry` }).some((q) => q.path === '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews')).toBe(true);
  });

  it('passes a service account with exactly the README’s Role and ClusterRole, with no warning', async () => {
    const { rules, clusterRules } = readmeRules();
    const r = await probe(await cp.serviceAccount({ namespace: NAMESPACE, name: 'readme-role', rules, clusterRules }));
    expect(r.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(check(r, 'namespace').message).toBe(`Namespace "${NAMESPACE}" exists`);
  });

  it('fails the permissions check with restricted RBAC and names what is missing', async () => {
    const viewer = await cp.serviceAccount({
      namespace: NAMESPACE,
      name: 'viewer',
      rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['', 'batch'], resources: ['pods', 'jobs'] }],
      clusterRules: [],
    });
    const r = await probe(viewer);
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
      ...Object.fromEntries(['create', 'get', 'update', 'delete'].flatMap((v) => [`${v} deployments`, `${v} services`, `${v} inferenceservices`].map((k) => [k, false]))),
      'list secrets': false,
    });
    expect(check(r, 'permissions').message).toBe(
      `Missing in namespace "${NAMESPACE}": create jobs.batch (to submit training jobs), delete jobs.batch (to cancel jobs), get pods/log (to read job logs), ` +
        'create secrets (to keep job credentials out of the Job spec), get secrets (to find a resubmitted job\'s credentials), ' +
        'update secrets (to renew job credentials and tie them to their Job), delete secrets (to delete a cancelled job\'s credentials)',
    );
    expect(check(r, 'gpu-capacity').message).toMatch(/may not list nodes/);
    expect(r.capacity).toBeNull();
  });

  it('fails credentials that may run jobs but not keep their credentials in Secrets, naming each missing verb', async () => {
    // What a job runner needed before job credentials moved into Secrets.
    const jobsOnly = await cp.serviceAccount({
      namespace: NAMESPACE,
      name: 'jobs-only',
      rules: [
        { verbs: ['create', 'get', 'list', 'delete'], apiGroups: ['batch'], resources: ['jobs'] },
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] },
        { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
      ],
    });
    const r = await probe(jobsOnly);
    expect(r.ok).toBe(false);
    expect(statuses(r)).toMatchObject({ authentication: 'passed', permissions: 'failed' });
    expect(allowed(r)).toMatchObject({ 'create jobs': true, 'get pods/log': true, 'get secrets': true, 'create secrets': false, 'update secrets': false, 'delete secrets': false });
    expect(check(r, 'permissions').message).toBe(
      `Missing in namespace "${NAMESPACE}": create secrets (to keep job credentials out of the Job spec), ` +
        'update secrets (to renew job credentials and tie them to their Job), delete secrets (to delete a cancelled job\'s credentials)',
    );
  });

  it('reports missing pods/log in words', async () => {
    const noLogs = await cp.serviceAccount({
      namespace: NAMESPACE,
      name: 'no-logs',
      rules: [
        { verbs: ['create', 'get', 'delete'], apiGroups: ['batch'], resources: ['jobs'] },
        { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['create', 'get', 'update', 'delete'], apiGroups: [''], resources: ['secrets'] },
      ],
    });
    const r = await probe(noLogs);
    expect(statuses(r)).toMatchObject({ permissions: 'failed', namespace: 'passed', 'gpu-capacity': 'passed' });
    expect(check(r, 'permissions').message).toBe(`Missing in namespace "${NAMESPACE}": get pods/log (to read job logs)`);
  });

  it('passes a namespaced job runner authenticated by a client certificate the cluster issued, with a warning for the nodes it may not see', async () => {
    const r = await probe(await clientCertificateKubeconfig('gantry-runner', ['gantry:runners']));
    expect(r.ok).toBe(true);
    expect(statuses(r)).toMatchObject({ authentication: 'passed', permissions: 'passed', namespace: 'passed', 'gpu-capacity': 'warning' });
    expect(check(r, 'gpu-capacity').message).toMatch(/may not list nodes/);
  });

  it('stops at authentication when the cluster rejects the token', async () => {
    const wrong = edit(await cp.serviceAccount({ namespace: NAMESPACE, name: 'gantry' }), (k) => (k.users[0]!.user.token = 'wrong'));
    const r = await probe(wrong);
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual({ address: 'passed', reachability: 'passed', authentication: 'failed', permissions: 'skipped', namespace: 'skipped', 'gpu-capacity': 'skipped', 'public-url': 'passed' });
    expect(check(r, 'authentication').message).toMatch(/401 Unauthorized/);
  });

  it('fails a namespace that does not exist, whether the credentials may read namespaces or not', async () => {
    const admin = await probe(cp.adminKubeconfig, 'no-such-namespace');
    expect(admin.ok).toBe(false);
    expect(statuses(admin)).toMatchObject({ namespace: 'failed', permissions: 'passed' });
    expect(check(admin, 'namespace').message).toMatch(/"no-such-namespace" does not exist/);

    // Gantry's permissions in every namespace, and no `get namespaces`: the dry-run create answers.
    const everywhere = await cp.serviceAccount({ namespace: NAMESPACE, name: 'everywhere', rules: [], clusterRules: [...readmeRules().rules, ...readmeRules().clusterRules] });
    const r = await probe(everywhere, 'no-such-namespace');
    expect(statuses(r)).toMatchObject({ namespace: 'failed', permissions: 'passed' });
    expect(check(r, 'namespace').message).toMatch(/"no-such-namespace" does not exist/);
    // The check stored nothing.
    const secrets = await cp.admin.core.listSecretForAllNamespaces({});
    expect(secrets.items.filter((s) => s.metadata?.name?.startsWith('gantry-connection-check'))).toEqual([]);
  });

  it('fails reachability when the certificate does not verify: no CA, or a name the certificate does not carry', async () => {
    const kubeconfig = await cp.serviceAccount({ namespace: NAMESPACE, name: 'gantry' });
    const noCa = await probe(edit(kubeconfig, (k) => delete k.clusters[0]!.cluster['certificate-authority-data']));
    expect(statuses(noCa)).toMatchObject({ reachability: 'failed', authentication: 'skipped' });
    expect(check(noCa, 'reachability').message).toMatch(/certificate did not verify/);

    const wrongName = await probe(edit(kubeconfig, (k) => (k.clusters[0]!.cluster['tls-server-name'] = 'not-the-apiserver.example.com')));
    expect(statuses(wrongName)).toMatchObject({ reachability: 'failed', authentication: 'skipped' });
    expect(check(wrongName, 'reachability').message).toMatch(/certificate did not verify/);
  });

  it('warns when no node has GPUs', async () => {
    const gpuNodes = ['gpu-a100-1', 'gpu-a100-2', 'gpu-h100-1'];
    // Cordoned nodes take no new pods, so the capacity leaves them out.
    for (const n of gpuNodes) expect((await cp.kubectl(['cordon', n])).code).toBe(0);
    try {
      const r = await probe(await cp.serviceAccount({ namespace: NAMESPACE, name: 'gantry' }));
      expect(r.ok).toBe(true);
      expect(check(r, 'gpu-capacity')).toMatchObject({ status: 'warning', message: expect.stringContaining('No node has allocatable nvidia.com/gpu') });
      expect(r.capacity).toEqual({ cpuCores: 16, memoryMiB: 65536, gpus: [] });
    } finally {
      for (const n of gpuNodes) await cp.kubectl(['uncordon', n]);
    }
  });

  it('refuses a server name that resolves to loopback without sending it anything', async () => {
    const kubeconfig = edit(await cp.serviceAccount({ namespace: NAMESPACE, name: 'gantry' }), (k) => (k.clusters[0]!.cluster.server = cp.server.replace('127.0.0.1', 'localhost')));
    const user = `system:serviceaccount:${NAMESPACE}:gantry`;
    const before = cp.requests({ user }).length;
    setEnv({ CLUSTER_ALLOW_PRIVATE_ADDRESSES: 'false' });
    const r = await probeKubernetesCluster(sanitizeKubeconfig(kubeconfig), { namespace: NAMESPACE });
    expect(r.ok).toBe(false);
    expect(statuses(r)).toMatchObject({ address: 'failed', reachability: 'skipped', authentication: 'skipped', permissions: 'skipped', namespace: 'skipped', 'gpu-capacity': 'skipped' });
    expect(check(r, 'address').message).toMatch(/localhost resolves to .*loopback address/);
    expect(cp.requests({ user })).toHaveLength(before);
  });

  it('warns that jobs cannot reach Gantry when the public URL is unset or a loopback address', async () => {
    const kubeconfig = await cp.serviceAccount({ namespace: NAMESPACE, name: 'gantry' });
    // Unset, GANTRY_PUBLIC_URL defaults to http://localhost:3000.
    for (const url of [null, 'http://127.0.0.1:3000', 'http://[::1]:3000', 'http://gantry.localhost:3000']) {
      const r = await probe(kubeconfig, NAMESPACE, url);
      expect(r.ok, String(url)).toBe(true);
      expect(check(r, 'public-url').status, String(url)).toBe('warning');
      expect(check(r, 'public-url').message).toContain(`inside a pod is the pod itself`);
      expect(check(r, 'public-url').message).toContain(url ?? 'http://localhost:3000');
    }
  });
});

describe('probeKubernetesCluster where only the fake can show it', () => {
  let fake: KubernetesFake;

  beforeAll(async () => {
    fake = await startKubernetesFake({
      users: [
        ...DEFAULT_USERS,
        {
          // Kubernetes' own RBAC authorizer always answers rules reviews in full; only webhook authorizers leave them incomplete.
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
      ],
    });
  });

  afterAll(async () => {
    await fake?.stop();
  });

  it('checks each permission with an access review when the rules review is incomplete', async () => {
    const before = fake.requests.length;
    const r = await probe(fake.kubeconfig({ user: 'webhook-user' }), FAKE_NAMESPACE);
    // A job runner's permissions: jobs run, deployments (which need more) would not, and the check says so.
    expect(statuses(r)).toMatchObject({ permissions: 'warning' });
    expect(check(r, 'permissions').message).toMatch(/^Training jobs can run; deployments cannot\. Missing in namespace "gantry-jobs": create deployments\.apps \(to run model servers for deployments\), get deployments\.apps/);
    expect(check(r, 'permissions').message).not.toMatch(/inferenceservices/);
    expect(allowed(r)).toMatchObject({ 'create jobs': true, 'get pods/log': true, 'create secrets': true, 'update secrets': true, 'list nodes': false, 'create deployments': false });
    const reviews = fake.requests.slice(before).filter((q) => q.path.endsWith('/selfsubjectaccessreviews'));
    // One per namespaced permission.
    expect(reviews).toHaveLength(REQUIRED_PERMISSIONS.filter((p) => p.namespaced).length);
  });
});
