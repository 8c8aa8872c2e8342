import {
  ApiException,
  ApisApi,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import { AppError, type ErrorCode } from '../../errors';
import type { SanitizedKubeconfig } from '../kubeconfig';
import { BLOCKED_CONNECTION_CODE, GuardedHttpsAgent } from '../network-policy';

/**
 * The API clients for a tenant's cluster, and what their failures mean to an admin.
 * The clients are configured from a {@link SanitizedKubeconfig} only, and every
 * connection goes through {@link GuardedHttpsAgent}: certificates are verified,
 * addresses are checked at each dial, no proxy is used.
 */

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

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
 * refusals keep their own BAD_USER_INPUT error. `clusterScoped` names actions on resources
 * outside any namespace (nodes).
 */
export function clusterError(e: unknown, action: string, clients: Pick<KubernetesClients, 'agent' | 'server' | 'namespace'>, opts: { clusterScoped?: boolean } = {}): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof ApiException) {
    const status = e.code;
    const detail = statusMessage(e.body);
    if (status === 401) {
      return new ClusterApiError('FORBIDDEN', 'cluster-unauthorized', `The cluster rejected Gantry's credentials (401 Unauthorized) when trying to ${action}: the token or client certificate is wrong, expired or revoked. Update the cluster's kubeconfig.`, status, e);
    }
    if (status === 403) {
      // Nodes and other cluster-scoped resources are granted by a ClusterRole, not by a Role in the namespace.
      const where = opts.clusterScoped ? ' (a cluster-scoped permission, granted by a ClusterRole)' : ` in namespace "${clients.namespace}"`;
      return new ClusterApiError('FORBIDDEN', 'cluster-forbidden', `The cluster's credentials may not ${action}${where}${detail ? `: ${detail}` : ''}. Grant the missing RBAC permission or use other credentials.`, status, e);
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



export interface KubernetesClients {
  core: CoreV1Api;
  batch: BatchV1Api;
  /** Model servers: Deployments. */
  apps: AppsV1Api;
  /** KServe's InferenceServices, when the cluster has the CRD. */
  customObjects: CustomObjectsApi;
  /** API discovery (which groups the cluster serves). */
  apis: ApisApi;
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
    apps: new AppsV1Api(config),
    customObjects: new CustomObjectsApi(config),
    apis: new ApisApi(config),
    authorization: new AuthorizationV1Api(config),
    version: new VersionApi(config),
    agent,
    server: k.server,
    namespace: opts.namespace,
  };
}

