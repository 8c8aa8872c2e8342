import { z } from 'zod';
import { gpuTypeSchema, JOB_LIMITS } from '../../rules/job-spec';
import { modelRefSchema, versionNumberSchema } from '../registry/registry.schemas';
import { idSchema } from '../validation';

/** Deployment names are URL path segments (`/v2/models/<name>/infer`): DNS-label style. */
export const deploymentNameSchema = z
  .string()
  .trim()
  .min(1, 'Deployment name is required')
  .max(63, 'Deployment name must be at most 63 characters')
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'Use lowercase letters, digits and dashes, starting and ending with a letter or digit (e.g. churn-prod)');

const aliasSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_-]+$/, 'An alias is letters, digits, _ and -');

export const deploymentRefSchema = z.union([z.object({ deploymentId: idSchema('Deployment ID') }), z.object({ name: deploymentNameSchema })]);
export type DeploymentRef = z.infer<typeof deploymentRefSchema>;

/** Settings a deployment's owner may change after creation (traffic has its own use case). */
const settings = {
  description: z.string().trim().max(2000, 'Description must be at most 2000 characters'),
  replicas: z.number().int().min(1, 'At least 1 replica').max(100, 'At most 100 replicas'),
  cpu: z.number().min(0.1, 'At least 0.1 CPU').max(64, 'At most 64 CPUs'),
  memoryMib: z.number().int().min(128, 'At least 128 MiB').max(524_288, 'At most 512 GiB'),
  /** GPUs per replica (Kubernetes clusters only), and the GPU type's node label value, or null for any. */
  gpuCount: z.number().int().min(0, 'GPUs per replica cannot be negative').max(JOB_LIMITS.maxGpus, `At most ${JOB_LIMITS.maxGpus} GPUs per replica`),
  gpuType: gpuTypeSchema.nullable(),
  rateLimitPerSecond: z.number().int().min(1, 'At least 1 request per second').max(100_000, 'At most 100,000 requests per second').nullable(),
  sampleRate: z.number().min(0, 'The sample rate is between 0 and 1').max(1, 'The sample rate is between 0 and 1'),
  autoRollout: z.boolean(),
};

export const createDeploymentInput = z
  .object({
    name: deploymentNameSchema,
    model: modelRefSchema,
    /** Serve this version... */
    version: versionNumberSchema.nullish(),
    /** ...or the version an alias points at, and follow the alias from then on. */
    alias: aliasSchema.nullish(),
    /** The project the deployment belongs to; the model's project when omitted. */
    projectId: idSchema('Project ID').nullish(),
    /** A cluster ID or name; the organization's `local` cluster when omitted. */
    cluster: z.string().trim().min(1).max(100).nullish(),
    description: settings.description.default(''),
    replicas: settings.replicas.default(1),
    cpu: settings.cpu.default(1),
    memoryMib: settings.memoryMib.default(1024),
    gpuCount: settings.gpuCount.default(0),
    gpuType: settings.gpuType.default(null),
    rateLimitPerSecond: settings.rateLimitPerSecond.default(null),
    sampleRate: settings.sampleRate.default(0.1),
    autoRollout: settings.autoRollout.default(false),
  })
  .refine((d) => (d.version == null) !== (d.alias == null), { message: 'Give either a version or an alias to serve', path: ['version'] })
  .refine((d) => !d.autoRollout || d.alias != null, { message: 'Automatic rollouts follow an alias: give one', path: ['autoRollout'] });

export const updateDeploymentInput = z.object({
  deployment: deploymentRefSchema,
  description: settings.description.optional(),
  replicas: settings.replicas.optional(),
  cpu: settings.cpu.optional(),
  memoryMib: settings.memoryMib.optional(),
  gpuCount: settings.gpuCount.optional(),
  gpuType: settings.gpuType.optional(),
  rateLimitPerSecond: settings.rateLimitPerSecond.optional(),
  sampleRate: settings.sampleRate.optional(),
  autoRollout: settings.autoRollout.optional(),
});

export const deleteDeploymentInput = z.object({ deployment: deploymentRefSchema });

export const listDeploymentsInput = z.object({
  projectId: idSchema('Project ID').nullish(),
  model: modelRefSchema.nullish(),
});

/** A traffic policy as a person writes it: versions by number; the use case resolves them to version IDs. */
export const setDeploymentTrafficInput = z.object({
  deployment: deploymentRefSchema,
  arms: z
    .array(
      z.object({
        version: versionNumberSchema,
        weight: z.number().int('Weights are whole percentages').min(0, 'Weights are between 0 and 100').max(100, 'Weights are between 0 and 100'),
        role: z.enum(['stable', 'canary', 'variant']).default('variant'),
      }),
    )
    .min(1, 'Give at least one version to serve')
    .max(10, 'At most 10 versions answer at once'),
  sticky: z.object({ source: z.enum(['header', 'input']), name: z.string().trim().min(1).max(100) }).nullish(),
  shadows: z.array(versionNumberSchema).max(5, 'At most 5 shadows').default([]),
});

/** The windows a deployment's dashboard offers, in seconds. */
export const METRICS_WINDOWS = { '15m': 900, '1h': 3_600, '6h': 21_600, '24h': 86_400, '7d': 604_800 } as const;
export type MetricsWindow = keyof typeof METRICS_WINDOWS;
const metricsWindowSchema = z.enum(Object.keys(METRICS_WINDOWS) as [MetricsWindow, ...MetricsWindow[]], { message: `The window is one of ${Object.keys(METRICS_WINDOWS).join(', ')}` });

/** A dashboard's panels: traffic per version and arm, the time series, the prediction distribution. */
export const METRICS_PANELS = ['traffic', 'series', 'predictions'] as const;
export type MetricsPanel = (typeof METRICS_PANELS)[number];

export const deploymentMetricsInput = z.object({
  deployment: deploymentRefSchema,
  window: metricsWindowSchema,
  panels: z.array(z.enum(METRICS_PANELS)).min(1).default([...METRICS_PANELS]),
});

export const deploymentsMetricsInput = z.object({
  deploymentIds: z.array(idSchema('Deployment ID')).max(500, 'At most 500 deployments at once'),
  window: metricsWindowSchema,
});
