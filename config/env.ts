import { z } from 'zod';

/**
 * The one typed, validated view of the process environment. Nothing else reads
 * `process.env` for configuration.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  /** Full URL for the app role; derived from DATABASE_URL when absent. */
  DATABASE_APP_URL: z.string().url().optional(),
  DATABASE_APP_PASSWORD: z.string().min(1).default('gantry_app_dev_password'),
  DATABASE_POOL_MAX: z.coerce.number().int().positive().default(10),
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('gantry-main'),
  GANTRY_HOME: z.string().default('.gantry'),
  /** Where the `local` compute backend keeps its jobs (spec, status, logs, working directory); default `$GANTRY_HOME/jobs`. */
  GANTRY_JOBS_DIR: z.string().min(1).optional(),
  /** Where the `local` backend builds and keeps jobs' Python environments, shared by jobs with the same requirements; default `$GANTRY_HOME/envs`. */
  GANTRY_ENVS_DIR: z.string().min(1).optional(),
  /**
   * Whether the built-in `local` cluster accepts jobs. Its jobs are commands run on this host, so an
   * operator of a shared installation turns it off and offers only connected Kubernetes clusters.
   */
  LOCAL_JOBS_ENABLED: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  GANTRY_PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  AUTH_SECRET: z.string().min(32).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Requests per minute per IP on sign-in and sign-up. */
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /** Requests per minute per API key (and per IP for unauthenticated key attempts). */
  RATE_LIMIT_API_KEY_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  /** Trust X-Forwarded-For (set behind a proxy you control). */
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Where run artifacts live: files under `$GANTRY_HOME/artifacts`, or an S3-compatible bucket. */
  ARTIFACT_STORE: z.enum(['filesystem', 's3']).default('filesystem'),
  /** Largest single artifact accepted, in bytes (default 5 GiB, S3's single-PUT limit). */
  ARTIFACT_MAX_BYTES: z.coerce.number().int().positive().default(5 * 1024 ** 3),
  /** Days after a run is deleted before the retention job removes its artifacts. */
  ARTIFACT_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO and most self-hosted servers need. */
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /**
   * Keys for secrets at rest (cluster kubeconfigs): comma-separated `<keyId>:<base64 of 32 bytes>`.
   * The first encrypts; all decrypt. Required in production; development falls back to a fixed,
   * publicly known key (see core/compute/secret-box.ts).
   */
  GANTRY_ENCRYPTION_KEYS: z
    .string()
    .regex(/^\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=\s*(,\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=\s*)*$/, 'comma-separated <keyId>:<base64 of 32 bytes>')
    .optional(),
  /** The inference gateway's port (`npm run dev` / `npm start` start it beside the web app). */
  GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(3001),
  /** The gateway's address as callers reach it, shown with each deployment's endpoint. */
  GANTRY_GATEWAY_URL: z.string().url().optional(),
  /** The largest request body the gateway reads. */
  GATEWAY_MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().default(8 * 1024 * 1024),
  /** Requests per second per deployment (per gateway replica) when a deployment sets no limit. */
  GATEWAY_DEFAULT_RATE_LIMIT: z.coerce.number().int().positive().default(1000),
  /**
   * Directories (`:`-separated) whose files a baseline profile may read when a run logged a dataset by
   * local path. Empty by default: a path on the machine a job ran on is read only where the operator says
   * those files are the tenants' own (a shared data volume, the local jobs' directory of a one-team install).
   */
  GANTRY_DATASET_ROOTS: z.string().default(''),
  /** Largest training file a baseline profile reads, in bytes. */
  BASELINE_MAX_BYTES: z.coerce.number().int().positive().default(64 * 1024 * 1024),
  /** Let outbound webhooks reach loopback, private or link-local addresses (self-hosted installs, tests). */
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** The model server image deployments on Kubernetes clusters run (MLServer with its MLflow runtime). */
  SERVING_MODEL_SERVER_IMAGE: z.string().min(1).default('seldonio/mlserver:1.7.1'),
  /** Let cluster API servers live at loopback, private or link-local addresses (self-hosted installs, tests). */
  CLUSTER_ALLOW_PRIVATE_ADDRESSES: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Stripe's secret API key. Without it billing is off: no plans are sold and no plan limits apply. */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  /** The signing secret (`whsec_…`) of the webhook endpoint Stripe sends `/api/stripe/webhook` events to. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** The recurring Stripe prices (`price_…`) of the Team and Enterprise plans' platform fee. */
  STRIPE_PRICE_TEAM: z.string().min(1).optional(),
  STRIPE_PRICE_ENTERPRISE: z.string().min(1).optional(),
  /** The metered price (`price_…`) seats are billed by, added to each subscription; its meter's event name below. */
  STRIPE_PRICE_SEATS: z.string().min(1).optional(),
  /** The `event_name` of the Stripe billing meter seat counts are reported to (aggregation: last). */
  STRIPE_SEAT_METER_EVENT: z.string().min(1).default('gantry_seats'),
  /** Where the Stripe API is, e.g. `http://127.0.0.1:12111` for stripe-mock; default Stripe's own. */
  STRIPE_API_BASE: z.string().url().optional(),
});

export type Env = z.infer<typeof schema>;

/** Every setting this module reads: a deployment's configuration names only these (and what the runtime itself reads). */
export const ENV_NAMES = Object.keys(schema.shape) as (keyof Env)[];

/**
 * Validates a set of settings as the processes would at start, production's extra requirements
 * included, or throws naming each problem. `env()` applies it to the process environment; a
 * deployment's manifests are checked with it before they reach a cluster.
 */
export function readEnv(source: Record<string, string | undefined>): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.NODE_ENV === 'production' && !parsed.data.AUTH_SECRET) {
    throw new Error('Invalid environment configuration:\n  AUTH_SECRET: required in production (32+ characters)');
  }
  if (parsed.data.NODE_ENV === 'production' && parsed.data.DATABASE_URL && !parsed.data.DATABASE_APP_URL && !source.DATABASE_APP_PASSWORD) {
    throw new Error('Invalid environment configuration:\n  DATABASE_APP_PASSWORD: required in production (or set DATABASE_APP_URL)');
  }
  if (parsed.data.ARTIFACT_STORE === 's3' && !parsed.data.S3_BUCKET) {
    throw new Error('Invalid environment configuration:\n  S3_BUCKET: required when ARTIFACT_STORE=s3');
  }
  if (parsed.data.STRIPE_SECRET_KEY) {
    const missing = (['STRIPE_WEBHOOK_SECRET', 'STRIPE_PRICE_TEAM', 'STRIPE_PRICE_ENTERPRISE'] as const).filter((k) => !parsed.data[k]);
    if (missing.length > 0) {
      throw new Error(`Invalid environment configuration:\n${missing.map((k) => `  ${k}: required when STRIPE_SECRET_KEY is set`).join('\n')}`);
    }
  }
  return parsed.data;
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= readEnv(process.env);
  return cached;
}

/** For tests that change the environment between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}

export function requireDatabaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set. Start Gantry with `npm run dev` (embedded PostgreSQL) or set DATABASE_URL to a Postgres 15+ server.',
    );
  }
  return url;
}

/** The URL the application role connects with. */
export function appDatabaseUrl(): string {
  const e = env();
  if (e.DATABASE_APP_URL) return e.DATABASE_APP_URL;
  const u = new URL(requireDatabaseUrl());
  u.username = APP_DB_ROLE;
  u.password = e.DATABASE_APP_PASSWORD;
  return u.toString();
}

/** The login role the application queries as: owns nothing, no BYPASSRLS. */
export const APP_DB_ROLE = 'gantry_app';
