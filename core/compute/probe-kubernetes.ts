import type { V1ResourceRule } from '@kubernetes/client-node';
import type { ClusterCapacity } from './compute-backend';
import type { SanitizedKubeconfig } from './kubeconfig';
import { capacityFromNodes } from './kubernetes/capacity';
import { clusterError, isApiStatus, kubernetesClients, type KubernetesClients } from './kubernetes/client';
import { DEFAULT_GPU_TYPE_LABEL, GPU_RESOURCE } from './kubernetes/manifests';
import { env } from '../../config/env';
import { BlockedAddressError, assertServerAddressAllowed, classifyAddress, ipLiteral, privateAddressesAllowed } from './network-policy';

/**
 * What an admin sees after pasting a kubeconfig: can Gantry reach the API server,
 * do the credentials work, may they do what the Kubernetes backend does in the
 * namespace, does the namespace exist, how many GPUs of which type are there, and
 * can the jobs reach Gantry back (its public URL).
 * Problems on the cluster's side are findings in the report, never exceptions.
 */

export type CheckId = 'address' | 'reachability' | 'authentication' | 'permissions' | 'namespace' | 'gpu-capacity' | 'public-url';
export type CheckStatus = 'passed' | 'warning' | 'failed' | 'skipped';

export interface ValidationCheck {
  id: CheckId;
  title: string;
  status: CheckStatus;
  message: string;
}

export interface PermissionResult {
  verb: string;
  /** API group, `''` for the core group. */
  group: string;
  /** Resource, with a subresource as `pods/log`. */
  resource: string;
  /** False for cluster-scoped resources (nodes). */
  namespaced: boolean;
  /** Gantry cannot run jobs without it. */
  required: boolean;
  /** Null when the cluster could not say. */
  allowed: boolean | null;
  /** What Gantry uses it for, for the UI. */
  purpose: string;
}

export interface ClusterValidationReport {
  /** No check failed: the cluster can run Gantry jobs (warnings aside). */
  ok: boolean;
  server: string;
  namespace: string;
  checkedAt: Date;
  /** `gitVersion` from `/version`, when the server shows it. */
  serverVersion: string | null;
  checks: ValidationCheck[];
  permissions: PermissionResult[];
  capacity: ClusterCapacity | null;
}

export interface ProbeOptions {
  namespace: string;
  gpuTypeLabel?: string;
  requestTimeoutMs?: number;
}

const KSERVE_GROUP = 'serving.kserve.io';

/** What the Kubernetes backend and the model servers of deployments do, in RBAC terms. */
export const REQUIRED_PERMISSIONS: ReadonlyArray<Omit<PermissionResult, 'allowed'>> = [
  { verb: 'create', group: 'batch', resource: 'jobs', namespaced: true, required: true, purpose: 'submit training jobs' },
  { verb: 'get', group: 'batch', resource: 'jobs', namespaced: true, required: true, purpose: 'read job status' },
  { verb: 'delete', group: 'batch', resource: 'jobs', namespaced: true, required: true, purpose: 'cancel jobs' },
  { verb: 'list', group: '', resource: 'pods', namespaced: true, required: true, purpose: "find a job's pod" },
  { verb: 'get', group: '', resource: 'pods/log', namespaced: true, required: true, purpose: 'read job logs' },
  { verb: 'create', group: '', resource: 'secrets', namespaced: true, required: true, purpose: 'keep job credentials out of the Job spec' },
  { verb: 'get', group: '', resource: 'secrets', namespaced: true, required: true, purpose: "find a resubmitted job's credentials" },
  { verb: 'update', group: '', resource: 'secrets', namespaced: true, required: true, purpose: 'renew job credentials and tie them to their Job' },
  { verb: 'delete', group: '', resource: 'secrets', namespaced: true, required: true, purpose: "delete a cancelled job's credentials" },
  { verb: 'list', group: '', resource: 'nodes', namespaced: false, required: false, purpose: 'report GPU capacity' },
  // Deployments: a model server per version (core/serving/kubernetes). Optional: a cluster for training alone needs none of them.
  ...(['create', 'get', 'update', 'delete'] as const).map((verb) => ({ verb, group: 'apps', resource: 'deployments', namespaced: true, required: false, purpose: 'run model servers for deployments' })),
  ...(['create', 'get', 'update', 'delete'] as const).map((verb) => ({ verb, group: '', resource: 'services', namespaced: true, required: false, purpose: 'give model servers a stable address' })),
  { verb: 'list', group: '', resource: 'secrets', namespaced: true, required: false, purpose: "find a deployment's model servers when removing it" },
  ...(['create', 'get', 'update', 'delete'] as const).map((verb) => ({ verb, group: KSERVE_GROUP, resource: 'inferenceservices', namespaced: true, required: false, purpose: 'run model servers as KServe InferenceServices' })),
];

/** Permissions deployments need: every namespaced optional one; KServe's only when the cluster serves its API. */
const forServing = (p: Pick<PermissionResult, 'namespaced' | 'required' | 'group'>, kserve: boolean) => p.namespaced && !p.required && (p.group !== KSERVE_GROUP || kserve);

const TITLES: Record<CheckId, string> = {
  address: 'Server address',
  reachability: 'API server reachable',
  authentication: 'Credentials accepted',
  permissions: 'Permissions (RBAC)',
  namespace: 'Namespace',
  'gpu-capacity': 'GPU capacity',
  'public-url': 'Gantry address for jobs',
};

const permissionName = (p: Pick<PermissionResult, 'verb' | 'group' | 'resource'>) => `${p.verb} ${p.resource}${p.group ? `.${p.group}` : ''}`;

/** RBAC's matching: `*` wildcards, and `*\/sub` for a subresource of any resource. Rules limited to resource names grant nothing here. */
function ruleAllows(rule: V1ResourceRule, p: Pick<PermissionResult, 'verb' | 'group' | 'resource'>): boolean {
  if (rule.resourceNames && rule.resourceNames.length > 0) return false;
  const sub = p.resource.includes('/') ? p.resource.slice(p.resource.indexOf('/')) : null;
  return (
    (rule.verbs.includes('*') || rule.verbs.includes(p.verb)) &&
    (rule.apiGroups?.includes('*') || rule.apiGroups?.includes(p.group) || false) &&
    (rule.resources?.includes('*') || rule.resources?.includes(p.resource) || (sub !== null && rule.resources?.includes(`*${sub}`)) || false)
  );
}

/** Checks `kubeconfig` against the cluster it names; the report says what works and what to fix. */
export async function probeKubernetesCluster(kubeconfig: SanitizedKubeconfig, opts: ProbeOptions): Promise<ClusterValidationReport> {
  const namespace = opts.namespace;
  const checks: ValidationCheck[] = [];
  const add = (id: CheckId, status: CheckStatus, message: string) => checks.push({ id, title: TITLES[id], status, message });
  const report = (extra: Partial<ClusterValidationReport> = {}): ClusterValidationReport => {
    for (const id of Object.keys(TITLES) as CheckId[]) {
      if (!checks.some((c) => c.id === id)) add(id, 'skipped', 'Not checked: an earlier check failed');
    }
    checks.sort((a, b) => Object.keys(TITLES).indexOf(a.id) - Object.keys(TITLES).indexOf(b.id));
    return {
      ok: checks.every((c) => c.status !== 'failed'),
      server: kubeconfig.server,
      namespace,
      checkedAt: new Date(),
      serverVersion: null,
      permissions: REQUIRED_PERMISSIONS.map((p) => ({ ...p, allowed: null })),
      capacity: null,
      ...extra,
      checks,
    };
  };

  // Where the cluster's pods will send what they track: Gantry's side, so it is checked whatever the cluster answers.
  const publicUrl = publicUrlProblem(env().GANTRY_PUBLIC_URL);
  add('public-url', publicUrl ? 'warning' : 'passed', publicUrl ?? `Jobs reach Gantry at ${env().GANTRY_PUBLIC_URL} (GANTRY_PUBLIC_URL)`);

  // 1. Where the server is (the agent checks again at every connection).
  try {
    const addresses = await assertServerAddressAllowed(kubeconfig.server);
    add('address', 'passed', privateAddressesAllowed() ? `Resolves to ${addresses.join(', ')} (private addresses allowed by the operator)` : `Resolves to ${addresses.join(', ')}`);
  } catch (e) {
    if (!(e instanceof BlockedAddressError)) throw e;
    add('address', 'failed', e.message);
    return report();
  }

  let clients: KubernetesClients;
  try {
    clients = kubernetesClients(kubeconfig, { namespace, requestTimeoutMs: opts.requestTimeoutMs });
  } catch (e) {
    add('reachability', 'failed', `The kubeconfig could not be used: ${(e as Error).message}`);
    return report();
  }

  // 2. TLS and a first answer. /version is public on most clusters; a 401/403 still proves the server is there.
  let serverVersion: string | null = null;
  try {
    const v = await clients.version.getCode();
    serverVersion = v.gitVersion;
    add('reachability', 'passed', `Kubernetes ${v.gitVersion} at ${kubeconfig.server}`);
  } catch (e) {
    if (isApiStatus(e, 401) || isApiStatus(e, 403)) {
      add('reachability', 'passed', `Reachable at ${kubeconfig.server} (the version is not public)`);
    } else {
      add('reachability', 'failed', clusterError(e, 'read the server version', clients).message);
      return report();
    }
  }

  // 3 and 4. The credentials, and what they may do in the namespace.
  const permissions: PermissionResult[] = REQUIRED_PERMISSIONS.map((p) => ({ ...p, allowed: null }));
  let rules: V1ResourceRule[] | null = null;
  let incomplete = false;
  try {
    const review = await clients.authorization.createSelfSubjectRulesReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
    });
    rules = review.status?.resourceRules ?? [];
    incomplete = review.status?.incomplete ?? false;
    add('authentication', 'passed', 'The cluster accepted the credentials');
  } catch (e) {
    // Every authenticated user may create rules reviews; a 403 still proves the credentials work (access reviews follow).
    if (!isApiStatus(e, 403)) {
      add('authentication', 'failed', clusterError(e, 'review its own permissions', clients).message);
      return report({ serverVersion });
    }
    add('authentication', 'passed', 'The cluster accepted the credentials');
  }
  for (const p of permissions.filter((x) => x.namespaced)) {
    if (rules && rules.some((r) => ruleAllows(r, p))) p.allowed = true;
    else if (rules && !incomplete) p.allowed = false;
    else p.allowed = await accessReview(clients, p, namespace);
  }

  // 5. The namespace.
  const namespaceCheck = await namespaceExists(clients, namespace);
  add('namespace', namespaceCheck.status, namespaceCheck.message);

  // 6. GPUs, from the nodes' allocatable resources (listing nodes is optional).
  const nodesPermission = permissions.find((p) => p.resource === 'nodes')!;
  let capacity: ClusterCapacity | null = null;
  try {
    const nodes = await clients.core.listNode({});
    nodesPermission.allowed = true;
    capacity = capacityFromNodes(nodes.items, opts.gpuTypeLabel ?? DEFAULT_GPU_TYPE_LABEL);
    const total = capacity.gpus.reduce((n, g) => n + g.allocatable, 0);
    if (total === 0) {
      add('gpu-capacity', 'warning', `No node has allocatable ${GPU_RESOURCE}: GPU jobs would stay Unschedulable (CPU jobs can run)`);
    } else {
      const pools = capacity.gpus.map((g) => `${g.allocatable} × ${g.gpuType} on ${g.nodes} node${g.nodes === 1 ? '' : 's'}`);
      add('gpu-capacity', 'passed', `${total} GPU${total === 1 ? '' : 's'}: ${pools.join(', ')}`);
    }
  } catch (e) {
    if (isApiStatus(e, 403)) {
      nodesPermission.allowed = false;
      add('gpu-capacity', 'warning', 'GPU capacity unknown: the credentials may not list nodes (a cluster-scoped permission). Jobs can still run.');
    } else {
      add('gpu-capacity', 'warning', `GPU capacity unknown: ${clusterError(e, 'list nodes', clients, { clusterScoped: true }).message}`);
    }
  }

  // Whether the cluster serves KServe's API decides whether its permissions matter.
  const kserve = await clients.apis.getAPIVersions().then(
    (g) => g.groups.some((x) => x.name === KSERVE_GROUP),
    () => false,
  );
  const servingMissing = permissions.filter((p) => forServing(p, kserve) && p.allowed === false);
  const missing = permissions.filter((p) => p.required && p.allowed === false);
  const unknown = permissions.filter((p) => p.required && p.allowed === null);
  if (missing.length > 0) {
    add('permissions', 'failed', `Missing in namespace "${namespace}": ${missing.map((p) => `${permissionName(p)} (to ${p.purpose})`).join(', ')}`);
  } else if (unknown.length > 0) {
    add('permissions', 'warning', `Could not confirm: ${unknown.map(permissionName).join(', ')}`);
  } else if (servingMissing.length > 0) {
    add('permissions', 'warning', `Training jobs can run; deployments cannot. Missing in namespace "${namespace}": ${servingMissing.map((p) => `${permissionName(p)} (to ${p.purpose})`).join(', ')}`);
  } else {
    add('permissions', 'passed', `May create, read and delete jobs and their secrets, read pods and their logs, and run model servers${kserve ? ' (KServe InferenceServices)' : ''} in namespace "${namespace}"`);
  }
  return report({ serverVersion, permissions, capacity });
}

/**
 * Why jobs on a cluster could not reach Gantry at `publicUrl`, or null. A loopback address
 * (`localhost`, the default when GANTRY_PUBLIC_URL is unset) is, inside a pod, the pod itself:
 * the job's mlflow client would log nowhere.
 */
export function publicUrlProblem(publicUrl: string): string | null {
  const host = new URL(publicUrl).hostname.toLowerCase();
  const ip = ipLiteral(host);
  const category = ip ? classifyAddress(ip)?.category : null;
  if (!(host === 'localhost' || host.endsWith('.localhost') || category === 'loopback' || category === 'unspecified')) return null;
  return (
    `Jobs would be told to reach Gantry at ${publicUrl}, which inside a pod is the pod itself: their tracking (MLFLOW_TRACKING_URI) would reach nothing. ` +
    'Set GANTRY_PUBLIC_URL to an address the cluster can reach.'
  );
}

/**
 * Whether the namespace exists. Reading it needs `get namespaces`, which a Role in the namespace
 * cannot grant; without it, a dry-run create of a Secret (which Gantry's own permissions allow,
 * and which stores nothing) answers: the API server refuses content for a namespace that does not
 * exist with 404.
 */
async function namespaceExists(clients: KubernetesClients, namespace: string): Promise<{ status: CheckStatus; message: string }> {
  const missing = { status: 'failed' as const, message: `Namespace "${namespace}" does not exist on the cluster: create it or choose another` };
  const exists = { status: 'passed' as const, message: `Namespace "${namespace}" exists` };
  try {
    await clients.core.readNamespace({ name: namespace });
    return exists;
  } catch (e) {
    if (isApiStatus(e, 404)) return missing;
    if (!isApiStatus(e, 403)) return { status: 'warning', message: clusterError(e, 'read the namespace', clients).message };
  }
  try {
    await clients.core.createNamespacedSecret({
      namespace,
      dryRun: 'All',
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { generateName: 'gantry-connection-check-' }, type: 'Opaque' },
    });
    return exists;
  } catch (e) {
    if (isApiStatus(e, 404)) return missing;
    // A namespace being deleted takes no new objects, and says so.
    const detail = clusterError(e, 'create secrets', clients).message;
    return { status: 'warning', message: `Could not confirm that namespace "${namespace}" exists: ${detail}` };
  }
}

/** One SelfSubjectAccessReview, for clusters whose rules review is incomplete (webhook authorizers). */
async function accessReview(clients: KubernetesClients, p: PermissionResult, namespace: string): Promise<boolean | null> {
  const [resource, subresource] = p.resource.split('/');
  try {
    const review = await clients.authorization.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace: p.namespaced ? namespace : undefined, verb: p.verb, group: p.group, resource, subresource } },
      },
    });
    return review.status?.allowed ?? null;
  } catch {
    return null;
  }
}
