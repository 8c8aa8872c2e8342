import { boolean, real } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgIdColumn } from './org-column';
import { index, integer, jsonb, pgEnum, pgTable, text, timestamptz, uniqueIndex } from './columns';
import { modelVersions } from './registry';
import { retrainingPolicies } from './training';
import { deployments } from './serving';
import { datasets } from './tracking';
import { users } from './users';

/**
 * Monitoring: per-version baseline profiles, the drift monitor of each deployment and the results of
 * its runs, alert rules and the alerts they open, in-app notifications and signed outbound webhooks.
 */

/** Where a baseline profile's numbers come from. */
export const baselineSource = pgEnum('baseline_source', ['training_data', 'live_traffic']);

/**
 * The per-feature profile of a model version's reference data (one row per version): the training
 * dataset its run logged when Gantry can read it, else the first sampled requests of a deployment.
 * `features` maps the live feature key (an input name, or `features[3]` for a column of a 2-D tensor)
 * to its profile (rules/monitoring/drift.ts) and the dataset column it was read from.
 */
export const baselineProfiles = pgTable(
  'baseline_profiles',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    modelVersionId: text('model_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    source: baselineSource('source').notNull(),
    datasetId: text('dataset_id').references(() => datasets.id, { onDelete: 'set null' }),
    /** The dataset's name and source as logged, or the deployment whose traffic was sampled. */
    sourceLabel: text('source_label').notNull(),
    /** Why the training data was not used (no dataset logged, a source Gantry cannot read); null when it was. */
    fallbackReason: text('fallback_reason'),
    rows: integer('rows').notNull(),
    features: jsonb('features').$type<Record<string, StoredFeatureProfile>>().notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('baseline_profiles_version_uq').on(t.modelVersionId), index('baseline_profiles_org_idx').on(t.orgId)],
);

/** A feature's profile as stored: the pure profile plus the column of the training data it came from. */
export type StoredFeatureProfile = Record<string, unknown> & { kind: 'numeric' | 'categorical'; column?: string | null };

/**
 * A deployment's drift monitor: the Temporal Schedule `drift-monitor/<deploymentId>` follows this row
 * (exists while `enabled`, fires every `intervalMinutes`), and each run looks at the last `windowMinutes`.
 */
export const driftMonitors = pgTable('drift_monitors', {
  deploymentId: text('deployment_id')
    .primaryKey()
    .references(() => deployments.id, { onDelete: 'cascade' }),
  orgId: orgIdColumn(),
  enabled: boolean('enabled').notNull().default(true),
  intervalMinutes: integer('interval_minutes').notNull().default(5),
  windowMinutes: integer('window_minutes').notNull().default(60),
  /** Sampled requests a baseline from live traffic is taken from, when the training data cannot be used. */
  baselineSamples: integer('baseline_samples').notNull().default(200),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

/**
 * The drift of one serving version over one window. `windowEnd` is the run's business key: a retried
 * run for the same window finds its row instead of adding one.
 */
export const driftResults = pgTable(
  'drift_results',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    modelVersionId: text('model_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    windowStart: timestamptz('window_start').notNull(),
    windowEnd: timestamptz('window_end').notNull(),
    /** Requests answered by this version in the window, errors among them, and p95 latency. */
    requests: integer('requests').notNull(),
    errors: integer('errors').notNull(),
    p95LatencyMs: real('p95_latency_ms'),
    /** Sampled requests (rows with inputs) the drift was computed from. */
    samples: integer('samples').notNull(),
    /** Per feature: PSI, KS, quality and the live histogram (rules/monitoring/drift.ts FeatureDrift). */
    features: jsonb('features').$type<Record<string, Record<string, unknown>>>().notNull(),
    maxPsi: real('max_psi'),
    maxKs: real('max_ks'),
    maxMissingRate: real('max_missing_rate'),
    maxOutOfRangeRate: real('max_out_of_range_rate'),
    maxUnseenRate: real('max_unseen_rate'),
    /** Null when computed; else why no drift could be (no baseline yet, no samples). */
    note: text('note'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('drift_results_window_uq').on(t.deploymentId, t.modelVersionId, t.windowEnd),
    index('drift_results_deployment_idx').on(t.orgId, t.deploymentId, t.windowEnd),
  ],
);

export const alertMetric = pgEnum('alert_metric', [
  'psi',
  'ks_statistic',
  'missing_rate',
  'out_of_range_rate',
  'unseen_rate',
  'error_rate',
  'p95_latency_ms',
  'request_rate',
]);
export const alertComparator = pgEnum('alert_comparator', ['above', 'below']);
export const alertStatus = pgEnum('alert_status', ['open', 'acknowledged', 'resolved']);

/**
 * A condition on a deployment's numbers, checked on every monitor run: `metric` (of `feature`, or the
 * worst feature when null) `comparator` `threshold` over the last `windowMinutes`. A breach opens or
 * counts into the rule's one open alert; notifications (and the retraining policy, when set) go out
 * at most once per `cooldownMinutes`.
 */
export const alertRules = pgTable(
  'alert_rules',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    metric: alertMetric('metric').notNull(),
    feature: text('feature'),
    comparator: alertComparator('comparator').notNull().default('above'),
    threshold: real('threshold').notNull(),
    windowMinutes: integer('window_minutes').notNull().default(60),
    cooldownMinutes: integer('cooldown_minutes').notNull().default(60),
    enabled: boolean('enabled').notNull().default(true),
    /** Run this retraining policy (of the deployment's model) when the rule notifies. */
    retrainingPolicyId: text('retraining_policy_id').references(() => retrainingPolicies.id, { onDelete: 'set null' }),
    lastNotifiedAt: timestamptz('last_notified_at'),
    createdBy: text('created_by').references(() => users.id),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('alert_rules_deployment_name_uq').on(t.deploymentId, t.name), index('alert_rules_org_idx').on(t.orgId)],
);

/** What a rule's breaches add up to: one open (or acknowledged) alert per rule, counting its breaches. */
export const alerts = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    ruleId: text('rule_id')
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    status: alertStatus('status').notNull().default('open'),
    /** Breaches counted into this alert (monitor runs that found the condition true). */
    count: integer('count').notNull().default(1),
    firstAt: timestamptz('first_at').notNull(),
    lastAt: timestamptz('last_at').notNull(),
    /** The value of the last breach, and the feature it was found on. */
    value: real('value').notNull(),
    feature: text('feature'),
    summary: text('summary').notNull(),
    /** The monitor run (window end) last counted, so a retried run does not count twice. */
    lastWindowEnd: timestamptz('last_window_end').notNull(),
    notifications: integer('notifications').notNull().default(0),
    retrainingWorkflowId: text('retraining_workflow_id'),
    acknowledgedBy: text('acknowledged_by').references(() => users.id),
    acknowledgedAt: timestamptz('acknowledged_at'),
    resolvedBy: text('resolved_by').references(() => users.id),
    resolvedAt: timestamptz('resolved_at'),
  },
  (t) => [
    uniqueIndex('alerts_one_open_per_rule_uq').on(t.ruleId).where(sql`status <> 'resolved'`),
    index('alerts_deployment_idx').on(t.orgId, t.deploymentId, t.lastAt),
  ],
);

/** An in-app notification for one member (the bell); `readAt` null while unread. */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** A path in the app the notification links to. */
    link: text('link'),
    alertId: text('alert_id').references(() => alerts.id, { onDelete: 'cascade' }),
    /** Makes creation idempotent: one notification per user per event. */
    eventKey: text('event_key').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    readAt: timestamptz('read_at'),
  },
  (t) => [uniqueIndex('notifications_event_user_uq').on(t.orgId, t.eventKey, t.userId), index('notifications_user_idx').on(t.orgId, t.userId, t.createdAt)],
);

/**
 * An organization's outbound webhook: every alert notification is POSTed to `url`, signed by the
 * Standard Webhooks scheme with the endpoint's `whsec_` secret (stored encrypted, shown once).
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    secretEncrypted: text('secret_encrypted').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: text('created_by').references(() => users.id),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.orgId)],
);

export const webhookDeliveryStatus = pgEnum('webhook_delivery_status', ['pending', 'delivered', 'failed']);

/**
 * One message to one endpoint. `id` is the `webhook-id` header: the same on every attempt, so the
 * receiver can drop duplicates; `(endpointId, eventKey)` keeps a retried run from sending twice.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    eventKey: text('event_key').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: webhookDeliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastAttemptAt: timestamptz('last_attempt_at'),
    deliveredAt: timestamptz('delivered_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('webhook_deliveries_event_uq').on(t.endpointId, t.eventKey), index('webhook_deliveries_org_idx').on(t.orgId, t.endpointId, t.createdAt)],
);

export type BaselineProfile = typeof baselineProfiles.$inferSelect;
export type DriftMonitor = typeof driftMonitors.$inferSelect;
export type DriftResult = typeof driftResults.$inferSelect;
export type AlertRule = typeof alertRules.$inferSelect;
export type Alert = typeof alerts.$inferSelect;
export type AlertMetric = (typeof alertMetric.enumValues)[number];
export type Notification = typeof notifications.$inferSelect;
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
