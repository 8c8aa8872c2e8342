import { createHash } from 'node:crypto';
import type { V1Container, V1Deployment, V1EnvVar, V1PodSpec, V1Secret, V1Service, V1Toleration } from '@kubernetes/client-node';
import { isEnvName } from '../../../rules/env-names';
import { AppError } from '../../errors';
import { DEFAULT_GPU_TYPE_LABEL, DNS_LABEL, GPU_RESOURCE, GPU_TAINT_KEY, LABELS, labelValue } from '../../compute/kubernetes/manifests';

/**
 * The objects one model version of one deployment runs as on a tenant's cluster: the model server
 * (MLServer with its MLflow runtime) as an `apps/v1` Deployment behind a `v1` Service, or, on a
 * cluster with KServe, one `serving.kserve.io/v1beta1` InferenceService in raw-deployment mode. In
 * both, an init container fetches the version's files through Gantry's MLflow artifact API with a
 * read-only key kept in a Secret beside them (docs/decisions/0025-serving-on-kubernetes.md).
 * Nothing owns these objects on the cluster: Gantry creates and removes them by name and label.
 */

/** The name the model server gives the one model it serves: requests go to `/v2/models/model/infer`. */
export const SERVED_MODEL_NAME = 'model';
export const MODEL_SERVER_PORT = 8080;
export const MODEL_CONTAINER = 'model-server';
export const KSERVE_CONTAINER = 'kserve-container';
export const STORAGE_INITIALIZER = 'storage-initializer';
const DOWNLOAD_DIR = '/mnt/models';
const TOKEN_KEY = 'MLFLOW_TRACKING_TOKEN';

export const KSERVE = { group: 'serving.kserve.io', version: 'v1beta1', plural: 'inferenceservices', kind: 'InferenceService' } as const;

/** Labels on every serving object, beside the job labels' `managed-by`, `org` and `project`. */
export const SERVING_LABELS = {
  deployment: 'gantry.dev/deployment',
  modelVersion: 'gantry.dev/model-version',
  version: 'gantry.dev/version',
  /** The object name: the Service's selector, and how pods are found. */
  serving: 'gantry.dev/serving',
} as const;

export interface ServingVersionSpec {
  orgId: string;
  projectId: string;
  deploymentId: string;
  /** The endpoint's name, for people reading the cluster. */
  deploymentName: string;
  versionId: string;
  version: number;
  image: string;
  replicas: number;
  cpu: number;
  memoryMib: number;
  gpuCount: number;
  gpuType: string | null;
  /** The version's files (`mlflow-artifacts:/…`) and the Gantry address its MLflow API answers at. */
  model: { artifactUri: string; trackingUri: string };
  /** Extra environment for the model server (operator settings). */
  env?: Record<string, string>;
}

export interface ServingObjectOptions {
  namespace: string;
  gpuTypeLabel?: string;
}

/** Where the gateway reaches a version's model server, before DNS: a Service in a namespace. */
export interface ServingEndpoint {
  service: string;
  namespace: string;
  port: number;
}

export type ServingKind = 'deployment' | 'inferenceservice';

/**
 * The name of a version's objects: `gantry-<deployment id>-v<version>`, a DNS-1035 label (a Service
 * name must start with a letter). Deployment IDs are unique across organizations, so two tenants
 * sharing a namespace never meet on a name; a name that would pass 52 characters (KServe appends
 * `-predictor` to its Service) is cut and made unique again with a hash.
 */
export function servingObjectName(deploymentId: string, version: number): string {
  const full = `gantry-${deploymentId.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}-v${version}`.replace(/-+/g, '-');
  if (full.length <= 52) return full;
  const hash = createHash('sha256').update(`${deploymentId}/${version}`).digest('hex').slice(0, 8);
  const tail = `-${hash}-v${version}`;
  return `${full.slice(0, 52 - tail.length).replace(/-+$/, '')}${tail}`;
}

/** The Secret holding the key the init container downloads the model with. */
export const modelSecretName = (name: string) => `${name}-model`;

/**
 * The address of a version's model servers: Gantry's own Service, which selects the pods by the
 * version's label whether a Deployment or KServe's predictor runs them, so the gateway needs no
 * record of which kind a cluster has.
 */
export function endpointOf(deploymentId: string, version: number, namespace: string): ServingEndpoint {
  return { service: servingObjectName(deploymentId, version), namespace, port: MODEL_SERVER_PORT };
}

function validate(spec: ServingVersionSpec, opts: ServingObjectOptions): void {
  const bad = (path: string, message: string) => new AppError('BAD_USER_INPUT', message, { fields: [{ path, message }] });
  if (!DNS_LABEL.test(opts.namespace)) throw bad('namespace', `"${opts.namespace}" is not a Kubernetes namespace name`);
  if (!spec.image.trim()) throw bad('image', 'A model server image is required');
  if (!Number.isInteger(spec.version) || spec.version < 1) throw bad('version', 'A version number is a whole number, 1 or more');
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) throw bad('replicas', 'At least 1 replica');
  if (!(spec.cpu > 0) || !Number.isFinite(spec.cpu)) throw bad('cpu', 'CPU must be a positive number of cores');
  if (!Number.isInteger(spec.memoryMib) || spec.memoryMib <= 0) throw bad('memoryMib', 'Memory must be a positive whole number of MiB');
  if (!Number.isInteger(spec.gpuCount) || spec.gpuCount < 0) throw bad('gpuCount', 'GPU count must be a whole number, 0 or more');
  if (spec.gpuType !== null && labelValue(spec.gpuType) !== spec.gpuType) throw bad('gpuType', `GPU type "${spec.gpuType}" is not a valid node label value`);
  if (!spec.model.artifactUri.startsWith('mlflow-artifacts:')) throw bad('model', "The version's files are outside Gantry's artifact store, so the cluster cannot fetch them");
  for (const k of Object.keys(spec.env ?? {})) if (!isEnvName(k)) throw bad(`env.${k}`, `"${k}" is not a valid environment variable name`);
}

/** Labels (selectable, capped) and annotations (the IDs as given) shared by every object of a version. */
export function servingMetadata(spec: ServingVersionSpec): { name: string; labels: Record<string, string>; annotations: Record<string, string> } {
  const name = servingObjectName(spec.deploymentId, spec.version);
  return {
    name,
    labels: {
      [LABELS.managedBy]: 'gantry',
      [LABELS.org]: labelValue(spec.orgId),
      [LABELS.project]: labelValue(spec.projectId),
      [SERVING_LABELS.deployment]: labelValue(spec.deploymentId),
      [SERVING_LABELS.modelVersion]: labelValue(spec.versionId),
      [SERVING_LABELS.version]: String(spec.version),
      [SERVING_LABELS.serving]: name,
    },
    annotations: {
      'gantry.dev/org-id': spec.orgId,
      'gantry.dev/deployment-id': spec.deploymentId,
      'gantry.dev/deployment-name': spec.deploymentName,
      'gantry.dev/model-version-id': spec.versionId,
    },
  };
}

/** Whether an object found under a version's name was made by Gantry for this organization, deployment and version. */
export function servingMadeFor(labels: Record<string, string> | undefined, ref: { orgId: string; deploymentId: string; version: number }): boolean {
  return labels?.[LABELS.managedBy] === 'gantry' && labels[LABELS.org] === labelValue(ref.orgId) && labels[SERVING_LABELS.deployment] === labelValue(ref.deploymentId) && labels[SERVING_LABELS.version] === String(ref.version);
}

/** The last path segment of the artifact URI: `mlflow artifacts download` writes the directory under that name. */
function modelDirName(artifactUri: string): string {
  const last = artifactUri.replace(/^mlflow-artifacts:/, '').split('/').filter(Boolean).pop();
  return last ?? 'model';
}

/** The pod shared by both kinds: the init container that fetches the files, the model server, its resources and placement. */
function podParts(spec: ServingVersionSpec, opts: ServingObjectOptions, containerName: string): Pick<V1PodSpec, 'initContainers' | 'containers' | 'volumes' | 'nodeSelector' | 'tolerations' | 'automountServiceAccountToken' | 'enableServiceLinks' | 'securityContext'> {
  const { name } = servingMetadata(spec);
  const gpuTypeLabel = opts.gpuTypeLabel ?? DEFAULT_GPU_TYPE_LABEL;
  const quantities: Record<string, string> = { cpu: `${Math.round(spec.cpu * 1000)}m`, memory: `${spec.memoryMib}Mi` };
  if (spec.gpuCount > 0) quantities[GPU_RESOURCE] = String(spec.gpuCount);
  const tolerations: V1Toleration[] | undefined =
    spec.gpuCount > 0 ? [{ key: GPU_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }, ...(spec.gpuType ? [{ key: gpuTypeLabel, operator: 'Equal', value: spec.gpuType, effect: 'NoSchedule' }] : [])] : undefined;
  const securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  const volumeMounts = [{ name: 'model', mountPath: DOWNLOAD_DIR }];
  const token: V1EnvVar = { name: TOKEN_KEY, valueFrom: { secretKeyRef: { name: modelSecretName(name), key: TOKEN_KEY } } };
  const initializer: V1Container = {
    name: STORAGE_INITIALIZER,
    image: spec.image,
    // The model server image carries the mlflow client; it reads the files through Gantry's artifact API.
    command: ['mlflow', 'artifacts', 'download', '--artifact-uri', spec.model.artifactUri, '--dst-path', DOWNLOAD_DIR],
    env: [{ name: 'MLFLOW_TRACKING_URI', value: spec.model.trackingUri }, token],
    volumeMounts,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    securityContext,
  };
  const server: V1Container = {
    name: containerName,
    image: spec.image,
    command: ['mlserver', 'start', DOWNLOAD_DIR],
    env: [
      ...Object.entries(spec.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
      { name: 'MLSERVER_MODEL_NAME', value: SERVED_MODEL_NAME },
      { name: 'MLSERVER_MODEL_IMPLEMENTATION', value: 'mlserver_mlflow.MLflowRuntime' },
      { name: 'MLSERVER_MODEL_URI', value: `${DOWNLOAD_DIR}/${modelDirName(spec.model.artifactUri)}` },
      { name: 'MLSERVER_HTTP_PORT', value: String(MODEL_SERVER_PORT) },
      { name: 'MLSERVER_GRPC_PORT', value: '8081' },
      { name: 'MLSERVER_METRICS_PORT', value: '8082' },
    ],
    ports: [{ name: 'http', containerPort: MODEL_SERVER_PORT, protocol: 'TCP' }],
    volumeMounts,
    // Requests equal limits (Guaranteed QoS): what is billed is what is reserved.
    resources: { requests: quantities, limits: quantities },
    readinessProbe: { httpGet: { path: '/v2/health/ready', port: MODEL_SERVER_PORT }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/v2/health/live', port: MODEL_SERVER_PORT }, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 6 },
    securityContext,
  };
  return {
    initContainers: [initializer],
    containers: [server],
    volumes: [{ name: 'model', emptyDir: {} }],
    nodeSelector: spec.gpuType ? { [gpuTypeLabel]: spec.gpuType } : undefined,
    tolerations,
    // A model server has no business with the cluster's API, nor with other Services' addresses.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  };
}

/** The Secret with the read-only key the init container downloads the files with. */
export function buildModelSecret(spec: ServingVersionSpec, opts: ServingObjectOptions & { token: string; apiKeyId?: string }): V1Secret {
  validate(spec, opts);
  const { name, labels, annotations } = servingMetadata(spec);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: modelSecretName(name), namespace: opts.namespace, labels, annotations: { ...annotations, ...(opts.apiKeyId ? { 'gantry.dev/api-key-id': opts.apiKeyId } : {}) } },
    stringData: { [TOKEN_KEY]: opts.token },
  };
}

/** The `apps/v1` Deployment running the model server for one version. */
export function buildServingDeployment(spec: ServingVersionSpec, opts: ServingObjectOptions): V1Deployment {
  validate(spec, opts);
  const { name, labels, annotations } = servingMetadata(spec);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: opts.namespace, labels, annotations },
    spec: {
      replicas: spec.replicas,
      // The selector is immutable: the name alone, which never changes for a version.
      selector: { matchLabels: { [LABELS.managedBy]: 'gantry', [SERVING_LABELS.serving]: name } },
      // A version's replicas are interchangeable: a new pod is ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      progressDeadlineSeconds: 600,
      template: { metadata: { labels, annotations }, spec: podParts(spec, opts, MODEL_CONTAINER) },
    },
  };
}

/** The ClusterIP Service in front of a version's model servers (a Deployment's pods or KServe's predictor's). */
export function buildServingService(spec: ServingVersionSpec, opts: ServingObjectOptions): V1Service {
  validate(spec, opts);
  const { name, labels, annotations } = servingMetadata(spec);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: opts.namespace, labels, annotations },
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.managedBy]: 'gantry', [SERVING_LABELS.serving]: name },
      ports: [{ name: 'http', port: MODEL_SERVER_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export interface InferenceServiceManifest {
  apiVersion: `${typeof KSERVE.group}/${typeof KSERVE.version}`;
  kind: typeof KSERVE.kind;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; resourceVersion?: string };
  spec: { predictor: Record<string, unknown> };
}

/**
 * A KServe InferenceService in raw-deployment mode (a plain Deployment and a `<name>-predictor`
 * Service, no Knative), whose predictor is the same pod as {@link buildServingDeployment}'s.
 */
export function buildInferenceService(spec: ServingVersionSpec, opts: ServingObjectOptions): InferenceServiceManifest {
  validate(spec, opts);
  const { name, labels, annotations } = servingMetadata(spec);
  const pod = podParts(spec, opts, KSERVE_CONTAINER);
  return {
    apiVersion: `${KSERVE.group}/${KSERVE.version}`,
    kind: KSERVE.kind,
    metadata: { name, namespace: opts.namespace, labels, annotations: { ...annotations, 'serving.kserve.io/deploymentMode': 'RawDeployment' } },
    spec: {
      predictor: {
        minReplicas: spec.replicas,
        maxReplicas: spec.replicas,
        labels,
        ...Object.fromEntries(Object.entries(pod).filter(([, v]) => v !== undefined)),
      },
    },
  };
}
