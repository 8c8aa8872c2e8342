import { boolean, integer } from 'drizzle-orm/pg-core';
import { orgIdColumn } from './org-column';
import { bigint, index, jsonb, pgEnum, pgTable, primaryKey, text, timestamptz, timestamptzMs, uniqueIndex } from './columns';
import { apiKeys } from './api-keys';
import { orgRole, projects } from './tenancy';
import { experiments, runs } from './tracking';
import { users } from './users';

export const modelVersionStatus = pgEnum('model_version_status', ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY']);
export const loggedModelStatus = pgEnum('logged_model_status', ['PENDING', 'READY', 'FAILED']);
export const aliasAction = pgEnum('model_alias_action', ['set', 'move', 'delete']);

/** MLflow speaks epoch milliseconds: these times are timestamptz, read and written as milliseconds. */
const epochMs = (name: string) => timestamptzMs(name);

export const registeredModels = pgTable(
  'registered_models',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /**
     * The number the next version gets. Taken with `UPDATE ... RETURNING`, whose row
     * lock serialises concurrent registrations, so numbers are gap-free and never reused.
     */
    nextVersion: integer('next_version').notNull().default(1),
    createdBy: text('created_by').references(() => users.id),
    createdByApiKey: text('created_by_api_key').references(() => apiKeys.id, { onDelete: 'set null' }),
    createdAt: epochMs('created_at').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (t) => [
    // MLflow model names are global per tracking server, which for Gantry is per tenant.
    uniqueIndex('registered_models_org_name_uq').on(t.orgId, t.name),
    index('registered_models_project_idx').on(t.orgId, t.projectId),
  ],
);

export const registeredModelTags = pgTable(
  'registered_model_tags',
  {
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.key] }), index('registered_model_tags_org_key_idx').on(t.orgId, t.key)],
);

/** A logged model (MLflow 3): the artifacts a run (or a notebook without one) saved as a model. */
export const loggedModels = pgTable(
  'logged_models',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    experimentId: text('experiment_id')
      .notNull()
      .references(() => experiments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    sourceRunId: text('source_run_id').references(() => runs.id, { onDelete: 'set null' }),
    modelType: text('model_type'),
    status: loggedModelStatus('status').notNull().default('PENDING'),
    statusMessage: text('status_message'),
    artifactLocation: text('artifact_location').notNull(),
    deletedAt: timestamptz('deleted_at'),
    createdBy: text('created_by').references(() => users.id),
    createdAt: epochMs('created_at').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (t) => [index('logged_models_experiment_idx').on(t.orgId, t.experimentId, t.createdAt), index('logged_models_run_idx').on(t.sourceRunId)],
);

export const loggedModelTags = pgTable(
  'logged_model_tags',
  {
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.key] }), index('logged_model_tags_org_idx').on(t.orgId)],
);

export const loggedModelParams = pgTable(
  'logged_model_params',
  {
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.key] }), index('logged_model_params_org_idx').on(t.orgId)],
);

/** Run → logged model links (MLflow's run outputs), with the step the model was logged at. */
export const runModelOutputs = pgTable(
  'run_model_outputs',
  {
    orgId: orgIdColumn(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.id, { onDelete: 'cascade' }),
    step: bigint('step', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.modelId] }), index('run_model_outputs_org_idx').on(t.orgId), index('run_model_outputs_model_idx').on(t.modelId)],
);

export interface MetricSnapshot {
  key: string;
  value: number | string;
  step: number;
  timestamp: number;
}

export const modelVersions = pgTable(
  'model_versions',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** What the caller registered: `runs:/…`, `models:/<loggedModelId>`, `mlflow-artifacts:/…` or an external URI. */
    source: text('source').notNull(),
    /** Where the files are, resolved at registration (a logged model's artifact location, or the source itself). */
    storageLocation: text('storage_location').notNull(),
    /** Null for versions registered from an external source. */
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    loggedModelId: text('logged_model_id').references(() => loggedModels.id, { onDelete: 'set null' }),
    status: modelVersionStatus('status').notNull().default('READY'),
    statusMessage: text('status_message'),
    signature: jsonb('signature').$type<Record<string, unknown>>(),
    framework: text('framework'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    /** The run's latest metrics when the version was registered; later logging does not change it. */
    metricsSnapshot: jsonb('metrics_snapshot').$type<MetricSnapshot[]>().notNull().default([]),
    description: text('description').notNull().default(''),
    /** MLflow's legacy stages (None, Staging, Production, Archived); aliases replace them. */
    stage: text('stage').notNull().default('None'),
    createdBy: text('created_by').references(() => users.id),
    createdByApiKey: text('created_by_api_key').references(() => apiKeys.id, { onDelete: 'set null' }),
    createdAt: epochMs('created_at').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('model_versions_model_version_uq').on(t.modelId, t.version),
    index('model_versions_org_idx').on(t.orgId, t.modelId),
    index('model_versions_run_idx').on(t.runId),
  ],
);

export const modelVersionTags = pgTable(
  'model_version_tags',
  {
    orgId: orgIdColumn(),
    versionId: text('version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.key] }), index('model_version_tags_org_key_idx').on(t.orgId, t.key)],
);

/** One version per alias: the primary key makes a second "champion" impossible. */
export const modelAliases = pgTable(
  'model_aliases',
  {
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    versionId: text('version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    updatedBy: text('updated_by').references(() => users.id),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] }), index('model_aliases_org_idx').on(t.orgId), index('model_aliases_version_idx').on(t.versionId)],
);

/** Aliases only some roles may move, e.g. `champion` that serving follows. */
export const protectedModelAliases = pgTable(
  'protected_model_aliases',
  {
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    minRole: orgRole('min_role').notNull(),
    /** Moves must point at a version with a passing evaluation (enforced by the evaluation gate). */
    requiresPassingEvaluation: boolean('requires_passing_evaluation').notNull().default(false),
    createdBy: text('created_by').references(() => users.id),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] }), index('protected_model_aliases_org_idx').on(t.orgId)],
);

/**
 * Every set, move and delete of an alias. Versions are kept as numbers, not
 * references, so the history survives the deletion of the versions it names.
 */
export const modelAliasHistory = pgTable(
  'model_alias_history',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'cascade' }),
    alias: text('alias').notNull(),
    action: aliasAction('action').notNull(),
    fromVersion: integer('from_version'),
    toVersion: integer('to_version'),
    actorUserId: text('actor_user_id').references(() => users.id),
    actorApiKeyId: text('actor_api_key_id').references(() => apiKeys.id, { onDelete: 'set null' }),
    occurredAt: timestamptz('occurred_at').notNull().defaultNow(),
  },
  (t) => [index('model_alias_history_model_idx').on(t.orgId, t.modelId, t.alias, t.occurredAt)],
);

export type RegisteredModel = typeof registeredModels.$inferSelect;
export type ModelVersion = typeof modelVersions.$inferSelect;
export type ModelVersionStatus = (typeof modelVersionStatus.enumValues)[number];
export type LoggedModel = typeof loggedModels.$inferSelect;
export type LoggedModelStatus = (typeof loggedModelStatus.enumValues)[number];
export type ModelAliasHistoryEntry = typeof modelAliasHistory.$inferSelect;
export type ProtectedModelAlias = typeof protectedModelAliases.$inferSelect;
