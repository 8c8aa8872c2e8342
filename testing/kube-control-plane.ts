import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Node, type V1PolicyRule } from '@kubernetes/client-node';
import { REQUIRED_PERMISSIONS } from '../core/compute/probe-kubernetes';
import { findOrBuildKubernetes, KUBERNETES_VERSION, type KubernetesBinaries } from '../scripts/lib/kubernetes-binaries';
import { freePort, sleep } from '../scripts/lib/net';
import { spawnManaged, type ManagedChild } from '../scripts/lib/processes';
import { createTestPki, kubeconfigYaml } from './pki';

/**
 * A real Kubernetes control plane on loopback for tests: etcd, kube-apiserver,
 * kube-controller-manager (the Job, garbage-collector, TTL, Deployment, ReplicaSet, EndpointSlice
 * and service-account controllers, among others), kube-scheduler, and KWOK, which plays the kubelet
 * of fake nodes with GPUs (testing/kwok/stages.yaml says which pod lifecycles it gives and how a
 * job picks one). Everything runs from the binaries scripts/lib/kubernetes-binaries.ts builds, with
 * certificates and tokens made for this start only, and stops with `stop()`.
 */

export const GPU_TYPE_LABEL = 'nvidia.com/gpu.product';
export const GPU_RESOURCE = 'nvidia.com/gpu';
const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const STAGES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kwok', 'stages.yaml');

export interface FakeNodeSpec {
  name: string;
  /** Value of the GPU type label; null for a node without GPUs. */
  gpuType: string | null;
  gpus: number;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
}

/** Two 4-GPU A100 nodes (no single node has 8), one 8-GPU H100 node, one CPU node. GPU nodes carry the usual GPU taint. */
export const DEFAULT_NODES: FakeNodeSpec[] = [
  { name: 'gpu-a100-1', gpuType: 'NVIDIA-A100-SXM4-80GB', gpus: 4 },
  { name: 'gpu-a100-2', gpuType: 'NVIDIA-A100-SXM4-80GB', gpus: 4 },
  { name: 'gpu-h100-1', gpuType: 'NVIDIA-H100-80GB-HBM3', gpus: 8 },
  { name: 'cpu-1', gpuType: null, gpus: 0 },
];

/** The namespaced Role Gantry's documentation asks for, from what the backend says it does. */
export function gantryRoleRules(): V1PolicyRule[] {
  const byResource = new Map<string, { group: string; resource: string; verbs: string[] }>();
  for (const p of REQUIRED_PERMISSIONS.filter((x) => x.namespaced)) {
    const key = `${p.group}/${p.resource}`;
    const rule = byResource.get(key) ?? { group: p.group, resource: p.resource, verbs: [] };
    rule.verbs.push(p.verb);
    byResource.set(key, rule);
  }
  return [...byResource.values()].map((r) => ({ apiGroups: [r.group], resources: [r.resource], verbs: r.verbs }));
}

/** The cluster-wide rules Gantry uses when granted: reading nodes for GPU capacity. */
export const NODE_READER_RULES: V1PolicyRule[] = [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }];

export interface ServiceAccountOptions {
  namespace: string;
  name: string;
  /** The Role's rules; default {@link gantryRoleRules}. */
  rules?: V1PolicyRule[];
  /** The ClusterRole's rules; default {@link NODE_READER_RULES}; [] for none. */
  clusterRules?: V1PolicyRule[];
}

export interface AuditedRequest {
  method: string;
  /** The request path, without its query. */
  path: string;
  status: number;
  user: string;
}

const HTTP_METHOD: Record<string, string> = { create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE', get: 'GET', list: 'GET', watch: 'GET' };

// Blocking mode: an event is written before the API server answers, so a test reads its own requests.
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: [system:kube-controller-manager, system:kube-scheduler, system:apiserver, kwok]
- level: None
  userGroups: [system:serviceaccounts:kube-system, system:nodes]
- level: None
  nonResourceURLs: ['/readyz*', '/healthz*', '/livez*', '/version', '/api', '/apis', '/openapi*']
- level: Metadata
`;

export interface KubeControlPlane {
  /** `v1.36.3`, as the API server reports it. */
  version: string;
  server: string;
  dir: string;
  /** Base64 of the cluster CA, as in `certificate-authority-data`. */
  caData: string;
  /** A kubeconfig for the cluster admin (`system:masters`). */
  adminKubeconfig: string;
  admin: { core: CoreV1Api; batch: BatchV1Api; apps: AppsV1Api; rbac: RbacAuthorizationV1Api };
  nodes: FakeNodeSpec[];
  /** Creates the namespace if it is not there. */
  namespace(name: string): Promise<void>;
  /** A service account bound to a Role (and a ClusterRole), and a kubeconfig with a token for it, scoped to its namespace. */
  serviceAccount(opts: ServiceAccountOptions): Promise<string>;
  /** A kubeconfig authenticating with a client certificate this cluster's CA signed for `user` in `groups`. */
  certificateKubeconfig(opts: { user: string; groups?: string[]; namespace?: string }): string;
  /**
   * The API requests users made (the control plane's own components left out), from the API
   * server's audit log, oldest first: `POST /api/v1/namespaces/ns/secrets 201`.
   */
  requests(filter?: { user?: string }): AuditedRequest[];
  /** Replaces the Role rules of a service account made by {@link serviceAccount}. */
  setRoleRules(namespace: string, name: string, rules: V1PolicyRule[]): Promise<void>;
  kubectl(args: string[], opts?: { input?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Resident memory of the control plane's processes, in MiB. */
  memoryMiB(): number;
  stop(): Promise<void>;
}

function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function nodeManifest(n: FakeNodeSpec): V1Node {
  const resources: Record<string, string> = { cpu: n.cpu ?? '16', memory: n.memory ?? '64Gi', pods: '110', ...(n.gpus > 0 ? { [GPU_RESOURCE]: String(n.gpus) } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
      labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', ...(n.gpuType ? { [GPU_TYPE_LABEL]: n.gpuType } : {}), ...n.labels },
    },
    spec: n.gpus > 0 ? { taints: [{ key: GPU_RESOURCE, value: 'present', effect: 'NoSchedule' }] } : {},
    status: { capacity: resources, allocatable: resources },
  };
}

const running = new Set<ManagedChild>();
// A test process that ends without stop() (a crash, a timeout) takes its control plane with it.
process.once('exit', () => {
  for (const c of running) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

async function waitUntil(what: string, ok: () => Promise<boolean>, children: ManagedChild[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = children.find((c) => c.hasExited());
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.tail(40)}`);
    if (await ok().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${children.map((c) => `--- ${c.name}\n${c.tail(15)}`).join('\n')}`);
    await sleep(100);
  }
}

export interface StartOptions {
  nodes?: FakeNodeSpec[];
  binaries?: KubernetesBinaries;
  log?: (line: string) => void;
}

export async function startKubeControlPlane(opts: StartOptions = {}): Promise<KubeControlPlane> {
  let binaries = opts.binaries;
  if (!binaries) {
    const found = await findOrBuildKubernetes({ log: opts.log });
    if (found.binaries === null) throw new Error(`No Kubernetes control plane to start: ${found.reason}`);
    binaries = found.binaries;
  }
  const b = binaries;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-kube-'));
  const children: ManagedChild[] = [];
  const start = (name: string, file: string, args: string[]) => {
    const child = spawnManaged(name, file, args, { cwd: dir, tailLines: 200 });
    children.push(child);
    running.add(child);
    return child;
  };
  const stop = async () => {
    // Reverse order: the clients of the API server first, etcd last.
    for (const c of [...children].reverse()) {
      await c.stop({ signal: 'SIGTERM', timeoutMs: 5_000 });
      running.delete(c);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort, kubeletPort, kwokPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const pki = createTestPki(dir, 'gantry-test-kubernetes-ca');
    const serving = pki.server('apiserver', ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1']);
    const kubeletClient = pki.client('apiserver-kubelet-client', 'kube-apiserver-kubelet-client', ['kubeadm:cluster-admins']);
    await execQuiet('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir);
    await execQuiet('openssl', ['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);

    // Static tokens for the control plane's own clients; users get service-account tokens.
    const token = () => randomBytes(24).toString('hex');
    const tokens = { admin: token(), controllerManager: token(), scheduler: token(), kwok: token() };
    writeFileSync(
      path.join(dir, 'tokens.csv'),
      [
        `${tokens.admin},gantry-test-admin,uid-admin,"system:masters"`,
        `${tokens.controllerManager},system:kube-controller-manager,uid-kcm`,
        `${tokens.scheduler},system:kube-scheduler,uid-scheduler`,
        `${tokens.kwok},kwok,uid-kwok,"system:masters"`,
      ].join('\n') + '\n',
      { mode: 0o600 },
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigFile = (name: string, user: string, t: string) => {
      const file = path.join(dir, `${name}.kubeconfig`);
      writeFileSync(file, kubeconfigYaml({ name: 'gantry-test', server, caData: pki.caData, user, token: t }), { mode: 0o600 });
      return file;
    };
    const adminKubeconfig = kubeconfigYaml({ name: 'gantry-test', server, caData: pki.caData, user: 'gantry-test-admin', token: tokens.admin });
    writeFileSync(path.join(dir, 'admin.kubeconfig'), adminKubeconfig, { mode: 0o600 });

    writeFileSync(path.join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    mkdirSync(path.join(dir, 'etcd'), { mode: 0o700 });
    const etcd = start('etcd', b.etcd, [
      '--name=gantry-test',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=gantry-test=http://127.0.0.1:${etcdPeerPort}`,
      // Throwaway data: no fsync, and a small backend.
      '--unsafe-no-fsync',
      '--quota-backend-bytes=536870912',
      '--log-level=warn',
    ]);
    await waitUntil('etcd', async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, [etcd], 30_000);

    const apiserver = start('kube-apiserver', b.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${serving.certFile}`,
      `--tls-private-key-file=${serving.keyFile}`,
      `--client-ca-file=${pki.caFile}`,
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      `--kubelet-client-certificate=${kubeletClient.certFile}`,
      `--kubelet-client-key=${kubeletClient.keyFile}`,
      '--kubelet-preferred-address-types=InternalIP',
      `--audit-policy-file=${path.join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${path.join(dir, 'audit.log')}`,
      '--audit-log-mode=blocking',
      '--audit-log-format=json',
      '--profiling=false',
      '--v=0',
    ]);
    const adminConfig = new KubeConfig();
    adminConfig.loadFromString(adminKubeconfig);
    const admin = {
      core: adminConfig.makeApiClient(CoreV1Api),
      batch: adminConfig.makeApiClient(BatchV1Api),
      apps: adminConfig.makeApiClient(AppsV1Api),
      rbac: adminConfig.makeApiClient(RbacAuthorizationV1Api),
    };
    const readyz = async () => {
      const r = await admin.core.getAPIResources().then(() => true);
      return r && (await kubectlRun(b.kubectl, dir, ['get', '--raw=/readyz'])).stdout.trim() === 'ok';
    };
    await waitUntil('kube-apiserver /readyz', readyz, [etcd, apiserver], 90_000);

    const controllerManager = start('kube-controller-manager', b.kubeControllerManager, [
      `--kubeconfig=${kubeconfigFile('controller-manager', 'system:kube-controller-manager', tokens.controllerManager)}`,
      '--leader-elect=false',
      '--secure-port=0',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
      `--root-ca-file=${pki.caFile}`,
      // The node lifecycle controller stays: it lifts the not-ready taint new nodes get, and KWOK renews their leases.
      '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller,-persistentvolume-binder,-persistentvolume-attach-detach-controller,-persistentvolume-expander-controller',
      '--concurrent-job-syncs=10',
      // A fake node whose lease KWOK renews late (a starved test machine) must not be marked NotReady: the
      // node lifecycle controller would mark its pods not Ready, and no kubelet would ever mark them Ready again.
      '--node-monitor-grace-period=10m',
      '--v=0',
    ]);
    const scheduler = start('kube-scheduler', b.kubeScheduler, [
      `--kubeconfig=${kubeconfigFile('scheduler', 'system:kube-scheduler', tokens.scheduler)}`,
      `--authentication-kubeconfig=${path.join(dir, 'scheduler.kubeconfig')}`,
      `--authorization-kubeconfig=${path.join(dir, 'scheduler.kubeconfig')}`,
      '--leader-elect=false',
      '--secure-port=0',
      '--v=0',
    ]);
    const kwok = start('kwok', b.kwok, [
      `--kubeconfig=${kubeconfigFile('kwok', 'kwok', tokens.kwok)}`,
      `--config=${STAGES}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      // Nothing listens on the nodes' kubelet port (KWOK's own server is elsewhere): a log read is
      // refused there, as by a kubelet that is down.
      '--node-ip=127.0.0.1',
      `--node-port=${kubeletPort}`,
      `--server-address=127.0.0.1:${kwokPort}`,
      '--cidr=10.244.0.1/16',
    ]);

    const nodes = opts.nodes ?? DEFAULT_NODES;
    for (const n of nodes) await admin.core.createNode({ body: nodeManifest(n) });
    const all = [etcd, apiserver, controllerManager, scheduler, kwok];
    await waitUntil(
      'the fake nodes to be Ready',
      async () => {
        const list = await admin.core.listNode({ labelSelector: 'type=kwok' });
        return list.items.length === nodes.length && list.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      },
      all,
      60_000,
    );
    // Pods need their namespace's default service account, which a controller makes.
    await waitUntil('the default service account', async () => (await admin.core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })).metadata?.name === 'default', all, 60_000);

    const version = JSON.parse((await kubectlRun(b.kubectl, dir, ['get', '--raw=/version'])).stdout) as { gitVersion: string };

    const namespace = async (name: string) => {
      try {
        await admin.core.createNamespace({ body: { metadata: { name } } });
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
      }
      await waitUntil(`the default service account in ${name}`, async () => Boolean(await admin.core.readNamespacedServiceAccount({ name: 'default', namespace: name })), all, 60_000);
    };

    const upsert = async <T>(create: () => Promise<T>, replace: () => Promise<T>) => {
      try {
        await create();
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
        await replace();
      }
    };

    const setRoleRules = async (ns: string, name: string, rules: V1PolicyRule[]) => {
      const body = { metadata: { name, namespace: ns }, rules };
      await upsert(
        () => admin.rbac.createNamespacedRole({ namespace: ns, body }),
        () => admin.rbac.replaceNamespacedRole({ name, namespace: ns, body }),
      );
    };

    const serviceAccount = async (o: ServiceAccountOptions) => {
      await namespace(o.namespace);
      await upsert(
        () => admin.core.createNamespacedServiceAccount({ namespace: o.namespace, body: { metadata: { name: o.name } } }),
        async () => undefined,
      );
      await setRoleRules(o.namespace, o.name, o.rules ?? gantryRoleRules());
      const subject = { kind: 'ServiceAccount', name: o.name, namespace: o.namespace };
      const roleBinding = { metadata: { name: o.name, namespace: o.namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: o.name }, subjects: [subject] };
      await upsert(
        () => admin.rbac.createNamespacedRoleBinding({ namespace: o.namespace, body: roleBinding }),
        () => admin.rbac.replaceNamespacedRoleBinding({ name: o.name, namespace: o.namespace, body: roleBinding }),
      );
      const clusterRules = o.clusterRules ?? NODE_READER_RULES;
      if (clusterRules.length > 0) {
        const clusterName = `${o.namespace}:${o.name}`;
        await upsert(
          () => admin.rbac.createClusterRole({ body: { metadata: { name: clusterName }, rules: clusterRules } }),
          () => admin.rbac.replaceClusterRole({ name: clusterName, body: { metadata: { name: clusterName }, rules: clusterRules } }),
        );
        const clusterBinding = { metadata: { name: clusterName }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName }, subjects: [subject] };
        await upsert(
          () => admin.rbac.createClusterRoleBinding({ body: clusterBinding }),
          () => admin.rbac.replaceClusterRoleBinding({ name: clusterName, body: clusterBinding }),
        );
      }
      const request = await admin.core.createNamespacedServiceAccountToken({
        name: o.name,
        namespace: o.namespace,
        body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
      });
      return kubeconfigYaml({ name: 'gantry-test', server, caData: pki.caData, user: o.name, token: request.status!.token, namespace: o.namespace });
    };

    return {
      version: version.gitVersion,
      server,
      dir,
      caData: pki.caData,
      adminKubeconfig,
      admin,
      nodes,
      namespace,
      serviceAccount,
      setRoleRules,
      certificateKubeconfig: (o) => {
        const pair = pki.client(`client-${randomBytes(4).toString('hex')}`, o.user, o.groups ?? []);
        return kubeconfigYaml({ name: 'gantry-test', server, caData: pki.caData, user: o.user, clientCert: pair, namespace: o.namespace });
      },
      requests: (filter = {}) => readAudit(path.join(dir, 'audit.log')).filter((r) => !filter.user || r.user === filter.user),
      kubectl: (args, o) => kubectlRun(b.kubectl, dir, args, o?.input),
      memoryMiB: () => Math.round(all.reduce((sum, c) => sum + rssMiB(c.pid), 0)),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function readAudit(file: string): AuditedRequest[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: AuditedRequest[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { stage: string; verb: string; requestURI: string; responseStatus?: { code?: number }; user: { username: string } };
    if (e.stage !== 'ResponseComplete') continue;
    out.push({ method: HTTP_METHOD[e.verb] ?? e.verb.toUpperCase(), path: e.requestURI.split('?')[0]!, status: e.responseStatus?.code ?? 0, user: e.user.username });
  }
  return out;
}

function execQuiet(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, { cwd }, (err) => (err ? reject(err) : resolve())));
}

function kubectlRun(kubectl: string, dir: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(kubectl, [`--kubeconfig=${path.join(dir, 'admin.kubeconfig')}`, ...args], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export { KUBERNETES_VERSION };
