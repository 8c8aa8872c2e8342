import { sql } from 'drizzle-orm';
import { check, integer, unique } from 'drizzle-orm/pg-core';
import { bigint, index, pgEnum, pgTable, text, timestamptz, uniqueIndex } from './columns';
import { clusters } from './compute';
import { orgIdColumn } from './org-column';
import { projects, teams } from './tenancy';
import { trainingJobs } from './training';
import { runs } from './tracking';
import { users } from './users';

/** What a ledger line charges for. New kinds of charge add a value here; every roll-up groups by it. */
export const costSource = pgEnum('cost_source', ['training', 'evaluation', 'batch_prediction', 'deployment']);
export type CostSource = (typeof costSource.enumValues)[number];

/**
 * The cost ledger: one line per charge, append-only (the application role may only insert and
 * read it), in integer micro-dollars. `source_key` names what was charged (`job/<id>`,
 * `deployment/<id>/<version id>/<hour>`) and is unique per organization, so a charge written twice
 * (a retried activity, a restarted worker) is one line. `occurred_at` is when the charge counts:
 * the day and month it rolls up into.
 */
export const costLines = pgTable(
  'cost_lines',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    source: costSource('source').notNull(),
    sourceKey: text('source_key').notNull(),
    amountMicros: bigint('amount_micros', { mode: 'number' }).notNull(),
    occurredAt: timestamptz('occurred_at').notNull(),
    /** The span the charge covers (a job's run, a deployment's hour). */
    startedAt: timestamptz('started_at'),
    endedAt: timestamptz('ended_at'),
    /** Seconds of runtime charged (times replicas for a deployment). */
    seconds: integer('seconds'),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'no action' }),
    projectId: text('project_id').references(() => projects.id, { onDelete: 'no action' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    jobId: text('job_id').references(() => trainingJobs.id, { onDelete: 'set null' }),
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    /** No foreign key: a line keeps naming the version and deployment it charged after they are deleted. */
    modelVersionId: text('model_version_id'),
    deploymentId: text('deployment_id'),
    clusterId: text('cluster_id').references(() => clusters.id, { onDelete: 'set null' }),
    gpuType: text('gpu_type'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('cost_lines_source_key_uq').on(t.orgId, t.sourceKey),
    index('cost_lines_org_occurred_idx').on(t.orgId, t.occurredAt),
    index('cost_lines_team_occurred_idx').on(t.orgId, t.teamId, t.occurredAt),
    index('cost_lines_job_idx').on(t.jobId),
    index('cost_lines_model_version_idx').on(t.modelVersionId),
    index('cost_lines_run_idx').on(t.runId),
    index('cost_lines_deployment_idx').on(t.deploymentId),
    check('cost_lines_amount_nonnegative', sql`${t.amountMicros} >= 0`),
  ],
);

export const budgetAction = pgEnum('budget_action', ['alert', 'block', 'block_and_stop']);
export type BudgetAction = (typeof budgetAction.enumValues)[number];

/**
 * A team's monthly budget (calendar month, UTC), or a project's within its team when `project_id`
 * is set. `thresholds` are percentages at which an alert is sent, ascending; `action` is what
 * happens at 100%: only alert, refuse new jobs, or refuse them and stop the running ones.
 */
export const budgets = pgTable(
  'budgets',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    projectId: text('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    amountMicros: bigint('amount_micros', { mode: 'number' }).notNull(),
    thresholds: integer('thresholds').array().notNull(),
    action: budgetAction('action').notNull().default('block'),
    /** The month (`YYYY-MM`) of the thresholds alerted so far, and the highest of them: each is alerted once a month. */
    alertedMonth: text('alerted_month'),
    alertedPercent: integer('alerted_percent').notNull().default(0),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    unique('budgets_team_project_uq').on(t.orgId, t.teamId, t.projectId).nullsNotDistinct(),
    check('budgets_amount_positive', sql`${t.amountMicros} > 0`),
  ],
);

/**
 * A job's worst-case cost held against its team's (and project's) budget from submission until it
 * ends, when the measured cost replaces it in the same transaction as the job's ledger line.
 */
export const budgetReservations = pgTable(
  'budget_reservations',
  {
    jobId: text('job_id')
      .primaryKey()
      .references(() => trainingJobs.id, { onDelete: 'cascade' }),
    orgId: orgIdColumn(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    projectId: text('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    amountMicros: bigint('amount_micros', { mode: 'number' }).notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [index('budget_reservations_team_idx').on(t.orgId, t.teamId)],
);

export type CostLine = typeof costLines.$inferSelect;
export type Budget = typeof budgets.$inferSelect;
