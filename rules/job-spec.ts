import { z } from 'zod';
import { GPU_TYPE_MAX_LENGTH, GPU_TYPE_MESSAGE, GPU_TYPE_RE } from './gpu-types';
import { hyperparameterNameProblem, userEnvNameProblem } from './env-names';
import { modelNameSchema } from './model-names.schema';
import { PYTHON_REQUIREMENTS_MAX, pythonRequirementProblem } from './python-requirements';
import { checkedBy, nameSchema } from './schema';

/**
 * What a user submits: through GraphQL (`submitTrainingJob`) or as a YAML file
 * (`gantry jobs submit -f job.yaml`). Both are parsed by this one schema, so a
 * field means the same everywhere: the CLI derives the keys and shapes a job file
 * may have from it, and a test holds GraphQL's `SubmitTrainingJobInput` to it.
 * The format is documented in examples/README.md.
 */

export const JOB_LIMITS = {
  commandParts: 64,
  partLength: 4096,
  envVars: 100,
  envValueLength: 32_768,
  hyperparameters: 100,
  inputs: 20,
  maxRuntimeSeconds: 7 * 24 * 3600,
  maxRetries: 5,
  maxGpus: 16,
  pythonRequirements: PYTHON_REQUIREMENTS_MAX,
} as const;

/** Checks a record's keys one by one, so an error names the key and sits at its path (`env.1BAD`). */
const keysMatch =
  (problem: (key: string) => string | undefined, what: string) =>
  (record: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const key of Object.keys(record)) {
      const message = problem(key);
      if (message) ctx.addIssue({ code: 'custom', path: [key], message: `${what} '${key.slice(0, 64)}': ${message}` });
    }
  };

const commandPart = z.string().min(1, 'Command parts must not be empty').max(JOB_LIMITS.partLength, `Command parts must be at most ${JOB_LIMITS.partLength} characters`);

export const gpuTypeSchema = z
  .string()
  .trim()
  .min(1)
  .max(GPU_TYPE_MAX_LENGTH)
  .regex(GPU_TYPE_RE, GPU_TYPE_MESSAGE);

export const resourcesSchema = z
  .object({
    cpu: z.number().min(0.1, 'At least 0.1 CPU').max(256, 'At most 256 CPUs').default(1),
    memoryMiB: z.number().int().min(64, 'At least 64 MiB of memory').max(4 * 1024 * 1024, 'At most 4 TiB of memory').default(1024),
    gpu: z
      .object({
        count: z.number().int().min(0).max(JOB_LIMITS.maxGpus, `At most ${JOB_LIMITS.maxGpus} GPUs`).default(0),
        type: gpuTypeSchema.nullish().transform((v) => v ?? null),
      })
      .strict()
      .default({ count: 0, type: null }),
  })
  .strict();

export const datasetInputSchema = z
  .object({
    name: nameSchema('Dataset name', 500),
    source: z.string().trim().min(1, 'Dataset source is required').max(2048),
    digest: z.string().trim().max(256).default(''),
  })
  .strict();

/**
 * The job's Python packages. The local cluster installs them into a virtual environment of their
 * own (built once per set of requirements and Python version, then reused) and runs the command
 * with it first on the PATH; a Kubernetes job's image carries its own, so there this is refused.
 */
export const pythonSchema = z
  .object({
    requirements: z
      .array(z.string().trim().superRefine(checkedBy(pythonRequirementProblem)))
      .min(1, 'List at least one requirement, or leave python out')
      .max(JOB_LIMITS.pythonRequirements, `At most ${JOB_LIMITS.pythonRequirements} requirements`),
  })
  .strict();

const hyperparameterValue = z.union([z.string().max(6000), z.number(), z.boolean()]).transform((v) => String(v));

export const jobSpecSchema = z
  .object({
    name: nameSchema('Job name', 200).optional(),
    /** Project ID (GraphQL) or slug (YAML). */
    project: z.string().trim().min(1, 'Project is required').max(100),
    /** Cluster ID or name; `local` is the built-in cluster. */
    cluster: z.string().trim().min(1).max(100).default('local'),
    image: z.string().trim().max(512).default(''),
    command: z.array(commandPart).min(1, 'A command is required').max(JOB_LIMITS.commandParts),
    args: z.array(commandPart).max(JOB_LIMITS.commandParts).default([]),
    env: z
      .record(z.string(), z.string().max(JOB_LIMITS.envValueLength))
      .superRefine(keysMatch(userEnvNameProblem, 'Environment variable'))
      .refine((e) => Object.keys(e).length <= JOB_LIMITS.envVars, `At most ${JOB_LIMITS.envVars} environment variables`)
      .default({}),
    python: pythonSchema.nullish().transform((v) => v ?? null),
    resources: resourcesSchema.default({ cpu: 1, memoryMiB: 1024, gpu: { count: 0, type: null } }),
    maxRuntimeSeconds: z.number().int().min(1).max(JOB_LIMITS.maxRuntimeSeconds, 'At most 7 days of runtime').default(3600),
    /** Further attempts after a failed one (a cancelled job is not retried). */
    retries: z.number().int().min(0).max(JOB_LIMITS.maxRetries, `At most ${JOB_LIMITS.maxRetries} retries`).default(0),
    /** Passed as `GANTRY_PARAM_<NAME>` (upper-cased, `.`/`-` as `_`) and recorded as run params. */
    hyperparameters: z
      .record(z.string(), hyperparameterValue)
      .superRefine(keysMatch(hyperparameterNameProblem, 'Hyperparameter'))
      .refine((h) => Object.keys(h).length <= JOB_LIMITS.hyperparameters, `At most ${JOB_LIMITS.hyperparameters} hyperparameters`)
      .default({}),
    inputs: z.array(datasetInputSchema).max(JOB_LIMITS.inputs).default([]),
    /** Experiment ID or name in the project; created by name when missing. Default: the job's project name. */
    experiment: z.string().trim().min(1).max(500).optional(),
    /** Register `runs:/<run>/<artifactPath>` as a new version of this model when the job succeeds. */
    registerModel: z
      .object({ name: modelNameSchema, artifactPath: z.string().trim().min(1).max(500).default('model') })
      .strict()
      .nullish()
      .transform((v) => v ?? null),
  })
  .strict();

export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type JobSpec = z.infer<typeof jobSpecSchema>;

/**
 * A job *file* (`gantry jobs submit -f job.yaml`, the bundled examples) may also name a
 * requirements file, relative to the job file. Whoever reads the file reads that one too and
 * sends its lines as `python.requirements` (before any listed there), so what reaches the server,
 * and what the job records, is the list itself.
 */
export const jobFileSchema = jobSpecSchema.extend({
  python: z
    .object({
      requirements: z.array(z.string()).optional(),
      requirementsFile: z.string().trim().min(1, 'Name the requirements file').max(1024).optional(),
    })
    .strict()
    .nullish(),
});
