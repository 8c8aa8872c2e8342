import { sql } from 'drizzle-orm';
import { integer } from 'drizzle-orm/pg-core';
import type { RolloutPlan, StepVerdict } from '../../rules/serving/rollout-plan';
import { apiKeys } from './api-keys';
import { index, jsonb, pgEnum, pgTable, text, timestamptz, uniqueIndex } from './columns';
import { orgIdColumn } from './org-column';
import { modelVersions } from './registry';
import { deployments } from './serving';
import { users } from './users';

export const rolloutState = pgEnum('rollout_state', ['provisioning', 'stepping', 'analysing', 'paused', 'awaiting_approval', 'promoted', 'rolled_back', 'aborted', 'failed']);

/**
 * A canary rollout of one model version on one deployment, run by the workflow
 * `rollout/<deploymentId>/<n>`. The workflow writes every transition here (state, the step and weight,
 * each step's verdict with its numbers), so a reader never needs Temporal to see where a rollout is.
 * At most one rollout per deployment is unfinished: a partial unique index holds the rule.
 */
export const rollouts = pgTable(
  'rollouts',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    /** 1, 2, ... per deployment: the workflow ID's last segment. */
    n: integer('n').notNull(),
    fromVersionId: text('from_version_id').references(() => modelVersions.id, { onDelete: 'set null' }),
    fromVersion: integer('from_version').notNull(),
    toVersionId: text('to_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'restrict' }),
    toVersion: integer('to_version').notNull(),
    plan: jsonb('plan').$type<RolloutPlan>().notNull(),
    state: rolloutState('state').notNull().default('provisioning'),
    /** Index into the plan's steps; -1 before the first step takes traffic. */
    currentStep: integer('current_step').notNull().default(-1),
    currentWeight: integer('current_weight').notNull().default(0),
    /** When the current step's weight reached the gateways: its analysis window starts here. */
    stepStartedAt: timestamptz('step_started_at'),
    verdicts: jsonb('verdicts').$type<StepVerdict[]>().notNull().default([]),
    approvedBy: text('approved_by'),
    startedBy: text('started_by').references(() => users.id),
    startedByApiKey: text('started_by_api_key').references(() => apiKeys.id, { onDelete: 'set null' }),
    /** Who started it as the audit log names them: a person's email, or `system (rollout)`. */
    startedByLabel: text('started_by_label').notNull(),
    /** Why it ended the way it did (or, while running, why it was started). */
    reason: text('reason'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [
    uniqueIndex('rollouts_deployment_n_uq').on(t.deploymentId, t.n),
    uniqueIndex('rollouts_one_unfinished_uq')
      .on(t.deploymentId)
      .where(sql`${t.state} not in ('promoted', 'rolled_back', 'aborted', 'failed')`),
    index('rollouts_org_deployment_idx').on(t.orgId, t.deploymentId, t.createdAt),
  ],
);

export type Rollout = typeof rollouts.$inferSelect;
