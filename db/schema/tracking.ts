import { sql } from 'drizzle-orm';
import { boolean, doublePrecision } from 'drizzle-orm/pg-core';
import { bigint, index, jsonb, pgEnum, pgTable, primaryKey, text, timestamptz, uniqueIndex } from './columns';
import { apiKeys } from './api-keys';
import { orgIdColumn } from './org-column';
import { projects } from './tenancy';
import { users } from './users';

export const runStatus = pgEnum('run_status', ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export const lifecycleStage = pgEnum('lifecycle_stage', ['active', 'deleted']);

/** MLflow times are epoch milliseconds; they are kept as such so the wire format round-trips exactly. */
const epochMs = (name: string) => bigint(name, { mode: 'number' });

export const experiments = pgTable(
  'experiments',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    lifecycleStage: lifecycleStage('lifecycle_stage').notNull().default('active'),
    /** The organization's target for MLflow's experiment "0". At most one per org. */
    isDefault: boolean('is_default').notNull().default(false),
    createdBy: text('created_by').references(() => users.id),
    createdAt: epochMs('created_at').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (t) => [
    // MLflow experiment names are unique per tracking server, which for Gantry is per tenant.
    uniqueIndex('experiments_org_name_uq').on(t.orgId, t.name),
    uniqueIndex('experiments_org_default_uq').on(t.orgId).where(sql`is_default`),
    index('experiments_project_idx').on(t.orgId, t.projectId, t.id),
  ],
);

export const experimentTags = pgTable(
  'experiment_tags',
  {
    orgId: orgIdColumn(),
    experimentId: text('experiment_id')
      .notNull()
      .references(() => experiments.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.key] }), index('experiment_tags_org_idx').on(t.orgId)],
);

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    experimentId: text('experiment_id')
      .notNull()
      .references(() => experiments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: runStatus('status').notNull().default('RUNNING'),
    startTime: epochMs('start_time').notNull(),
    endTime: epochMs('end_time'),
    lifecycleStage: lifecycleStage('lifecycle_stage').notNull().default('active'),
    /** Who created the run: the user, and the API key when the run was logged by a tool. */
    createdBy: text('created_by').references(() => users.id),
    createdByApiKey: text('created_by_api_key').references(() => apiKeys.id, { onDelete: 'set null' }),
    /** The MLflow `user_id` the client reported (its OS user); informational only. */
    clientUser: text('client_user').notNull().default(''),
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [
    index('runs_experiment_idx').on(t.orgId, t.experimentId, t.startTime),
    // The organization's newest runs, across experiments (the home page).
    index('runs_org_start_idx').on(t.orgId, t.startTime),
  ],
);

export const runParams = pgTable(
  'run_params',
  {
    orgId: orgIdColumn(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('run_params_org_key_idx').on(t.orgId, t.key)],
);

export const runTags = pgTable(
  'run_tags',
  {
    orgId: orgIdColumn(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('run_tags_org_key_idx').on(t.orgId, t.key)],
);

/**
 * Every logged point. The primary key is the point itself, so a retried batch
 * (the mlflow client retries on 5xx/429) inserts nothing twice, and its leading
 * (run_id, key, step) columns serve history and chart reads by step range.
 * Postgres orders NaN as equal to itself, so NaN points deduplicate too.
 *
 * No foreign keys: a foreign key checks every inserted row on its own, which cost
 * more than the insert itself. logBatch locks its run (`for key share`) before
 * writing, and deleting runs deletes their points (trigger `runs_delete_metrics`,
 * migration 0010); see docs/decisions/0016-metric-ingest-and-api-key-cache.md.
 */
export const runMetrics = pgTable(
  'run_metrics',
  {
    orgId: text('org_id').notNull(),
    runId: text('run_id').notNull(),
    key: text('key').notNull(),
    step: bigint('step', { mode: 'number' }).notNull(),
    timestamp: epochMs('timestamp').notNull(),
    value: doublePrecision('value').notNull(),
  },
  // No org_id index: every read goes through a run, and a second index would double ingest cost.
  (t) => [primaryKey({ columns: [t.runId, t.key, t.step, t.timestamp, t.value] })],
);

/** One row per (run, metric): the point with the highest (step, timestamp, value), for search and sort. */
export const runLatestMetrics = pgTable(
  'run_latest_metrics',
  {
    orgId: orgIdColumn(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    step: bigint('step', { mode: 'number' }).notNull(),
    timestamp: epochMs('timestamp').notNull(),
    value: doublePrecision('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('run_latest_metrics_key_value_idx').on(t.orgId, t.key, t.value)],
);

/** A dataset as MLflow describes it, shared by the runs of one experiment that used it. */
export const datasets = pgTable(
  'datasets',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    experimentId: text('experiment_id')
      .notNull()
      .references(() => experiments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    digest: text('digest').notNull(),
    sourceType: text('source_type').notNull(),
    source: text('source').notNull(),
    schema: text('schema'),
    profile: text('profile'),
  },
  (t) => [uniqueIndex('datasets_experiment_name_digest_uq').on(t.experimentId, t.name, t.digest), index('datasets_org_idx').on(t.orgId)],
);

export const runInputs = pgTable(
  'run_inputs',
  {
    orgId: orgIdColumn(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    /** Input tags, e.g. `mlflow.data.context = training`. */
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.runId, t.datasetId] }), index('run_inputs_org_idx').on(t.orgId)],
);

export type Experiment = typeof experiments.$inferSelect;
export type Run = typeof runs.$inferSelect;
export type RunStatus = (typeof runStatus.enumValues)[number];
export type LifecycleStage = (typeof lifecycleStage.enumValues)[number];
export type Dataset = typeof datasets.$inferSelect;
