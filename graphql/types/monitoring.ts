import { createAlertRule } from '../../core/monitoring/create-alert-rule';
import { deleteAlertRule } from '../../core/monitoring/delete-alert-rule';
import { lastDriftMonitorRun } from '../../core/monitoring/drift-monitor-schedule';
import { getDeploymentMonitoring, type VersionMonitoring } from '../../core/monitoring/get-deployment-monitoring';
import { listAlerts, type AlertView } from '../../core/monitoring/list-alerts';
import { listNotifications, markNotificationsRead } from '../../core/monitoring/notifications';
import { setAlertStatus } from '../../core/monitoring/set-alert-status';
import { runDriftCheck, type DriftCheck } from '../../core/monitoring/run-drift-check';
import { setDriftMonitor } from '../../core/monitoring/set-drift-monitor';
import { updateAlertRule } from '../../core/monitoring/update-alert-rule';
import { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookDeliveries, listWebhookEndpoints, type WebhookEndpointView } from '../../core/monitoring/webhook-endpoints';
import type { ScheduledRun } from '../../core/orchestration/schedules';
import type { AlertRule, BaselineProfile, DriftMonitor, DriftResult, Notification, WebhookDelivery } from '../../db/schema';
import { ALERT_COMPARATORS, ALERT_METRICS } from '../../rules/monitoring/alert-rules';
import type { Builder } from '../builder';

/** A feature's baseline as the API shows it (numeric or categorical fields filled). */
interface FeatureBaselineView {
  key: string;
  p: Record<string, unknown>;
}
interface FeatureDriftView {
  key: string;
  d: Record<string, unknown>;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const nums = (x: unknown): number[] => (Array.isArray(x) ? x.filter((v): v is number => typeof v === 'number') : []);
const categories = (x: unknown) => Object.entries((x ?? {}) as Record<string, number>).map(([category, count]) => ({ category, count }));

export function register(builder: Builder) {
  const MetricEnum = builder.enumType('AlertMetric', {
    description: 'What an alert rule watches: per-feature drift and data quality, or the deployment’s traffic',
    values: ALERT_METRICS,
  });
  const ComparatorEnum = builder.enumType('AlertComparator', { values: ALERT_COMPARATORS });
  const AlertStatusEnum = builder.enumType('AlertStatus', { values: ['open', 'acknowledged', 'resolved'] as const });
  const BaselineSourceEnum = builder.enumType('BaselineSource', {
    values: {
      training_data: { description: 'Profiled from the training dataset the version’s run logged' },
      live_traffic: { description: 'Profiled from the first sampled requests the version answered (see `fallbackReason`)' },
    } as const,
  });

  const CategoryCount = builder.objectRef<{ category: string; count: number }>('CategoryCount').implement({
    fields: (t) => ({ category: t.exposeString('category'), count: t.exposeInt('count') }),
  });

  const FeatureBaseline = builder.objectRef<FeatureBaselineView>('FeatureBaseline').implement({
    description: 'One feature’s reference distribution: 10 quantile bins for numbers, category counts otherwise',
    fields: (t) => ({
      key: t.string({ description: 'The input name, or `name[i]` for column i of a 2-D input', resolve: (f) => f.key }),
      column: t.string({ nullable: true, description: 'The training data column it was read from', resolve: (f) => (typeof f.p.column === 'string' ? f.p.column : null) }),
      kind: t.string({ resolve: (f) => String(f.p.kind) }),
      count: t.int({ resolve: (f) => Number(f.p.count ?? 0) }),
      missingRate: t.float({ resolve: (f) => (Number(f.p.count) ? Number(f.p.missing ?? 0) / Number(f.p.count) : 0) }),
      min: t.float({ nullable: true, resolve: (f) => num(f.p.min) }),
      max: t.float({ nullable: true, resolve: (f) => num(f.p.max) }),
      mean: t.float({ nullable: true, resolve: (f) => num(f.p.mean) }),
      std: t.float({ nullable: true, resolve: (f) => num(f.p.std) }),
      edges: t.floatList({ description: 'Bin edges (numeric features)', resolve: (f) => nums(f.p.edges) }),
      counts: t.intList({ description: 'Training rows per bin (numeric features)', resolve: (f) => nums(f.p.counts) }),
      categories: t.field({ type: [CategoryCount], resolve: (f) => categories(f.p.frequencies) }),
    }),
  });

  const Baseline = builder.objectRef<BaselineProfile>('BaselineProfile').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      source: t.expose('source', { type: BaselineSourceEnum }),
      sourceLabel: t.exposeString('sourceLabel', { description: 'The dataset (name and URI), or the requests the profile was taken from' }),
      fallbackReason: t.exposeString('fallbackReason', { nullable: true, description: 'Why the training data was not used; null when it was' }),
      rows: t.exposeInt('rows'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      features: t.field({ type: [FeatureBaseline], resolve: (b) => Object.entries(b.features).map(([key, p]) => ({ key, p })) }),
    }),
  });

  const FeatureDrift = builder.objectRef<FeatureDriftView>('FeatureDrift').implement({
    description: 'One feature over one window against its baseline',
    fields: (t) => ({
      key: t.string({ resolve: (f) => f.key }),
      kind: t.string({ resolve: (f) => String(f.d.kind) }),
      count: t.int({ resolve: (f) => Number(f.d.count ?? 0) }),
      psi: t.float({ resolve: (f) => num(f.d.psi) ?? 0 }),
      ksStatistic: t.float({ nullable: true, resolve: (f) => num((f.d.ks as { statistic?: unknown } | null)?.statistic) }),
      ksPValue: t.float({ nullable: true, description: 'Asymptotic two-sample KS p-value', resolve: (f) => num((f.d.ks as { pValue?: unknown } | null)?.pValue) }),
      missingRate: t.float({ resolve: (f) => num(f.d.missingRate) ?? 0 }),
      outOfRangeRate: t.float({ nullable: true, resolve: (f) => num(f.d.outOfRangeRate) }),
      unseenRate: t.float({ nullable: true, resolve: (f) => num(f.d.unseenRate) }),
      unseen: t.stringList({ resolve: (f) => (Array.isArray(f.d.unseen) ? f.d.unseen.map(String) : []) }),
      counts: t.intList({ description: 'Live values per baseline bin (numeric features)', resolve: (f) => nums(f.d.counts) }),
      categories: t.field({ type: [CategoryCount], resolve: (f) => categories(f.d.frequencies) }),
      mean: t.float({ nullable: true, resolve: (f) => num(f.d.mean) }),
    }),
  });

  const Drift = builder.objectRef<DriftResult>('DriftResult').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      modelVersionId: t.exposeID('modelVersionId'),
      version: t.exposeInt('version'),
      windowStart: t.expose('windowStart', { type: 'DateTime' }),
      windowEnd: t.expose('windowEnd', { type: 'DateTime' }),
      requests: t.exposeInt('requests'),
      errors: t.exposeInt('errors'),
      p95LatencyMs: t.exposeFloat('p95LatencyMs', { nullable: true }),
      samples: t.exposeInt('samples'),
      maxPsi: t.exposeFloat('maxPsi', { nullable: true }),
      maxKs: t.exposeFloat('maxKs', { nullable: true }),
      maxMissingRate: t.exposeFloat('maxMissingRate', { nullable: true }),
      maxOutOfRangeRate: t.exposeFloat('maxOutOfRangeRate', { nullable: true }),
      maxUnseenRate: t.exposeFloat('maxUnseenRate', { nullable: true }),
      note: t.exposeString('note', { nullable: true, description: 'Why no statistics were computed (a baseline still being collected, no samples)' }),
      features: t.field({ type: [FeatureDrift], resolve: (r) => Object.entries(r.features).map(([key, d]) => ({ key, d })) }),
    }),
  });

  const VersionMonitoringRef = builder.objectRef<VersionMonitoring>('VersionMonitoring').implement({
    fields: (t) => ({
      modelVersionId: t.exposeID('modelVersionId'),
      version: t.exposeInt('version'),
      baseline: t.field({ type: Baseline, nullable: true, resolve: (v) => v.baseline }),
      latest: t.field({ type: Drift, nullable: true, resolve: (v) => v.latest }),
      history: t.field({ type: [Drift], description: 'Results of the last 24 hours, oldest first', resolve: (v) => v.history }),
    }),
  });

  const RunStatusEnum = builder.enumType('DriftMonitorRunStatus', { values: ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] as const });
  const MonitorRun = builder.objectRef<ScheduledRun>('DriftMonitorRun').implement({
    description: 'One run of a drift monitor: a scheduled firing or a "Check now"',
    fields: (t) => ({
      workflowId: t.exposeString('workflowId'),
      startedAt: t.expose('startedAt', { type: 'DateTime' }),
      status: t.expose('status', { type: RunStatusEnum }),
      closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    }),
  });

  const Monitor = builder.objectRef<DriftMonitor>('DriftMonitor').implement({
    fields: (t) => ({
      enabled: t.exposeBoolean('enabled'),
      intervalMinutes: t.exposeInt('intervalMinutes'),
      windowMinutes: t.exposeInt('windowMinutes'),
      baselineSamples: t.exposeInt('baselineSamples'),
      lastRun: t.field({
        type: MonitorRun,
        nullable: true,
        description: 'The newest run, as the workflow service has it; null while the monitor is off, before its first run, or while Temporal cannot be asked',
        resolve: (m) => lastDriftMonitorRun(m),
      }),
    }),
  });

  const Check = builder.objectRef<DriftCheck>('DriftCheck').implement({
    fields: (t) => ({
      requestedAt: t.expose('requestedAt', { type: 'DateTime', description: 'The check is the monitor’s first run started after this time' }),
      monitor: t.field({ type: Monitor, resolve: (c) => c.monitor }),
    }),
  });

  const Rule = builder.objectRef<AlertRule>('AlertRule').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      deploymentId: t.exposeID('deploymentId'),
      name: t.exposeString('name'),
      metric: t.expose('metric', { type: MetricEnum }),
      feature: t.exposeString('feature', { nullable: true, description: 'The feature watched; null for the worst feature (or a deployment metric)' }),
      comparator: t.expose('comparator', { type: ComparatorEnum }),
      threshold: t.exposeFloat('threshold'),
      windowMinutes: t.exposeInt('windowMinutes'),
      cooldownMinutes: t.exposeInt('cooldownMinutes'),
      enabled: t.exposeBoolean('enabled'),
      retrainingPolicyId: t.exposeID('retrainingPolicyId', { nullable: true }),
      lastNotifiedAt: t.expose('lastNotifiedAt', { type: 'DateTime', nullable: true }),
    }),
  });

  const MonitoringRef = builder
    .objectRef<Awaited<ReturnType<typeof getDeploymentMonitoring>>>('DeploymentMonitoring')
    .implement({
      fields: (t) => ({
        deploymentId: t.exposeID('deploymentId'),
        deploymentName: t.exposeString('deploymentName'),
        modelId: t.exposeID('modelId'),
        modelName: t.exposeString('modelName'),
        monitor: t.field({ type: Monitor, nullable: true, resolve: (m) => m.monitor }),
        rules: t.field({ type: [Rule], resolve: (m) => m.rules }),
        versions: t.field({ type: [VersionMonitoringRef], description: 'Serving versions (and any with results in the last day), newest first', resolve: (m) => m.versions }),
      }),
    });

  const AlertRef = builder.objectRef<AlertView>('Alert').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      ruleId: t.exposeID('ruleId'),
      ruleName: t.exposeString('ruleName'),
      metric: t.field({ type: MetricEnum, resolve: (a) => a.metric as (typeof ALERT_METRICS)[number] }),
      deploymentId: t.exposeID('deploymentId'),
      deploymentName: t.exposeString('deploymentName'),
      status: t.expose('status', { type: AlertStatusEnum }),
      count: t.exposeInt('count', { description: 'Monitor runs that found the condition true while this alert was open' }),
      notifications: t.exposeInt('notifications', { description: 'Times it notified (at most once per cooldown)' }),
      firstAt: t.expose('firstAt', { type: 'DateTime' }),
      lastAt: t.expose('lastAt', { type: 'DateTime' }),
      value: t.exposeFloat('value'),
      feature: t.exposeString('feature', { nullable: true }),
      summary: t.exposeString('summary'),
      retrainingWorkflowId: t.exposeString('retrainingWorkflowId', { nullable: true }),
      retrainingJobId: t.exposeID('retrainingJobId', { nullable: true, description: 'The training job the retraining run started; null until the run has made it' }),
      acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
      resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    }),
  });

  const NotificationRef = builder.objectRef<Notification>('Notification').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      kind: t.exposeString('kind'),
      title: t.exposeString('title'),
      body: t.exposeString('body'),
      link: t.exposeString('link', { nullable: true, description: 'A path within the organization (`/deployments/<name>/monitoring`)' }),
      alertId: t.exposeID('alertId', { nullable: true }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    }),
  });
  const NotificationList = builder.objectRef<{ items: Notification[]; unread: number }>('NotificationList').implement({
    fields: (t) => ({ items: t.field({ type: [NotificationRef], resolve: (l) => l.items }), unread: t.exposeInt('unread') }),
  });

  const Delivery = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
    fields: (t) => ({
      id: t.exposeID('id', { description: 'The `webhook-id` header, the same on every attempt' }),
      eventType: t.exposeString('eventType'),
      status: t.exposeString('status'),
      attempts: t.exposeInt('attempts'),
      lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
      lastError: t.exposeString('lastError', { nullable: true }),
      lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
      deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
    }),
  });
  const Endpoint = builder.objectRef<WebhookEndpointView>('WebhookEndpoint').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      url: t.exposeString('url'),
      description: t.exposeString('description'),
      enabled: t.exposeBoolean('enabled'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
    }),
  });
  const CreatedEndpoint = builder.objectRef<{ endpoint: WebhookEndpointView; secret: string }>('CreatedWebhookEndpoint').implement({
    fields: (t) => ({
      endpoint: t.field({ type: Endpoint, resolve: (c) => c.endpoint }),
      secret: t.exposeString('secret', { description: 'The `whsec_…` signing secret, shown this once (Standard Webhooks)' }),
    }),
  });

  const RuleInput = builder.inputType('AlertRuleInput', {
    fields: (t) => ({
      name: t.string({ required: true }),
      metric: t.field({ type: MetricEnum, required: true }),
      feature: t.string({ description: 'A feature key (`features[0]`); empty for the worst feature' }),
      comparator: t.field({ type: ComparatorEnum }),
      threshold: t.float({ required: true }),
      windowMinutes: t.int(),
      cooldownMinutes: t.int(),
      enabled: t.boolean(),
      retrainingPolicyId: t.id({ description: 'Run this retraining policy of the deployment’s model when the rule notifies' }),
    }),
  });
  const ruleData = (i: { name: string; metric: string; feature?: string | null; comparator?: string | null; threshold: number; windowMinutes?: number | null; cooldownMinutes?: number | null; enabled?: boolean | null; retrainingPolicyId?: string | number | null }) => ({
    name: i.name,
    metric: i.metric,
    feature: i.feature ?? null,
    threshold: i.threshold,
    ...(i.comparator ? { comparator: i.comparator } : {}),
    ...(i.windowMinutes != null ? { windowMinutes: i.windowMinutes } : {}),
    ...(i.cooldownMinutes != null ? { cooldownMinutes: i.cooldownMinutes } : {}),
    ...(i.enabled != null ? { enabled: i.enabled } : {}),
    retrainingPolicyId: i.retrainingPolicyId != null ? String(i.retrainingPolicyId) : null,
  });

  builder.queryFields((t) => ({
    deploymentMonitoring: t.field({
      type: MonitoringRef,
      authScopes: { permission: 'deployment:read' },
      description: 'A deployment’s drift monitor, alert rules, and per serving version its baseline profile and drift results; by ID or name',
      args: { deploymentId: t.arg.id(), name: t.arg.string() },
      resolve: async (_r, a, ctx) => getDeploymentMonitoring(await ctx.tenant(), a.deploymentId ? { deploymentId: String(a.deploymentId) } : { name: a.name ?? '' }),
    }),
    alerts: t.field({
      type: [AlertRef],
      authScopes: { permission: 'deployment:read' },
      args: { deploymentId: t.arg.id(), includeResolved: t.arg.boolean() },
      resolve: async (_r, a, ctx) => listAlerts(await ctx.tenant(), { deploymentId: a.deploymentId ? String(a.deploymentId) : null, includeResolved: a.includeResolved ?? false }),
    }),
    notifications: t.field({
      type: NotificationList,
      authScopes: { authenticated: true },
      description: 'The caller’s own notifications in this organization, newest first, with the unread count',
      args: { limit: t.arg.int() },
      resolve: async (_r, a, ctx) => listNotifications(await ctx.tenant(), { limit: a.limit ?? undefined }),
    }),
    webhookEndpoints: t.field({ type: [Endpoint], authScopes: { permission: 'org:read' }, resolve: async (_r, _a, ctx) => listWebhookEndpoints(await ctx.tenant()) }),
    webhookDeliveries: t.field({
      type: [Delivery],
      authScopes: { permission: 'org:read' },
      description: 'The endpoint’s delivery log, newest first',
      args: { endpointId: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx) => listWebhookDeliveries(await ctx.tenant(), { endpointId: String(a.endpointId) }),
    }),
  }));

  builder.mutationFields((t) => ({
    setDriftMonitor: t.field({
      type: Monitor,
      authScopes: { permission: 'deployment:write' },
      args: { deploymentId: t.arg.id({ required: true }), enabled: t.arg.boolean({ required: true }), intervalMinutes: t.arg.int(), windowMinutes: t.arg.int(), baselineSamples: t.arg.int() },
      resolve: async (_r, a, ctx) =>
        setDriftMonitor(await ctx.tenant(), {
          deploymentId: String(a.deploymentId),
          enabled: a.enabled,
          ...(a.intervalMinutes != null ? { intervalMinutes: a.intervalMinutes } : {}),
          ...(a.windowMinutes != null ? { windowMinutes: a.windowMinutes } : {}),
          ...(a.baselineSamples != null ? { baselineSamples: a.baselineSamples } : {}),
        }),
    }),
    runDriftCheck: t.field({
      type: Check,
      authScopes: { permission: 'deployment:write' },
      description: 'Runs the deployment’s drift monitor now over the window ending now (its alert rules, notifications and retraining included); CONFLICT when the monitor is off',
      args: { deploymentId: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx) => runDriftCheck(await ctx.tenant(), { deploymentId: String(a.deploymentId) }),
    }),
    createAlertRule: t.field({
      type: Rule,
      authScopes: { permission: 'deployment:write' },
      description: 'Adds a rule; a deployment without a drift monitor gets one (every 5 minutes over the last hour)',
      args: { deploymentId: t.arg.id({ required: true }), input: t.arg({ type: RuleInput, required: true }) },
      resolve: async (_r, a, ctx) => createAlertRule(await ctx.tenant(), { deploymentId: String(a.deploymentId), ...ruleData(a.input) }),
    }),
    updateAlertRule: t.field({
      type: Rule,
      authScopes: { permission: 'deployment:write' },
      args: { ruleId: t.arg.id({ required: true }), input: t.arg({ type: RuleInput, required: true }) },
      resolve: async (_r, a, ctx) => updateAlertRule(await ctx.tenant(), { ruleId: String(a.ruleId), ...ruleData(a.input) }),
    }),
    deleteAlertRule: t.boolean({
      authScopes: { permission: 'deployment:write' },
      args: { ruleId: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx) => {
        await deleteAlertRule(await ctx.tenant(), { ruleId: String(a.ruleId) });
        return true;
      },
    }),
    acknowledgeAlert: t.field({
      type: AlertStatusEnum,
      authScopes: { permission: 'deployment:write' },
      args: { alertId: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx) => (await setAlertStatus(await ctx.tenant(), { alertId: String(a.alertId), status: 'acknowledged' })).status,
    }),
    resolveAlert: t.field({
      type: AlertStatusEnum,
      authScopes: { permission: 'deployment:write' },
      args: { alertId: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx) => (await setAlertStatus(await ctx.tenant(), { alertId: String(a.alertId), status: 'resolved' })).status,
    }),
    markNotificationsRead: t.int({
      authScopes: { authenticated: true },
      description: 'Marks the given notifications of the caller read (all of them without `ids`); returns how many were unread',
      args: { ids: t.arg.idList() },
      resolve: async (_r, a, ctx) => markNotificationsRead(await ctx.tenant(), { ids: a.ids ? a.ids.map(String) : null }),
    }),
    createWebhookEndpoint: t.field({
      type: CreatedEndpoint,
      authScopes: { permission: 'org:update' },
      args: { url: t.arg.string({ required: true }), description: t.arg.string() },
      resolve: async (_r, a, ctx) => createWebhookEndpoint(await ctx.tenant(), { url: a.url, description: a.description ?? '' }),
    }),
    deleteWebhookEndpoint: t.boolean({
      authScopes: { permission: 'org:update' },
      args: { endpointId: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx) => {
        await deleteWebhookEndpoint(await ctx.tenant(), { endpointId: String(a.endpointId) });
        return true;
      },
    }),
  }));
}
