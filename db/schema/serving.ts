import { boolean, integer, real, smallint } from 'drizzle-orm/pg-core';
import { orgIdColumn } from './org-column';
import { apiKeys } from './api-keys';
import { bigint, index, jsonb, pgEnum, pgTable, text, timestamptz, uniqueIndex } from './columns';
import { clusters } from './compute';
import { modelVersions, registeredModels } from './registry';
import { projects } from './tenancy';
import { users } from './users';

/** The traffic policy as validated by rules/serving/routing.ts: arms with weights, the sticky key, shadows. */
export type StoredTrafficPolicy = Record<string, unknown>;

export const predictionProtocol = pgEnum('prediction_protocol', ['oip', 'mlflow']);

/**
 * Whether a deployment's model servers answer: on the built-in runtime it is `ready` at once; on a
 * Kubernetes cluster it is `provisioning` until its first version's model servers are ready, or
 * `failed` with the reason. The gateway answers 503 until `ready`.
 */
export const deploymentStatus = pgEnum('deployment_status', ['provisioning', 'ready', 'failed']);

/**
 * A deployment: one stable endpoint (`/v2/models/<name>`) in front of one registered model's versions.
 * `traffic` says which versions answer and in what share; `trafficGeneration` grows with every change
 * so a gateway replica can tell a stale routing entry from a fresh one. A trigger notifies the
 * `gantry_deployments` channel on every write (see the migration), which is how gateways hear of it.
 */
export const deployments = pgTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'restrict' }),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'restrict' }),
    /** The endpoint's name: lowercase letters, digits and dashes, unique in the organization. */
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Where the model servers run: the organization's `local` cluster or a connected Kubernetes cluster. */
    clusterId: text('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'restrict' }),
    replicas: integer('replicas').notNull().default(1),
    cpu: real('cpu').notNull().default(1),
    memoryMib: integer('memory_mib').notNull().default(1024),
    gpuCount: integer('gpu_count').notNull().default(0),
    gpuType: text('gpu_type'),
    traffic: jsonb('traffic').$type<StoredTrafficPolicy>().notNull(),
    trafficGeneration: integer('traffic_generation').notNull().default(1),
    /** An alias of the model (`champion`) the deployment follows; moving it starts a rollout when `autoRollout` is on. */
    followAlias: text('follow_alias'),
    autoRollout: boolean('auto_rollout').notNull().default(false),
    /** Requests per second the endpoint accepts (per gateway replica); null for the platform's default. */
    rateLimitPerSecond: integer('rate_limit_per_second'),
    /** Share of requests whose inputs and outputs are kept as samples, 0..1. */
    sampleRate: real('sample_rate').notNull().default(0.1),
    status: deploymentStatus('status').notNull().default('ready'),
    /** Why the deployment is `failed` (or what provisioning waits for); null when there is nothing to say. */
    statusMessage: text('status_message'),
    createdBy: text('created_by').references(() => users.id),
    createdByApiKey: text('created_by_api_key').references(() => apiKeys.id, { onDelete: 'set null' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    /** The ledger has charged the deployment's runtime up to here (null: nothing yet, from its creation). */
    costsChargedUntil: timestamptz('costs_charged_until'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('deployments_org_name_uq').on(t.orgId, t.name), index('deployments_project_idx').on(t.orgId, t.projectId), index('deployments_model_idx').on(t.modelId)],
);

/**
 * One row per prediction the gateway answered (or refused after routing): written in batches off the
 * request path. `version` is the model version number that answered; shadows have their own rows with
 * `arm = 'shadow'` and the caller's request ID, so the two outputs can be compared.
 */
export const predictions = pgTable(
  'predictions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: orgIdColumn(),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    modelVersionId: text('model_version_id').references(() => modelVersions.id, { onDelete: 'set null' }),
    version: integer('version').notNull(),
    arm: text('arm').notNull(),
    requestId: text('request_id').notNull(),
    protocol: predictionProtocol('protocol').notNull(),
    at: timestamptz('at').notNull(),
    latencyMs: real('latency_ms').notNull(),
    status: smallint('status').notNull(),
    error: text('error'),
    /** The sampled request inputs and response outputs (tensors), when this request was sampled. */
    inputs: jsonb('inputs'),
    outputs: jsonb('outputs'),
  },
  (t) => [index('predictions_deployment_at_idx').on(t.orgId, t.deploymentId, t.at), index('predictions_request_idx').on(t.deploymentId, t.requestId)],
);

export type Deployment = typeof deployments.$inferSelect;
export type Prediction = typeof predictions.$inferSelect;

/**
 * Every traffic policy a deployment has had, written by a trigger whenever `traffic_generation` changes
 * (and on creation), whatever path changed it: which versions served when, for costs and history.
 */
export const deploymentRevisions = pgTable(
  'deployment_revisions',
  {
    orgId: orgIdColumn(),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    generation: integer('generation').notNull(),
    traffic: jsonb('traffic').$type<StoredTrafficPolicy>().notNull(),
    replicas: integer('replicas').notNull(),
    at: timestamptz('at').notNull().defaultNow(),
  },
  (t) => [index('deployment_revisions_org_idx').on(t.orgId, t.deploymentId, t.at)],
);

export type DeploymentRevision = typeof deploymentRevisions.$inferSelect;
