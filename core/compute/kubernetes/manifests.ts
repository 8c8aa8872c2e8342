import type { V1EnvVar, V1Job, V1Secret } from '@kubernetes/client-node';
import { isEnvName } from '../../../rules/env-names';
import { AppError } from '../../errors';
import type { BackendJobSpec } from '../compute-backend';

/**
 * The objects Gantry creates for a job: one `batch/v1` Job per attempt, named by
 * `backendJobName`, one pod (`backoffLimit: 0`: the training workflow owns retries),
 * GPU limits with a node selector and tolerations for the GPU type, a deadline, and
 * a TTL after which Kubernetes deletes the finished Job. The job's credentials
 * (`secretEnv`) live in a Secret of the same name that the container reads through
 * `secretKeyRef`, so the Job manifest holds none of them.
 */

export const DEFAULT_GPU_TYPE_LABEL = 'nvidia.com/gpu.product';
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** The taint GPU node pools commonly carry (GKE, AKS, the NVIDIA GPU operator). */
export const GPU_TAINT_KEY = 'nvidia.com/gpu';
export const CONTAINER_NAME = 'main';
export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 24 * 60 * 60;

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


/** Names of Jobs, Secrets and namespaces. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function validateSpec(spec: BackendJobSpec): void {
  const bad = (path: string, message: string) => new AppError('BAD_USER_INPUT', message, { fields: [{ path, message }] });
  if (!DNS_LABEL.test(spec.name)) throw bad('name', `Backend job name "${spec.name}" must be a DNS label (see backendJobName)`);
  if (!spec.image.trim()) throw bad('image', 'A container image is required');
  if (spec.pythonRequirements?.length) throw bad('python', "Python requirements are installed on the local cluster only: on Kubernetes the job's image carries them");
  const r = spec.resources;
  if (!(r.cpu > 0) || !Number.isFinite(r.cpu)) throw bad('resources.cpu', 'CPU must be a positive number of cores');
  if (!Number.isInteger(r.memoryMiB) || r.memoryMiB <= 0) throw bad('resources.memoryMiB', 'Memory must be a positive whole number of MiB');
  if (!Number.isInteger(r.gpuCount) || r.gpuCount < 0) throw bad('resources.gpuCount', 'GPU count must be a whole number, 0 or more');
  if (r.gpuType !== null && labelValue(r.gpuType) !== r.gpuType) throw bad('resources.gpuType', `GPU type "${r.gpuType}" is not a valid node label value`);
  if (!Number.isInteger(spec.maxRuntimeSeconds) || spec.maxRuntimeSeconds < 1) throw bad('maxRuntimeSeconds', 'The maximum runtime must be a whole number of seconds, 1 or more');
  for (const k of Object.keys(spec.env)) if (!isEnvName(k)) throw bad(`env.${k}`, `"${k}" is not a valid environment variable name`);
  for (const k of Object.keys(spec.secretEnv)) {
    if (!isEnvName(k)) throw bad(`secretEnv.${k}`, `"${k}" is not a valid environment variable name`);
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
export function madeFor(labels: Record<string, string> | undefined, spec: BackendJobSpec): boolean {
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

