import { boolean, integer, real } from 'drizzle-orm/pg-core';
import { JOB_STATUSES } from '../../rules/job-status';
import { orgIdColumn } from './org-column';
import { apiKeys } from './api-keys';
import { bigint, index, jsonb, pgEnum, pgTable, text, timestamptz } from './columns';
import { clusters } from './compute';
import { modelVersions, registeredModels } from './registry';
import { projects, teams } from './tenancy';
import { experiments, runs } from './tracking';
import { users } from './users';

export const jobStatus = pgEnum('job_status', JOB_STATUSES);
export const jobKind = pgEnum('job_kind', ['training', 'evaluation', 'batch_prediction']);
export type JobKind = (typeof jobKind.enumValues)[number];
export const evaluationStatus = pgEnum('evaluation_status', ['running', 'passed', 'failed', 'error']);

/** The validated job spec as submitted; see rules/job-spec.ts. */
export type StoredJobSpec = Record<string, unknown>;

/**
 * A training or evaluation job. The row is the UI's view; the workflow
 * `training-job/<id>` is what moves it. Cost and usage are filled when it ends.
 */
export const trainingJobs = pgTable(
  'training_jobs',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'restrict' }),
    clusterId: text('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'restrict' }),
    kind: jobKind('kind').notNull().default('training'),
    name: text('name').notNull(),
    spec: jsonb('spec').$type<StoredJobSpec>().notNull(),
    experimentId: text('experiment_id')
      .notNull()
      .references(() => experiments.id),
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    status: jobStatus('status').notNull().default('queued'),
    reason: text('reason'),
    message: text('message'),
    /** 1-based; each attempt is its own backend job. */
    attempt: integer('attempt').notNull().default(1),
    maxAttempts: integer('max_attempts').notNull().default(1),
    backendName: text('backend_name'),
    gpuCount: integer('gpu_count').notNull().default(0),
    gpuType: text('gpu_type'),
    registerModelName: text('register_model_name'),
    modelVersionId: text('model_version_id').references(() => modelVersions.id, { onDelete: 'set null' }),
    retrainingPolicyId: text('retraining_policy_id'),
    /** The run-scoped API key the job's code logs with; revoked when the job ends. */
    runApiKeyId: text('run_api_key_id').references(() => apiKeys.id, { onDelete: 'set null' }),
    cancelRequestedAt: timestamptz('cancel_requested_at'),
    createdBy: text('created_by').references(() => users.id),
    createdByApiKey: text('created_by_api_key').references(() => apiKeys.id, { onDelete: 'set null' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    runtimeSeconds: real('runtime_seconds'),
    cpuSeconds: real('cpu_seconds'),
    peakMemoryMib: real('peak_memory_mib'),
    costMicros: bigint('cost_micros', { mode: 'number' }),
    /** Where the combined log was kept when the job ended (a run artifact path). */
    logArtifactPath: text('log_artifact_path'),
  },
  (t) => [
    index('training_jobs_org_created_idx').on(t.orgId, t.createdAt),
    index('training_jobs_project_idx').on(t.orgId, t.projectId),
    index('training_jobs_retraining_idx').on(t.retrainingPolicyId),
  ],
);

/** The status timeline of a job: one row per transition the workflow saw. */
export const trainingJobEvents = pgTable(
  'training_job_events',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    jobId: text('job_id')
      .notNull()
      .references(() => trainingJobs.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    status: jobStatus('status').notNull(),
    reason: text('reason'),
    message: text('message'),
    /** On a failed attempt: the lines of its log that say why (core/training/failure-excerpt.ts). */
    detail: text('detail'),
    occurredAt: timestamptz('occurred_at').notNull().defaultNow(),
  },
  (t) => [index('training_job_events_job_idx').on(t.orgId, t.jobId, t.occurredAt)],
);

export interface EvaluationCheck {
  metric: string;
  op: '>=' | '>' | '<=' | '<';
  /** An absolute threshold, or relative to the champion's value of the same metric plus `delta`. */
  threshold: number | null;
  relativeTo: 'champion' | null;
  delta: number;
}

export interface EvaluationCheckResult extends EvaluationCheck {
  /** The expression as written, e.g. `auc >= champion.auc - 0.01`. */
  expression: string;
  value: number | null;
  /** The resolved right-hand side; null when the champion has no value (the check then passes: nothing to beat). */
  target: number | null;
  passed: boolean;
  detail: string;
}

/** How a registered model's versions are evaluated: a job template and the checks. */
export const evaluationPolicies = pgTable(
  'evaluation_policies',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'cascade' })
      .unique(),
    /** Checks as written (`auc >= 0.80`, `auc >= champion.auc - 0.01`), one per line. */
    checks: jsonb('checks').$type<string[]>().notNull(),
    /** The evaluation job: cluster, image, command, resources, dataset (same shape as a job spec). */
    jobTemplate: jsonb('job_template').$type<StoredJobSpec>().notNull(),
    createdBy: text('created_by').references(() => users.id),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('evaluation_policies_org_idx').on(t.orgId)],
);

export const evaluations = pgTable(
  'evaluations',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    modelVersionId: text('model_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    policyId: text('policy_id').references(() => evaluationPolicies.id, { onDelete: 'set null' }),
    jobId: text('job_id').references(() => trainingJobs.id, { onDelete: 'set null' }),
    status: evaluationStatus('status').notNull().default('running'),
    checks: jsonb('checks').$type<string[]>().notNull(),
    /** The champion at the time of the comparison, and its metrics. */
    championVersionId: text('champion_version_id'),
    metrics: jsonb('metrics').$type<Record<string, number>>(),
    championMetrics: jsonb('champion_metrics').$type<Record<string, number>>(),
    results: jsonb('results').$type<EvaluationCheckResult[]>(),
    message: text('message'),
    createdBy: text('created_by').references(() => users.id),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [index('evaluations_version_idx').on(t.orgId, t.modelVersionId, t.createdAt)],
);

/** Retrain a registered model on a cron schedule (a Temporal Schedule `retraining/<id>`). */
export const retrainingPolicies = pgTable(
  'retraining_policies',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    modelId: text('model_id')
      .notNull()
      .references(() => registeredModels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** A job spec whose `registerModel` is this policy's model. */
    jobTemplate: jsonb('job_template').$type<StoredJobSpec>().notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    /** Evaluate the new version with the model's evaluation policy before any alias moves. */
    evaluate: boolean('evaluate').notNull().default(true),
    /** On success (and a passing evaluation), move `champion` instead of `challenger`. */
    autoPromote: boolean('auto_promote').notNull().default(false),
    paused: boolean('paused').notNull().default(false),
    createdBy: text('created_by').references(() => users.id),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [index('retraining_policies_model_idx').on(t.orgId, t.modelId)],
);

export type TrainingJob = typeof trainingJobs.$inferSelect;
export type JobStatus = (typeof jobStatus.enumValues)[number];
export type TrainingJobEvent = typeof trainingJobEvents.$inferSelect;
export type EvaluationPolicy = typeof evaluationPolicies.$inferSelect;
export type Evaluation = typeof evaluations.$inferSelect;
export type RetrainingPolicy = typeof retrainingPolicies.$inferSelect;
