import type { V1ContainerStatus, V1Deployment, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Cluster } from '../../../db/schema';
import { AppError } from '../../errors';
import { openClusterConfig } from '../../compute/cluster-secrets';
import { ClusterApiError, clusterError, isApiStatus, kubernetesClients, type KubernetesClients } from '../../compute/kubernetes/client';
import { DNS_LABEL, LABELS, labelValue } from '../../compute/kubernetes/manifests';
import type { SanitizedKubeconfig } from '../../compute/kubeconfig';
import {
  buildInferenceService,
  buildModelSecret,
  buildServingDeployment,
  buildServingService,
  endpointOf,
  KSERVE,
  modelSecretName,
  SERVING_LABELS,
  servingMadeFor,
  servingObjectName,
  type InferenceServiceManifest,
  type ServingEndpoint,
  type ServingKind,
  type ServingVersionSpec,
} from './manifests';

/**
 * Creates, watches and removes one model version's serving objects on a tenant's cluster, in the
 * cluster's configured namespace and nowhere else. Every call is idempotent on the objects' names:
 * provisioning again updates them in place, removing what is gone succeeds. An object found under a
 * version's name that Gantry did not make for that organization, deployment and version is never
 * changed or deleted: that is a CONFLICT.
 */

export interface ServingTarget {
  clients: KubernetesClients;
  namespace: string;
  gpuTypeLabel?: string;
  /** For messages: the cluster's name in Gantry. */
  clusterName: string;
}

/** The version a call is about: names and labels derive from these. */
export interface ServingRef {
  orgId: string;
  deploymentId: string;
  version: number;
}

export function servingTargetFromKubeconfig(kubeconfig: SanitizedKubeconfig, opts: { namespace: string; gpuTypeLabel?: string; clusterName: string; requestTimeoutMs?: number }): ServingTarget {
  if (!DNS_LABEL.test(opts.namespace)) throw new AppError('BAD_USER_INPUT', `"${opts.namespace}" is not a Kubernetes namespace name`, { fields: [{ path: 'namespace', message: 'must be a DNS label' }] });
  return { clients: kubernetesClients(kubeconfig, { namespace: opts.namespace, requestTimeoutMs: opts.requestTimeoutMs }), namespace: opts.namespace, gpuTypeLabel: opts.gpuTypeLabel, clusterName: opts.clusterName };
}

/** The serving target of a connected cluster, its credentials decrypted for this call only. */
export function servingTarget(cluster: Cluster): ServingTarget {
  if (cluster.kind !== 'kubernetes' || !cluster.encryptedConfig || !cluster.namespace) throw new AppError('BAD_USER_INPUT', `Cluster ${cluster.name} is not a connected Kubernetes cluster`);
  return servingTargetFromKubeconfig(openClusterConfig(cluster), { namespace: cluster.namespace, gpuTypeLabel: cluster.gpuTypeLabel ?? undefined, clusterName: cluster.name });
}

const fail = (t: ServingTarget, e: unknown, action: string): never => {
  throw clusterError(e, action, t.clients);
};

const foreign = (t: ServingTarget, kind: string, name: string) =>
  new ClusterApiError('CONFLICT', 'cluster-conflict', `A ${kind} named ${name} that Gantry did not create for this deployment version exists in namespace "${t.namespace}" of cluster ${t.clusterName}; Gantry leaves it alone`, 409);

/** Whether the cluster serves KServe's InferenceService API (read from API discovery). */
export async function hasKServe(t: ServingTarget): Promise<boolean> {
  try {
    const groups = await t.clients.apis.getAPIVersions();
    return groups.groups.some((g) => g.name === KSERVE.group && g.versions.some((v) => v.version === KSERVE.version));
  } catch (e) {
    return fail(t, e, 'list API groups');
  }
}

/** Creates `body`, or replaces the object of that name when Gantry made it for this version; a foreign one is a CONFLICT. */
async function upsert<T extends { metadata?: { labels?: Record<string, string>; resourceVersion?: string } }>(
  t: ServingTarget,
  ref: ServingRef,
  what: { kind: string; resource: string; name: string },
  ops: { create(): Promise<unknown>; read(): Promise<T>; replace(current: T): Promise<unknown> },
): Promise<boolean> {
  try {
    await ops.create();
    return true;
  } catch (e) {
    if (!isApiStatus(e, 409)) fail(t, e, `create ${what.resource}`);
  }
  // Controllers write to these objects too (a Deployment's revision annotation): a replace that lost
  // the race to another writer (409 on the resourceVersion) reads the object again and retries.
  for (let attempt = 1; ; attempt++) {
    let current: T;
    try {
      current = await ops.read();
    } catch (e) {
      return fail(t, e, `get ${what.resource}`);
    }
    if (!servingMadeFor(current.metadata?.labels, ref)) throw foreign(t, what.kind, what.name);
    try {
      await ops.replace(current);
      return false;
    } catch (e) {
      if (!isApiStatus(e, 409) || attempt >= 5) fail(t, e, `update ${what.resource}`);
    }
  }
}

export interface ProvisionResult {
  kind: ServingKind;
  name: string;
  endpoint: ServingEndpoint;
  /** False when the objects existed and were brought up to date. */
  created: boolean;
}

/**
 * Creates or updates a version's objects: the Secret with the model-download key first (a pod whose
 * Secret is missing waits), then an InferenceService when the cluster has KServe, else a Deployment,
 * and the Service the gateway reaches either through.
 */
export async function provisionVersion(t: ServingTarget, spec: ServingVersionSpec, credentials: { token: string; apiKeyId?: string } | null): Promise<ProvisionResult> {
  const opts = { namespace: t.namespace, gpuTypeLabel: t.gpuTypeLabel };
  const ref: ServingRef = { orgId: spec.orgId, deploymentId: spec.deploymentId, version: spec.version };
  const name = servingObjectName(spec.deploymentId, spec.version);
  const ns = t.namespace;
  const { core, apps, customObjects } = t.clients;

  // Null credentials: the Secret a previous call wrote stays as it is.
  const secret = buildModelSecret(spec, { ...opts, ...(credentials ?? { token: '' }) });
  if (credentials) await upsert<V1Secret>(t, ref, { kind: 'Secret', resource: 'secrets', name: secret.metadata!.name! }, {
    create: () => core.createNamespacedSecret({ namespace: ns, body: secret }),
    read: () => core.readNamespacedSecret({ name: secret.metadata!.name!, namespace: ns }),
    replace: (cur) => core.replaceNamespacedSecret({ name: secret.metadata!.name!, namespace: ns, body: { ...secret, metadata: { ...secret.metadata, resourceVersion: cur.metadata?.resourceVersion } } }),
  });

  let kind: ServingKind;
  let created: boolean;
  if (await hasKServe(t)) {
    kind = 'inferenceservice';
    const body = buildInferenceService(spec, opts);
    created = await upsert<InferenceServiceManifest>(t, ref, { kind: 'InferenceService', resource: 'inferenceservices', name }, {
      create: () => customObjects.createNamespacedCustomObject({ group: KSERVE.group, version: KSERVE.version, namespace: ns, plural: KSERVE.plural, body }),
      read: async () => (await customObjects.getNamespacedCustomObject({ group: KSERVE.group, version: KSERVE.version, namespace: ns, plural: KSERVE.plural, name })) as InferenceServiceManifest,
      replace: (cur) =>
        customObjects.replaceNamespacedCustomObject({ group: KSERVE.group, version: KSERVE.version, namespace: ns, plural: KSERVE.plural, name, body: { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata.resourceVersion } } }),
    });
  } else {
    kind = 'deployment';
    const deployment = buildServingDeployment(spec, opts);
    created = await upsert<V1Deployment>(t, ref, { kind: 'Deployment', resource: 'deployments', name }, {
      create: () => apps.createNamespacedDeployment({ namespace: ns, body: deployment }),
      read: () => apps.readNamespacedDeployment({ name, namespace: ns }),
      replace: (cur) => apps.replaceNamespacedDeployment({ name, namespace: ns, body: { ...deployment, metadata: { ...deployment.metadata, resourceVersion: cur.metadata?.resourceVersion } } }),
    });
  }
  const service = buildServingService(spec, opts);
  await upsert<V1Service>(t, ref, { kind: 'Service', resource: 'services', name }, {
    create: () => core.createNamespacedService({ namespace: ns, body: service }),
    read: () => core.readNamespacedService({ name, namespace: ns }),
    // The cluster IP an existing Service was given cannot change.
    replace: (cur) =>
      core.replaceNamespacedService({
        name,
        namespace: ns,
        body: { ...service, metadata: { ...service.metadata, resourceVersion: cur.metadata?.resourceVersion }, spec: { ...service.spec, clusterIP: cur.spec?.clusterIP, clusterIPs: cur.spec?.clusterIPs } },
      }),
  });
  return { kind, name, endpoint: endpointOf(spec.deploymentId, spec.version, ns), created };
}

/** Container states a model server does not leave by waiting: the version will not become ready. */
const STUCK_REASONS = new Set(['ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** Why a pod's model server cannot start, or null while it may still. */
export function podProblem(pod: V1Pod): string | null {
  const statuses: [string, V1ContainerStatus][] = [...(pod.status?.initContainerStatuses ?? []).map((s) => ['init container', s] as [string, V1ContainerStatus]), ...(pod.status?.containerStatuses ?? []).map((s) => ['container', s] as [string, V1ContainerStatus])];
  for (const [what, s] of statuses) {
    const waiting = s.state?.waiting;
    if (!waiting?.reason || !STUCK_REASONS.has(waiting.reason)) continue;
    const last = s.lastState?.terminated;
    const exit = last ? ` (last exit code ${last.exitCode}${last.reason ? `, ${last.reason}` : ''})` : '';
    return `${what} "${s.name}" of pod ${pod.metadata?.name ?? '?'} is in ${waiting.reason}${waiting.message ? `: ${waiting.message.slice(0, 300)}` : ''}${exit}`;
  }
  return null;
}

/**
 * The API key ID named by the Secret of a version's objects, when the Secret exists and Gantry made
 * it for this version (`undefined` when there is no Secret). A retried provision keeps the key it has.
 */
export async function modelSecretKey(t: ServingTarget, ref: ServingRef): Promise<string | null | undefined> {
  const name = modelSecretName(servingObjectName(ref.deploymentId, ref.version));
  let secret: V1Secret;
  try {
    secret = await t.clients.core.readNamespacedSecret({ name, namespace: t.namespace });
  } catch (e) {
    if (isApiStatus(e, 404)) return undefined;
    return fail(t, e, 'get secrets');
  }
  if (!servingMadeFor(secret.metadata?.labels, ref)) throw foreign(t, 'Secret', name);
  return secret.metadata?.annotations?.['gantry.dev/api-key-id'] ?? null;
}

export type ReadyState = { ready: true } | { ready: false; progress: string };

/** The version's model server failed to start: waiting longer will not help. Not retryable. */
export class ServingStartFailed extends AppError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

async function servingPods(t: ServingTarget, name: string): Promise<V1Pod[]> {
  try {
    return (await t.clients.core.listNamespacedPod({ namespace: t.namespace, labelSelector: `${LABELS.managedBy}=gantry,${SERVING_LABELS.serving}=${name}` })).items;
  } catch (e) {
    return fail(t, e, 'list pods');
  }
}

/** One look at a version's readiness; throws {@link ServingStartFailed} when a pod is stuck. */
export async function versionReadiness(t: ServingTarget, ref: ServingRef, kind: ServingKind): Promise<ReadyState> {
  const name = servingObjectName(ref.deploymentId, ref.version);
  const failed = (why: string) => new ServingStartFailed(`Version ${ref.version}'s model server on cluster ${t.clusterName} cannot start: ${why}`);
  let state: ReadyState;
  if (kind === 'deployment') {
    let d: V1Deployment;
    try {
      d = await t.clients.apps.readNamespacedDeployment({ name, namespace: t.namespace });
    } catch (e) {
      if (isApiStatus(e, 404)) throw failed(`its Deployment ${name} is gone from namespace "${t.namespace}"`);
      return fail(t, e, 'get deployments');
    }
    if (!servingMadeFor(d.metadata?.labels, ref)) throw foreign(t, 'Deployment', name);
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const current = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
    const stalled = s.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False');
    if (stalled) throw failed(`${stalled.reason ?? 'not progressing'}${stalled.message ? `: ${stalled.message}` : ''}`);
    state = current && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want ? { ready: true } : { ready: false, progress: `${s.availableReplicas ?? 0} of ${want} replicas available` };
  } else {
    let isvc: { metadata?: { labels?: Record<string, string>; generation?: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] } };
    try {
      isvc = (await t.clients.customObjects.getNamespacedCustomObject({ group: KSERVE.group, version: KSERVE.version, namespace: t.namespace, plural: KSERVE.plural, name })) as typeof isvc;
    } catch (e) {
      if (isApiStatus(e, 404)) throw failed(`its InferenceService ${name} is gone from namespace "${t.namespace}"`);
      return fail(t, e, 'get inferenceservices');
    }
    if (!servingMadeFor(isvc.metadata?.labels, ref)) throw foreign(t, 'InferenceService', name);
    const ready = isvc.status?.conditions?.find((c) => c.type === 'Ready');
    const current = (isvc.status?.observedGeneration ?? isvc.metadata?.generation ?? 0) >= (isvc.metadata?.generation ?? 0);
    state = current && ready?.status === 'True' ? { ready: true } : { ready: false, progress: ready?.message ?? ready?.reason ?? 'waiting for KServe to report the InferenceService Ready' };
  }
  if (state.ready) return state;
  for (const pod of await servingPods(t, name)) {
    const problem = podProblem(pod);
    if (problem) throw failed(problem);
  }
  return state;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** Called after each look (an activity heartbeats here). */
  onProgress?: (progress: string) => void;
  signal?: AbortSignal;
}

/**
 * Returns once the version's replicas are all available (Deployment) or KServe reports it Ready;
 * fails at once, saying why, when a pod is stuck (image pull, crash loop, missing configuration),
 * and after `timeoutMs` with the last progress seen.
 */
export async function waitVersionReady(t: ServingTarget, ref: ServingRef, kind: ServingKind, opts: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const pollMs = opts.pollMs ?? 1_000;
  for (;;) {
    const state = await versionReadiness(t, ref, kind);
    if (state.ready) return;
    opts.onProgress?.(state.progress);
    if (Date.now() > deadline) throw new ServingStartFailed(`Version ${ref.version}'s model server on cluster ${t.clusterName} did not become ready in time (${state.progress})`);
    if (opts.signal?.aborted) throw opts.signal.reason;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Deletes a version's objects (InferenceService, Deployment, Service, Secret); absent ones are
 * already removed. Each is read first, and one Gantry did not make for this version stays.
 * Returns the API key ID the Secret named, so the caller can revoke it.
 */
export async function removeVersion(t: ServingTarget, ref: ServingRef): Promise<{ removed: string[]; apiKeyId: string | null }> {
  const name = servingObjectName(ref.deploymentId, ref.version);
  const ns = t.namespace;
  const { core, apps, customObjects } = t.clients;
  const removed: string[] = [];
  let apiKeyId: string | null = null;
  const one = async (kind: string, resource: string, objName: string, read: () => Promise<{ metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } }>, del: () => Promise<unknown>) => {
    let current: Awaited<ReturnType<typeof read>>;
    try {
      current = await read();
    } catch (e) {
      if (isApiStatus(e, 404)) return;
      fail(t, e, `get ${resource}`);
    }
    if (!servingMadeFor(current!.metadata?.labels, ref)) throw foreign(t, kind, objName);
    if (kind === 'Secret') apiKeyId = current!.metadata?.annotations?.['gantry.dev/api-key-id'] ?? null;
    try {
      await del();
      removed.push(`${kind}/${objName}`);
    } catch (e) {
      if (!isApiStatus(e, 404)) fail(t, e, `delete ${resource}`);
    }
  };
  if (await hasKServe(t)) {
    const k = { group: KSERVE.group, version: KSERVE.version, namespace: ns, plural: KSERVE.plural, name };
    await one('InferenceService', 'inferenceservices', name, async () => (await customObjects.getNamespacedCustomObject(k)) as { metadata?: { labels?: Record<string, string> } }, () => customObjects.deleteNamespacedCustomObject(k));
  }
  // The pods go with their ReplicaSets (background propagation), not left orphaned.
  await one('Deployment', 'deployments', name, () => apps.readNamespacedDeployment({ name, namespace: ns }), () => apps.deleteNamespacedDeployment({ name, namespace: ns, propagationPolicy: 'Background' }));
  await one('Service', 'services', name, () => core.readNamespacedService({ name, namespace: ns }), () => core.deleteNamespacedService({ name, namespace: ns }));
  const secret = modelSecretName(name);
  await one('Secret', 'secrets', secret, () => core.readNamespacedSecret({ name: secret, namespace: ns }), () => core.deleteNamespacedSecret({ name: secret, namespace: ns }));
  return { removed, apiKeyId };
}

/** The version numbers of a deployment's objects on the cluster (labelled for this organization and deployment). */
export async function versionsOnCluster(t: ServingTarget, ref: Omit<ServingRef, 'version'>): Promise<number[]> {
  const selector = `${LABELS.managedBy}=gantry,${LABELS.org}=${labelValue(ref.orgId)},${SERVING_LABELS.deployment}=${labelValue(ref.deploymentId)}`;
  let secrets: V1Secret[];
  try {
    secrets = (await t.clients.core.listNamespacedSecret({ namespace: t.namespace, labelSelector: selector })).items;
  } catch (e) {
    return fail(t, e, 'list secrets');
  }
  return [...new Set(secrets.map((s) => Number(s.metadata?.labels?.[SERVING_LABELS.version])).filter((n) => Number.isInteger(n) && n > 0))].sort((a, b) => a - b);
}
