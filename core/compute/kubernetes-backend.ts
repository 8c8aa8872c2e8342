import {
  ApiException,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  ResponseContext,
  SelfDecodingBody,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  wrapHttpLibrary,
  type RequestContext,
  type SecurityAuthentication,
  type V1EnvVar,
  type V1Job,
  type V1Node,
  type V1OwnerReference,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { AppError, type ErrorCode } from '../errors';
import { completeUtf8Length, type BackendJobSpec, type BackendJobStatus, type ClusterCapacity, type ComputeBackend, type GpuPool, type LogChunk, type SubmitResult } from './compute-backend';
import type { SanitizedKubeconfig } from './kubeconfig';
import { BLOCKED_CONNECTION_CODE, GuardedHttpsAgent } from './network-policy';

/**
 * Runs Gantry jobs as `batch/v1` Jobs on a tenant's cluster. One Job per attempt,
 * named by `backendJobName`, one pod (`backoffLimit: 0`: the training workflow
 * owns retries), GPU limits with a node selector and tolerations for the GPU type,
 * a deadline, and a TTL after which Kubernetes deletes the finished Job.
 * The job's credentials (`secretEnv`) live in a Secret of the same name that the
 * container reads through `secretKeyRef`, so the Job manifest holds none of them;
 * the Job owns the Secret, and Kubernetes' garbage collector deletes it with the Job.
 *
 * The API client is configured from a {@link SanitizedKubeconfig} only, and every
 * connection goes through {@link GuardedHttpsAgent}: certificates are verified,
 * addresses are checked at each dial, no proxy is used.
 */

export const DEFAULT_GPU_TYPE_LABEL = 'nvidia.com/gpu.product';
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The taint GPU node pools commonly carry (GKE, AKS, the NVIDIA GPU operator). */
export const GPU_TAINT_KEY = 'nvidia.com/gpu';
export const CONTAINER_NAME = 'main';
export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 24 * 60 * 60;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Most log bytes returned per call; the caller pages with `nextOffset`. */
export const LOG_CHUNK_BYTES = 1024 * 1024;

/** Labels on every Job, pod and Secret Gantry creates. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  org: 'gantry.dev/org',
  team: 'gantry.dev/team',
  project: 'gantry.dev/project',
  job: 'gantry.dev/job',
  run: 'gantry.dev/run',
  attempt: 'gantry.dev/attempt',
  backendJob: 'gantry.dev/backend-job',
} as const;

export interface KubernetesBackendOptions {
  /** Where Jobs are created; must exist. */
  namespace: string;
  /** The node label whose value is the GPU type (default `nvidia.com/gpu.product`, set by GPU feature discovery). */
  gpuTypeLabel?: string;
  /** How long a finished Job, its pod and logs stay before Kubernetes deletes them. */
  ttlSecondsAfterFinished?: number;
  /** Per API request; a request that takes longer fails UNAVAILABLE. */
  requestTimeoutMs?: number;
}

/**
 * A label value from any string: characters outside `[A-Za-z0-9_.-]` become `-`,
 * at most 63 characters, starting and ending alphanumeric (empty if nothing is left).
 */
export function labelValue(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}

// ---------------------------------------------------------------------------
// Errors

export type ClusterErrorReason =
  | 'cluster-unauthorized'
  | 'cluster-forbidden'
  | 'cluster-not-found'
  | 'cluster-conflict'
  | 'cluster-rejected'
  | 'cluster-unavailable'
  | 'cluster-unreachable'
  | 'cluster-tls'
  | 'cluster-timeout';

/** A failed call to a cluster's API server. `retryable` is true for the transient kinds. */
export class ClusterApiError extends AppError {
  readonly reason: ClusterErrorReason;
  /** The API server's HTTP status, when it answered. */
  readonly httpStatus: number | null;
  readonly retryable: boolean;

  constructor(code: ErrorCode, reason: ClusterErrorReason, message: string, httpStatus: number | null, cause?: unknown) {
    super(code, message, { cause });
    this.reason = reason;
    this.httpStatus = httpStatus;
    this.retryable = code === 'UNAVAILABLE';
  }
}

/** The `message` of a Kubernetes `Status` body, if the body is one. */
function statusMessage(body: unknown): string | null {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? body.trim().slice(0, 500) : null;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : null;
}

export const isApiStatus = (e: unknown, status: number): e is ApiException<unknown> => e instanceof ApiException && e.code === status;

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|EPROTO)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/**
 * Turns a failure of a call that tried to `action` (e.g. "create jobs") into an
 * AppError whose message an admin can act on. 401 and 403 are FORBIDDEN (the
 * cluster refuses Gantry's credentials, not the signed-in user's); address-policy
 * refusals keep their own BAD_USER_INPUT error.
 */
export function clusterError(e: unknown, action: string, clients: Pick<KubernetesClients, 'agent' | 'server' | 'namespace'>): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof ApiException) {
    const status = e.code;
    const detail = statusMessage(e.body);
    if (status === 401) {
      return new ClusterApiError('FORBIDDEN', 'cluster-unauthorized', `The cluster rejected Gantry's credentials (401 Unauthorized) when trying to ${action}: the token or client certificate is wrong, expired or revoked. Update the cluster's kubeconfig.`, status, e);
    }
    if (status === 403) {
      return new ClusterApiError('FORBIDDEN', 'cluster-forbidden', `The cluster's credentials may not ${action} in namespace "${clients.namespace}"${detail ? `: ${detail}` : ''}. Grant the missing RBAC permission or use other credentials.`, status, e);
    }
    if (status === 404) return new ClusterApiError('NOT_FOUND', 'cluster-not-found', `Could not ${action}: ${detail ?? 'not found'}`, status, e);
    if (status === 409) return new ClusterApiError('CONFLICT', 'cluster-conflict', `Could not ${action}: ${detail ?? 'conflict'}`, status, e);
    if (status === 400 || status === 422) return new ClusterApiError('BAD_USER_INPUT', 'cluster-rejected', `The cluster refused to ${action}: ${detail ?? `HTTP ${status}`}`, status, e);
    return new ClusterApiError('UNAVAILABLE', 'cluster-unavailable', `The cluster's API server failed to ${action} (HTTP ${status})${detail ? `: ${detail}` : ''}`, status, e);
  }
  const err = e as { name?: string; code?: string; type?: string; message?: string } | null;
  if (err?.code === BLOCKED_CONNECTION_CODE && clients.agent.lastBlocked) return clients.agent.lastBlocked;
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError' || err?.type === 'aborted') {
    return new ClusterApiError('UNAVAILABLE', 'cluster-timeout', `The cluster's API server at ${clients.server} did not answer in time (trying to ${action}).`, null, e);
  }
  if (err?.code && TLS_CODES.test(err.code)) {
    return new ClusterApiError('UNAVAILABLE', 'cluster-tls', `The cluster's API server certificate did not verify (${err.code}): check certificate-authority-data and tls-server-name in the kubeconfig.`, null, e);
  }
  if (err?.code && NETWORK_CODES.has(err.code)) {
    return new ClusterApiError('UNAVAILABLE', 'cluster-unreachable', `Could not reach the cluster's API server at ${clients.server} (${err.code}).`, null, e);
  }
  if (err?.type === 'system' || err?.name === 'FetchError') {
    return new ClusterApiError('UNAVAILABLE', 'cluster-unreachable', `Could not reach the cluster's API server at ${clients.server}.`, null, e);
  }
  return e instanceof Error ? new AppError('INTERNAL', 'Unexpected error talking to the cluster', { cause: e }) : new AppError('INTERNAL', String(e));
}

// ---------------------------------------------------------------------------
// Clients

export interface KubernetesClients {
  core: CoreV1Api;
  batch: BatchV1Api;
  authorization: AuthorizationV1Api;
  version: VersionApi;
  /** The one agent every request dials through (its `lastBlocked` explains refused connections). */
  agent: GuardedHttpsAgent;
  server: string;
  namespace: string;
}

const b64 = (s: string | null) => (s ? Buffer.from(s, 'base64') : undefined);

/**
 * API clients for a sanitized kubeconfig. The `KubeConfig` is built with
 * `loadFromOptions` from the sanitized fields alone (never from files or the
 * environment) and supplies the Authorization header; TLS material goes to a
 * {@link GuardedHttpsAgent}, which replaces the library's agent on every request.
 */
export function kubernetesClients(k: SanitizedKubeconfig, opts: { namespace: string; requestTimeoutMs?: number }): KubernetesClients {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: k.clusterName, server: k.server, caData: k.certificateAuthorityData ?? undefined, tlsServerName: k.tlsServerName ?? undefined, skipTLSVerify: false }],
    users: [{ name: k.userName, token: k.token ?? undefined, certData: k.clientCertificateData ?? undefined, keyData: k.clientKeyData ?? undefined }],
    contexts: [{ name: k.contextName, cluster: k.clusterName, user: k.userName, namespace: opts.namespace }],
    currentContext: k.contextName,
  });
  const agent = new GuardedHttpsAgent({
    ca: b64(k.certificateAuthorityData),
    cert: b64(k.clientCertificateData),
    key: b64(k.clientKeyData),
    servername: k.tlsServerName ?? undefined,
    keepAlive: true,
    maxSockets: 8,
  });
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const auth: SecurityAuthentication = {
    getName: () => 'sanitized kubeconfig',
    async applySecurityAuthentication(context: RequestContext) {
      await kc.applySecurityAuthentication(context);
      context.setAgent(agent);
      context.setSignal(AbortSignal.timeout(timeoutMs));
    },
  };
  const config = createConfiguration({ baseServer: new ServerConfiguration(k.server, {}), authMethods: { default: auth } });
  return {
    core: new CoreV1Api(config),
    batch: new BatchV1Api(config),
    authorization: new AuthorizationV1Api(config),
    version: new VersionApi(config),
    agent,
    server: k.server,
    namespace: opts.namespace,
  };
}

// ---------------------------------------------------------------------------
// Quantities and capacity

const QUANTITY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** A Kubernetes resource quantity (`7910m`, `32856660Ki`, `1e3`) in base units; NaN when unparseable. */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === 'number') return q;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?\s*$/.exec(q);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] !== undefined ? 10 ** Number(m[2]) : QUANTITY_SUFFIX[m[3] ?? '']!);
}

/** Schedulable capacity: allocatable CPU and memory of ready, uncordoned nodes, GPUs pooled by type label. */
export function capacityFromNodes(nodes: V1Node[], gpuTypeLabel = DEFAULT_GPU_TYPE_LABEL): ClusterCapacity {
  let cpu = 0;
  let memory = 0;
  const pools = new Map<string, GpuPool>();
  for (const node of nodes) {
    if (node.spec?.unschedulable) continue;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready && ready.status !== 'True') continue;
    const alloc = node.status?.allocatable ?? {};
    cpu += parseQuantity(alloc.cpu) || 0;
    memory += parseQuantity(alloc.memory) || 0;
    const gpus = Math.floor(parseQuantity(alloc[GPU_RESOURCE]) || 0);
    if (gpus > 0) {
      const gpuType = node.metadata?.labels?.[gpuTypeLabel] || 'unlabelled';
      const pool = pools.get(gpuType) ?? { gpuType, allocatable: 0, nodes: 0 };
      pool.allocatable += gpus;
      pool.nodes += 1;
      pools.set(gpuType, pool);
    }
  }
  return {
    cpuCores: Math.round(cpu * 1000) / 1000,
    memoryMiB: Math.floor(memory / 2 ** 20),
    gpus: [...pools.values()].sort((a, b) => a.gpuType.localeCompare(b.gpuType)),
  };
}

// ---------------------------------------------------------------------------
// The Job manifest

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function validateSpec(spec: BackendJobSpec): void {
  const bad = (path: string, message: string) => new AppError('BAD_USER_INPUT', message, { fields: [{ path, message }] });
  if (!DNS_LABEL.test(spec.name)) throw bad('name', `Backend job name "${spec.name}" must be a DNS label (see backendJobName)`);
  if (!spec.image.trim()) throw bad('image', 'A container image is required');
  const r = spec.resources;
  if (!(r.cpu > 0) || !Number.isFinite(r.cpu)) throw bad('resources.cpu', 'CPU must be a positive number of cores');
  if (!Number.isInteger(r.memoryMiB) || r.memoryMiB <= 0) throw bad('resources.memoryMiB', 'Memory must be a positive whole number of MiB');
  if (!Number.isInteger(r.gpuCount) || r.gpuCount < 0) throw bad('resources.gpuCount', 'GPU count must be a whole number, 0 or more');
  if (r.gpuType !== null && labelValue(r.gpuType) !== r.gpuType) throw bad('resources.gpuType', `GPU type "${r.gpuType}" is not a valid node label value`);
  if (!Number.isInteger(spec.maxRuntimeSeconds) || spec.maxRuntimeSeconds < 1) throw bad('maxRuntimeSeconds', 'The maximum runtime must be a whole number of seconds, 1 or more');
  for (const k of Object.keys(spec.env)) if (!ENV_NAME.test(k)) throw bad(`env.${k}`, `"${k}" is not a valid environment variable name`);
  for (const k of Object.keys(spec.secretEnv)) {
    if (!ENV_NAME.test(k)) throw bad(`secretEnv.${k}`, `"${k}" is not a valid environment variable name`);
    if (Object.hasOwn(spec.env, k)) throw bad(`secretEnv.${k}`, `"${k}" is set both as a plain and as a secret environment variable`);
  }
}

/** Labels and annotations shared by the Job, its pods and its Secret. */
function gantryMetadata(spec: BackendJobSpec): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels: Record<string, string> = {
    [LABELS.managedBy]: 'gantry',
    [LABELS.org]: labelValue(spec.orgId),
    [LABELS.team]: labelValue(spec.teamId),
    [LABELS.project]: labelValue(spec.projectId),
    [LABELS.job]: labelValue(spec.jobId),
    [LABELS.run]: labelValue(spec.runId),
    [LABELS.attempt]: String(spec.attempt),
    [LABELS.backendJob]: spec.name,
  };
  // Label values are capped and character-limited; the IDs as given are kept in annotations.
  const annotations: Record<string, string> = {
    'gantry.dev/org-id': spec.orgId,
    'gantry.dev/team-id': spec.teamId,
    'gantry.dev/project-id': spec.projectId,
    'gantry.dev/job-id': spec.jobId,
    'gantry.dev/run-id': spec.runId,
  };
  return { labels, annotations };
}

/** Whether an object found under a Gantry name was made by Gantry for this job and attempt. */
function madeFor(labels: Record<string, string> | undefined, spec: BackendJobSpec): boolean {
  return labels?.[LABELS.job] === labelValue(spec.jobId) && labels?.[LABELS.attempt] === String(spec.attempt);
}

/** The `batch/v1` Job Gantry creates for `spec`. */
export function buildJobManifest(spec: BackendJobSpec, opts: { namespace: string; gpuTypeLabel?: string; ttlSecondsAfterFinished?: number }): V1Job {
  validateSpec(spec);
  const gpuTypeLabel = opts.gpuTypeLabel ?? DEFAULT_GPU_TYPE_LABEL;
  const { cpu, memoryMiB, gpuCount, gpuType } = spec.resources;
  const { labels, annotations } = gantryMetadata(spec);
  const env: V1EnvVar[] = [
    ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    // The kubelet reads these from the Secret when it starts the container; the Job only names them.
    ...Object.keys(spec.secretEnv).map((name) => ({ name, valueFrom: { secretKeyRef: { name: spec.name, key: name } } })),
  ];
  const quantities: Record<string, string> = { cpu: `${Math.round(cpu * 1000)}m`, memory: `${memoryMiB}Mi` };
  if (gpuCount > 0) quantities[GPU_RESOURCE] = String(gpuCount);
  const tolerations =
    gpuCount > 0
      ? [
          { key: GPU_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' },
          ...(gpuType ? [{ key: gpuTypeLabel, operator: 'Equal', value: gpuType, effect: 'NoSchedule' }] : []),
        ]
      : undefined;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: spec.name, namespace: opts.namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: spec.maxRuntimeSeconds,
      ttlSecondsAfterFinished: opts.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED,
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: 'Never',
          // Training code has no business with the cluster's API.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: gpuType ? { [gpuTypeLabel]: gpuType } : undefined,
          tolerations,
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              command: spec.command.length ? spec.command : undefined,
              args: spec.args.length ? spec.args : undefined,
              env,
              // Requests equal limits (Guaranteed QoS): what is billed is what is reserved.
              resources: { requests: quantities, limits: quantities },
            },
          ],
        },
      },
    },
  };
}

/** The core/v1 Secret with the job's credentials (`secretEnv`): named and labelled like its Job, so `cancel(name)` finds both. */
export function buildSecretManifest(spec: BackendJobSpec, opts: { namespace: string }): V1Secret {
  validateSpec(spec);
  const { labels, annotations } = gantryMetadata(spec);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: spec.name, namespace: opts.namespace, labels, annotations },
    // The API server encodes these into `data`; written without `data`, they replace all of it.
    stringData: { ...spec.secretEnv },
  };
}

// ---------------------------------------------------------------------------
// Status

const toDate = (d: Date | string | undefined | null): Date | null => (d ? new Date(d) : null);
const BENIGN_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

/** The Job's state in Gantry's terms, from the Job and its newest pod (if any). */
export function jobStatusFrom(job: V1Job, pod: V1Pod | null, now = new Date()): BackendJobStatus {
  const container = pod?.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME) ?? pod?.status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const running = container?.state?.running;
  const waiting = container?.state?.waiting;
  const conditions = job.status?.conditions ?? [];
  const condition = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const exitCode = terminated?.exitCode ?? null;
  let startedAt = toDate(running?.startedAt ?? terminated?.startedAt);
  let finishedAt = toDate(terminated?.finishedAt);

  const result = (phase: BackendJobStatus['phase'], reason: string | null, message: string | null): BackendJobStatus => {
    const end = finishedAt ?? (phase === 'running' ? now : null);
    const usage = startedAt && end ? { runtimeSeconds: Math.max(0, (end.getTime() - startedAt.getTime()) / 1000), cpuSeconds: null, peakMemoryMiB: null } : null;
    return { phase, reason, message, startedAt, finishedAt, exitCode, usage };
  };

  if (job.metadata?.deletionTimestamp) {
    finishedAt ??= toDate(job.metadata.deletionTimestamp);
    return result('cancelled', 'Cancelled', 'The job was deleted');
  }
  const complete = condition('Complete') ?? condition('SuccessCriteriaMet');
  if (complete) {
    finishedAt ??= toDate(job.status?.completionTime ?? complete.lastTransitionTime);
    return result('succeeded', null, null);
  }
  const failed = condition('Failed') ?? condition('FailureTarget');
  if (failed) {
    finishedAt ??= toDate(failed.lastTransitionTime);
    // The deadline deletes the pod: fall back to the Job's own start.
    startedAt ??= toDate(job.status?.startTime);
    if (failed.reason === 'DeadlineExceeded') {
      const limit = job.spec?.activeDeadlineSeconds;
      return result('failed', 'DeadlineExceeded', limit ? `The job ran longer than its limit of ${limit} seconds` : (failed.message ?? null));
    }
    if (terminated) {
      const reason = terminated.reason ?? 'Error';
      const message = terminated.message?.trim() || (reason === 'OOMKilled' ? `The container ran out of memory (exit code ${terminated.exitCode})` : `The container exited with code ${terminated.exitCode}`);
      return result('failed', reason, message);
    }
    if (pod?.status?.reason) return result('failed', pod.status.reason, pod.status.message ?? failed.message ?? null);
    return result('failed', failed.reason ?? 'Failed', failed.message ?? null);
  }
  if (job.spec?.suspend) return result('queued', 'Suspended', 'The job is suspended (waiting for a queue to admit it)');
  if (!pod) return result('pending', null, null);

  switch (pod.status?.phase) {
    case 'Running':
      return result('running', null, null);
    case 'Succeeded':
      return result('succeeded', null, null);
    case 'Failed': {
      const reason = terminated?.reason ?? pod.status.reason ?? 'Error';
      return result('failed', reason, terminated?.message ?? pod.status.message ?? (exitCode !== null ? `The container exited with code ${exitCode}` : null));
    }
    default: {
      const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') return result('pending', 'Unschedulable', scheduled.message ?? null);
      if (waiting?.reason && !BENIGN_WAITING.has(waiting.reason)) return result('pending', waiting.reason, waiting.message ?? null);
      return result('pending', null, null);
    }
  }
}

// ---------------------------------------------------------------------------
// Logs: followed from a cursor on timestamped reads
//
// The log API has no byte offset: a read starts at the container log's beginning, or
// at `sinceTime` (whole seconds as sent; the kubelet returns the entries stamped at or
// after it). With `timestamps=true` the kubelet puts the entry's time and a space
// before each line (before the first entry of a line split into partial entries), so
// a line can be found again by its stamp and its rank among the lines with that stamp.
// A cursor remembers that for an offset already returned, and the next read starts at
// the second of the line it points into instead of the log's beginning.

/** A log timestamp; compared as numbers, as its text's width varies. */
export interface LogTimestamp {
  /** Seconds since the epoch. */
  sec: number;
  nanos: number;
}

const LOG_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
/** `2006-01-02T15:04:05.000000000+07:00` and its space: the longest prefix a line can have. */
const MAX_TIMESTAMP_PREFIX = 36;

/** An RFC3339 timestamp with any number of fraction digits (up to nanoseconds) and any offset; null when it is not one. */
export function parseLogTimestamp(text: string): LogTimestamp | null {
  const m = LOG_TIMESTAMP.exec(text);
  if (!m) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const offsetSeconds = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  const sec = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) / 1000 - offsetSeconds;
  return { sec, nanos: fraction ? Number(fraction.padEnd(9, '0')) : 0 };
}

const compareTimestamps = (a: LogTimestamp, b: LogTimestamp) => a.sec - b.sec || a.nanos - b.nanos;
const sameTimestamp = (a: LogTimestamp | null, b: LogTimestamp) => a !== null && compareTimestamps(a, b) === 0;

/**
 * Where a reader stands in a container log: `into` bytes of log text after the start
 * of the `n`-th line stamped `ts` (its text after the timestamp; `into` may reach past
 * its end into the lines after it). A read from `ts`'s second holds all lines stamped
 * `ts`, in the order the log has them.
 */
interface LogCursor {
  ts: LogTimestamp;
  n: number;
  into: number;
  /** How many bytes a read from `ts`'s second sent before this position last time. */
  before: number;
}

/** Cursors for offsets already handed out, by cluster, namespace, pod UID and offset; least recently used go first. */
const LOG_CURSORS_MAX = 1000;
const logCursors = new Map<string, LogCursor>();

function recallCursor(key: string): LogCursor | null {
  const cursor = logCursors.get(key);
  if (!cursor) return null;
  logCursors.delete(key);
  logCursors.set(key, cursor);
  return cursor;
}

function rememberCursor(key: string, cursor: LogCursor): void {
  logCursors.delete(key);
  logCursors.set(key, cursor);
  for (const oldest of logCursors.keys()) {
    if (logCursors.size <= LOG_CURSORS_MAX) break;
    logCursors.delete(oldest);
  }
}

/** One line of a timestamped read. */
interface LogLine {
  /** Where the line begins in the read, timestamp included. */
  at: number;
  /** Where its text begins, after the timestamp and its space. */
  start: number;
  /** After its newline, or the end of the read. */
  end: number;
  /** Null for text without a timestamp: the rest of a line that began before `sinceTime`. */
  ts: LogTimestamp | null;
}

/**
 * The lines of a timestamped read. A read from `since` can begin with the rest of a
 * line whose first part is older (no timestamp); a last line without a newline whose
 * timestamp did not parse was cut inside it by `limitBytes`, and is left out.
 */
function splitLogLines(buf: Buffer, since: LogTimestamp | null): LogLine[] {
  const lines: LogLine[] = [];
  for (let at = 0; at < buf.length; ) {
    const newline = buf.indexOf(0x0a, at);
    const end = newline < 0 ? buf.length : newline + 1;
    const space = buf.subarray(at, Math.min(end, at + MAX_TIMESTAMP_PREFIX)).indexOf(0x20);
    let ts = space > 0 ? parseLogTimestamp(buf.toString('latin1', at, at + space)) : null;
    if (ts && at === 0 && since && compareTimestamps(ts, since) < 0) ts = null;
    if (!ts && at > 0 && newline < 0) break;
    lines.push(ts ? { at, start: at + space + 1, end, ts } : { at, start: at, end, ts: null });
    at = end;
  }
  return lines;
}

type LogStart = { skip: number } | LogCursor;

type FollowResult =
  /** The read stopped (at `limitBytes`) before anything new could be told: read more. */
  | { more: true }
  /** Log text from the start on, and the cursor after it (null when none can be placed). */
  | { more: false; text: Buffer; cursor: LogCursor | null };

/**
 * What a timestamped read holds after `from`: at most {@link LOG_CHUNK_BYTES} of log
 * text, ending after a whole line where one fits. A line without its newline yet is
 * taken as far as it goes, except where `limitBytes` cut it (`truncated`) or it ends
 * inside a character the container may still complete (unless it has terminated, `final`);
 * a single line longer than a chunk is taken a chunk at a time.
 */
function followLog(buf: Buffer, o: { since: LogTimestamp | null; from: LogStart; truncated: boolean; final: boolean }): FollowResult {
  const lines = splitLogLines(buf, o.since);
  const lastCut = o.truncated && lines.length > 0 && buf[lines.at(-1)!.end - 1] !== 0x0a ? lines.length - 1 : -1;

  // Where `bytes` of log text after the start of line `first` end (line `i`, at `p` in the read); null when the read holds fewer.
  const walk = (first: number, bytes: number): { i: number; p: number } | null => {
    let remaining = bytes;
    for (let k = first; k < lines.length; k++) {
      const line = lines[k]!;
      if (remaining < line.end - line.start) return { i: k, p: line.start + remaining };
      remaining -= line.end - line.start;
    }
    return remaining === 0 ? { i: lines.length, p: buf.length } : null;
  };
  let start: { i: number; p: number } | null;
  if ('skip' in o.from) {
    start = walk(0, o.from.skip);
  } else {
    const { ts, n, into } = o.from;
    let anchor = -1;
    for (let k = 0, seen = 0; k < lines.length && anchor < 0; k++) {
      if (sameTimestamp(lines[k]!.ts, ts) && ++seen === n) anchor = k;
    }
    if (anchor >= 0) {
      start = walk(anchor, into);
    } else if (o.truncated) {
      return { more: true };
    } else {
      // The line is no longer in the log (rotated away): go on from the first line stamped after it.
      const next = lines.findIndex((l) => l.ts !== null && compareTimestamps(l.ts, ts) > 0);
      start = next < 0 ? { i: lines.length, p: buf.length } : { i: next, p: lines[next]!.start };
    }
  }
  // Fewer bytes than the offset: a read cut short, or a log that is shorter (rotated).
  if (!start) return o.truncated ? { more: true } : { more: false, text: Buffer.alloc(0), cursor: null };

  const parts: Buffer[] = [];
  let taken = 0;
  let endLine = start.i;
  let endAt = start.p;
  for (let k = start.i; k < lines.length; k++) {
    const line = lines[k]!;
    const from = k === start.i ? start.p : line.start;
    const length = line.end - from;
    const whole = buf[line.end - 1] === 0x0a;
    let keep: number;
    if (length > LOG_CHUNK_BYTES - taken) {
      // Does not fit: stop before it, unless it is a single line longer than a chunk.
      if (taken > 0) break;
      keep = completeUtf8Length(buf.subarray(from, from + LOG_CHUNK_BYTES));
    } else if (whole) {
      keep = length;
    } else if (k === lastCut) {
      break;
    } else {
      keep = o.final ? length : completeUtf8Length(buf.subarray(from, line.end));
    }
    if (keep > 0) {
      parts.push(buf.subarray(from, from + keep));
      taken += keep;
      endLine = k;
      endAt = from + keep;
    }
    if (keep < length) break;
  }
  if (taken === 0 && o.truncated) return { more: true };

  // The cursor: anchored on the last timestamped line at or before the position.
  if (endLine >= lines.length) {
    endLine = lines.length - 1;
    endAt = lines.at(-1)?.end ?? 0;
  }
  let anchor = endLine;
  while (anchor >= 0 && lines[anchor]!.ts === null) anchor--;
  const text = Buffer.concat(parts);
  if (anchor < 0) return { more: false, text, cursor: null };
  const ts = lines[anchor]!.ts!;
  let into = endAt - lines[endLine]!.start;
  for (let k = anchor; k < endLine; k++) into += lines[k]!.end - lines[k]!.start;
  let n = 0;
  for (let k = 0; k <= anchor; k++) if (sameTimestamp(lines[k]!.ts, ts)) n++;
  // A read from the same second starts where this one did; from a later one, at its first line.
  const readFrom = o.since?.sec === ts.sec ? 0 : lines.find((l) => l.ts !== null && l.ts.sec >= ts.sec)!.at;
  return { more: false, text, cursor: { ts, n, into, before: endAt - readFrom } };
}

/** Whether the pod's container has ended, so its log can grow no more. */
function containerEnded(pod: V1Pod): boolean {
  const container = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME) ?? pod.status?.containerStatuses?.[0];
  return Boolean(container?.state?.terminated) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** `sinceTime` as the API takes it: RFC3339 in whole seconds. */
const sinceTimeParam = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What the generated client uses; log reads wrap it to add `sinceTime` and keep the raw body. */
const fetchLibrary = new IsomorphicFetchHttpLibrary();

// ---------------------------------------------------------------------------
// The backend

export class KubernetesBackend implements ComputeBackend {
  readonly kind = 'kubernetes' as const;
  readonly namespace: string;
  readonly gpuTypeLabel: string;
  private readonly clients: KubernetesClients;
  private readonly ttlSecondsAfterFinished: number;

  constructor(kubeconfig: SanitizedKubeconfig, opts: KubernetesBackendOptions) {
    if (!DNS_LABEL.test(opts.namespace)) throw new AppError('BAD_USER_INPUT', `"${opts.namespace}" is not a Kubernetes namespace name`, { fields: [{ path: 'namespace', message: 'must be a DNS label' }] });
    this.namespace = opts.namespace;
    this.gpuTypeLabel = opts.gpuTypeLabel ?? DEFAULT_GPU_TYPE_LABEL;
    this.ttlSecondsAfterFinished = opts.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED;
    this.clients = kubernetesClients(kubeconfig, { namespace: opts.namespace, requestTimeoutMs: opts.requestTimeoutMs });
  }

  private fail(e: unknown, action: string): never {
    throw clusterError(e, action, this.clients);
  }

  /**
   * The Secret first (a pod whose Secret is missing waits in CreateContainerConfigError),
   * then the Job, then the Job becomes the Secret's owner. Every step finds its own
   * object on a retried submit; objects of the same name made for anything else are a CONFLICT.
   */
  async submit(spec: BackendJobSpec): Promise<SubmitResult> {
    const body = buildJobManifest(spec, { namespace: this.namespace, gpuTypeLabel: this.gpuTypeLabel, ttlSecondsAfterFinished: this.ttlSecondsAfterFinished });
    const secret = Object.keys(spec.secretEnv).length > 0 ? await this.writeSecret(spec) : null;
    let created: boolean;
    let uid: string | undefined;
    try {
      uid = (await this.clients.batch.createNamespacedJob({ namespace: this.namespace, body })).metadata?.uid;
      created = true;
    } catch (e) {
      if (!isApiStatus(e, 409)) {
        // Refused for good: the credentials must not stay behind without a Job to own them.
        if (secret && e instanceof ApiException && e.code >= 400 && e.code < 500) await this.deleteSecret(spec.name).catch(() => undefined);
        this.fail(e, 'create jobs');
      }
      created = false;
    }
    if (!created) {
      // AlreadyExists: a retried submit finds its own Job; a foreign Job with this name is a conflict.
      let existing: V1Job;
      try {
        existing = await this.clients.batch.readNamespacedJob({ name: spec.name, namespace: this.namespace });
      } catch (e) {
        this.fail(e, 'get jobs');
      }
      if (!madeFor(existing.metadata?.labels, spec)) {
        throw new ClusterApiError('CONFLICT', 'cluster-conflict', `A Job named ${spec.name} that Gantry did not create for this job exists in namespace "${this.namespace}"`, 409);
      }
      uid = existing.metadata?.uid;
    }
    if (secret && uid) await this.giveSecretTo(secret, { apiVersion: 'batch/v1', kind: 'Job', name: spec.name, uid });
    return { created };
  }

  /** Creates the job's Secret; a retried submit's own Secret gets the new credentials (each submit mints a key). */
  private async writeSecret(spec: BackendJobSpec): Promise<V1Secret> {
    const body = buildSecretManifest(spec, { namespace: this.namespace });
    try {
      return await this.clients.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (e) {
      if (!isApiStatus(e, 409)) this.fail(e, 'create secrets');
    }
    return this.updateSecret(spec.name, null, (current) => {
      if (!madeFor(current.metadata?.labels, spec)) {
        throw new ClusterApiError('CONFLICT', 'cluster-conflict', `A Secret named ${spec.name} that Gantry did not create for this job exists in namespace "${this.namespace}"`, 409);
      }
      // `stringData` without `data` replaces every key; the owner (a Job of an earlier submit) stays.
      return { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion, ownerReferences: current.metadata?.ownerReferences } };
    });
  }

  /**
   * Makes `owner` the Secret's only owner, so the garbage collector deletes the Secret
   * with the Job (on cancel, or when its TTL runs out). Not a controller reference, and
   * `blockOwnerDeletion` stays off: that would need permission to update the Job's finalizers.
   */
  private async giveSecretTo(secret: V1Secret, owner: V1OwnerReference): Promise<void> {
    await this.updateSecret(secret.metadata!.name!, secret, (current) => {
      const refs = current.metadata?.ownerReferences ?? [];
      if (refs.length === 1 && refs[0]!.uid === owner.uid) return null;
      return { ...current, metadata: { ...current.metadata, ownerReferences: [{ ...owner, controller: false, blockOwnerDeletion: false }] } };
    });
  }

  /**
   * Read-modify-replace of a Secret, starting from `known` when given: `change` returns
   * the new object (carrying the read `resourceVersion`) or null when nothing is to change.
   * A concurrent write (409 Conflict) reads again, a few times.
   */
  private async updateSecret(name: string, known: V1Secret | null, change: (current: V1Secret) => V1Secret | null): Promise<V1Secret> {
    let current = known;
    for (let tries = 1; ; tries++) {
      if (!current) {
        try {
          current = await this.clients.core.readNamespacedSecret({ name, namespace: this.namespace });
        } catch (e) {
          this.fail(e, 'get secrets');
        }
      }
      const body = change(current);
      if (!body) return current;
      try {
        return await this.clients.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
      } catch (e) {
        if (!isApiStatus(e, 409) || tries >= 3) this.fail(e, 'update secrets');
        current = null;
      }
    }
  }

  private async deleteSecret(name: string): Promise<void> {
    try {
      await this.clients.core.deleteNamespacedSecret({ name, namespace: this.namespace });
    } catch (e) {
      if (isApiStatus(e, 404)) return;
      this.fail(e, 'delete secrets');
    }
  }

  private async newestPod(name: string, jobUid?: string): Promise<V1Pod | null> {
    let pods: V1Pod[];
    try {
      pods = (await this.clients.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${LABELS.backendJob}=${name}` })).items;
    } catch (e) {
      this.fail(e, 'list pods');
    }
    const owned = jobUid ? pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === jobUid)) : pods;
    const time = (p: V1Pod) => toDate(p.metadata?.creationTimestamp)?.getTime() ?? 0;
    return owned.sort((a, b) => time(b) - time(a))[0] ?? null;
  }

  async status(name: string): Promise<BackendJobStatus | null> {
    let job: V1Job;
    try {
      job = await this.clients.batch.readNamespacedJob({ name, namespace: this.namespace });
    } catch (e) {
      if (isApiStatus(e, 404)) return null;
      this.fail(e, 'get jobs');
    }
    return jobStatusFrom(job, await this.newestPod(name, job.metadata?.uid));
  }

  /**
   * Reads with timestamps: from the second of the cursor kept for `offset` (same cluster,
   * namespace and pod), else from the log's start, skipping `offset` bytes of log text.
   * A read too short to tell anything new is repeated with twice the limit.
   */
  async logs(name: string, offset: number): Promise<LogChunk> {
    if (!Number.isInteger(offset) || offset < 0) throw new AppError('BAD_USER_INPUT', 'The log offset must be a whole number, 0 or more');
    const pod = await this.newestPod(name);
    const podName = pod?.metadata?.name;
    if (!pod || !podName) return { text: '', nextOffset: offset };
    const uid = pod.metadata?.uid;
    const key = (at: number) => (uid ? `${this.clients.server} ${this.namespace} ${uid} ${at}` : null);
    const cursorKey = key(offset);
    const cursor = cursorKey ? recallCursor(cursorKey) : null;
    const since = cursor ? { sec: cursor.ts.sec, nanos: 0 } : null;
    const final = containerEnded(pod);
    // Room for a chunk and the timestamps before its lines, after what comes before the offset.
    let limitBytes = (cursor ? cursor.before : Math.ceil(offset * 1.5)) + 2 * LOG_CHUNK_BYTES;
    for (;;) {
      const buf = await this.readLog(podName, limitBytes, since);
      if (!buf) return { text: '', nextOffset: offset };
      const read = followLog(buf, { since, from: cursor ?? { skip: offset }, truncated: buf.length >= limitBytes, final });
      if (read.more) {
        limitBytes *= 2;
        continue;
      }
      const nextOffset = offset + read.text.length;
      const nextKey = key(nextOffset);
      if (read.cursor && nextKey) rememberCursor(nextKey, read.cursor);
      return { text: read.text.toString('utf8'), nextOffset };
    }
  }

  /**
   * One timestamped read of the container's log, as raw bytes (the generated client has
   * no `sinceTime`, which the API takes, and decodes the body, which may end inside a
   * character); null when there is no log to read: the container has not started (400)
   * or the pod just went away (404).
   */
  private async readLog(podName: string, limitBytes: number, since: LogTimestamp | null): Promise<Buffer | null> {
    let body: Buffer = Buffer.alloc(0);
    const httpApi = wrapHttpLibrary({
      async send(request) {
        if (since) request.setQueryParam('sinceTime', sinceTimeParam(since.sec));
        const response = await fetchLibrary.send(request).toPromise();
        body = await response.body.binary();
        return new ResponseContext(response.httpStatusCode, response.headers, new SelfDecodingBody(Promise.resolve(body)));
      },
    });
    try {
      await this.clients.core.readNamespacedPodLog({ name: podName, namespace: this.namespace, container: CONTAINER_NAME, timestamps: true, limitBytes }, { httpApi });
    } catch (e) {
      if (isApiStatus(e, 400) || isApiStatus(e, 404)) return null;
      this.fail(e, 'read pod logs');
    }
    return body;
  }

  async cancel(name: string): Promise<void> {
    try {
      // Background: the Job goes now and its pods and Secret after it; the API's default for Jobs would orphan them.
      await this.clients.batch.deleteNamespacedJob({ name, namespace: this.namespace, propagationPolicy: 'Background' });
    } catch (e) {
      if (!isApiStatus(e, 404)) this.fail(e, 'delete jobs');
    }
    // Not left to the garbage collector: a Secret without an owner yet (a submit cut short) would stay.
    await this.deleteSecret(name);
  }

  /** Nothing to do: the Job (and what it owns) goes after `ttlSecondsAfterFinished`, and stays inspectable until then. */
  async release(): Promise<void> {}

  async capacity(): Promise<ClusterCapacity> {
    try {
      const nodes = await this.clients.core.listNode({});
      return capacityFromNodes(nodes.items, this.gpuTypeLabel);
    } catch (e) {
      this.fail(e, 'list nodes');
    }
  }
}
