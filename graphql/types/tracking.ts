import { createExperiment } from '../../core/tracking/create-experiment';
import { createRun } from '../../core/tracking/create-run';
import { getExperiment, getExperiments } from '../../core/tracking/get-experiment';
import { getRun } from '../../core/tracking/get-run';
import { getSingleValueMetrics } from '../../core/tracking/single-value-metrics';
import { listRecentRuns } from '../../core/tracking/list-recent-runs';
import { keyMetric } from '../../rules/key-metric';
import { logBatch } from '../../core/tracking/log-batch';
import { getMetricSeries, type MetricSeries, type SeriesBucket, type SeriesPoint } from '../../core/tracking/metric-series';
import type { DatasetInput, ExperimentView, KeyValue, MetricPoint, RunView } from '../../core/tracking/access';
import type { FilterClause, OrderBy } from '../../core/tracking/search-filter';
import { searchExperiments } from '../../core/tracking/search-experiments';
import { searchRuns } from '../../core/tracking/search-runs';
import { updateRun } from '../../core/tracking/update-run';
import { RUN_STATUSES, VIEW_TYPES } from '../../core/tracking/tracking.schemas';
import { getProject, getProjects } from '../../core/tenancy/get-project';
import { AppError } from '../../core/errors';
import type { GraphQLResolveInfo } from 'graphql';
import { sharedRef, type Builder } from '../builder';
import { pageArgs, toConnection } from '../pagination';
import { ProjectRef } from './project-ref';
import { ActorRef } from './user';

const OPS = { EQ: '=', NEQ: '!=', LT: '<', LTE: '<=', GT: '>', GTE: '>=', LIKE: 'LIKE', ILIKE: 'ILIKE' } as const;
const ATTRIBUTES = { START_TIME: 'start_time', END_TIME: 'end_time', NAME: 'run_name', STATUS: 'status', DURATION: 'duration', CREATOR: 'created_by' } as const;
const ms = (v: number | null) => (v == null ? null : new Date(v));

/**
 * Run cursors are offsets, with the instant the first page measured running runs'
 * durations to, so later pages sorted by duration measure them the same way.
 */
const runCursor = (offset: number, asOf: number) => Buffer.from(`${offset}_${asOf}`).toString('base64url');
function parseRunCursor(after: string | null): { offset: number; asOf: number | null } {
  if (after == null) return { offset: 0, asOf: null };
  const m = /^(\d{1,15})(?:_(\d{1,15}))?$/.exec(after);
  if (!m) throw new AppError('BAD_USER_INPUT', 'Invalid cursor');
  return { offset: Number(m[1]) + 1, asOf: m[2] == null ? null : Number(m[2]) };
}

/** Whether the query may read `name` directly inside this field; fragments count as yes. */
const selects = (info: GraphQLResolveInfo, name: string) =>
  info.fieldNodes.some((n) => n.selectionSet?.selections.some((s) => s.kind !== 'Field' || s.name.value === name));

export const KeyValueRef = sharedRef((builder) => builder.objectRef<KeyValue>('KeyValue'));
export const ExperimentRef = sharedRef((builder) => builder.objectRef<ExperimentView>('Experiment'));
export const RunRef = sharedRef((builder) => builder.objectRef<RunView>('Run'));
export const KeyValueInput = sharedRef((builder) =>
  builder.inputType('KeyValueInput', { fields: (t) => ({ key: t.string({ required: true }), value: t.string({ required: true }) }) }),
);

export function register(builder: Builder) {
  builder.scalarType('Double', {
    description: 'A double-precision number. NaN and ±Infinity are written as the strings "NaN", "Infinity" and "-Infinity", as in protobuf JSON.',
    serialize: (v) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v) as unknown as number,
    parseValue: (v) => {
      if (typeof v === 'number') return v;
      if (v === 'NaN') return Number.NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      throw new AppError('BAD_USER_INPUT', 'Double must be a number or "NaN", "Infinity", "-Infinity"');
    },
  });

  const RunStatusEnum = builder.enumType('RunStatus', { values: RUN_STATUSES });
  const LifecycleStageEnum = builder.enumType('LifecycleStage', { values: ['active', 'deleted'] as const });
  const RunViewTypeEnum = builder.enumType('RunViewType', { values: VIEW_TYPES });
  const StringOpEnum = builder.enumType('StringOp', { values: ['EQ', 'NEQ', 'LIKE', 'ILIKE'] as const });
  const NumberOpEnum = builder.enumType('NumberOp', { values: ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE'] as const });
  const RunAttributeEnum = builder.enumType('RunAttribute', {
    values: {
      START_TIME: {},
      END_TIME: {},
      NAME: {},
      STATUS: {},
      DURATION: { description: 'End time minus start time; a running run counts until the first page was read' },
      CREATOR: { description: 'The creator’s email; a user’s browser runs before those of each of their API keys' },
    } as const,
  });

  KeyValueRef(builder).implement({
    fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
  });

  const MetricRef = builder.objectRef<MetricPoint>('Metric').implement({
    description: 'A metric point; steps are 64-bit integers, so they are Floats here',
    fields: (t) => ({
      key: t.exposeString('key'),
      value: t.expose('value', { type: 'Double' }),
      step: t.exposeFloat('step'),
      timestamp: t.field({ type: 'DateTime', resolve: (m) => new Date(m.timestamp) }),
    }),
  });

  const DatasetInputRef = builder.objectRef<DatasetInput>('RunDatasetInput').implement({
    fields: (t) => ({
      name: t.string({ resolve: (d) => d.dataset.name }),
      digest: t.string({ resolve: (d) => d.dataset.digest }),
      sourceType: t.string({ resolve: (d) => d.dataset.sourceType }),
      source: t.string({ resolve: (d) => d.dataset.source }),
      schema: t.string({ nullable: true, resolve: (d) => d.dataset.schema }),
      profile: t.string({ nullable: true, resolve: (d) => d.dataset.profile }),
      tags: t.field({ type: [KeyValueRef(builder)], resolve: (d) => d.tags }),
    }),
  });

  ExperimentRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      lifecycleStage: t.field({ type: LifecycleStageEnum, resolve: (e) => e.lifecycleStage }),
      isDefault: t.exposeBoolean('isDefault', { description: 'The experiment MLflow clients reach as "0"' }),
      createdAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.createdAt) }),
      updatedAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.updatedAt) }),
      tags: t.field({ type: [KeyValueRef(builder)], resolve: (e) => e.tags }),
      project: t.field({
        type: ProjectRef(builder),
        resolve: async (e, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('projects', e.projectId, (ids) => getProjects(tenant, ids))) ?? getProject(tenant, e.projectId);
        },
      }),
    }),
  });

  RunRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      experimentId: t.exposeID('experimentId'),
      name: t.exposeString('name'),
      status: t.field({ type: RunStatusEnum, resolve: (r) => r.status }),
      lifecycleStage: t.field({ type: LifecycleStageEnum, resolve: (r) => r.lifecycleStage }),
      startTime: t.field({ type: 'DateTime', resolve: (r) => new Date(r.startTime) }),
      endTime: t.field({ type: 'DateTime', nullable: true, resolve: (r) => ms(r.endTime) }),
      createdByApiKeyId: t.id({ nullable: true, resolve: (r) => r.createdByApiKey }),
      createdBy: t.field({
        type: ActorRef(builder),
        nullable: true,
        description: 'The user, or the API key, that created the run; null when neither exists any more',
        resolve: (r) => (r.creator.user || r.creator.apiKey ? r.creator : null),
      }),
      params: t.field({ type: [KeyValueRef(builder)], resolve: (r) => r.params }),
      tags: t.field({ type: [KeyValueRef(builder)], resolve: (r) => r.tags }),
      latestMetrics: t.field({ type: [MetricRef], description: 'Each metric at its highest step', resolve: (r) => r.latestMetrics }),
      keyMetric: t.field({
        type: MetricRef,
        nullable: true,
        description: 'The one metric that sums the run up in a list: a held-out score by a common name (auc, accuracy, f1, …) before a training one, else the first by name',
        resolve: (r) => keyMetric(r.latestMetrics),
      }),
      singleValueMetrics: t.stringList({
        description: 'The keys of metrics logged exactly once (a final score rather than a curve), sorted',
        resolve: async (r, _a, ctx) => {
          if (r.latestMetrics.length === 0) return [];
          const tenant = await ctx.tenant();
          return (await ctx.batch('singleValueMetrics', r.id, (ids) => getSingleValueMetrics(tenant, ids))) ?? [];
        },
      }),
      inputs: t.field({ type: [DatasetInputRef], resolve: (r) => r.inputs }),
      experiment: t.field({
        type: ExperimentRef(builder),
        resolve: async (r, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('experiments', r.experimentId, (ids) => getExperiments(tenant, ids))) ?? getExperiment(tenant, r.experimentId);
        },
      }),
    }),
  });

  const SeriesPointRef = builder.objectRef<SeriesPoint>('SeriesPoint').implement({
    fields: (t) => ({
      step: t.exposeFloat('step'),
      value: t.expose('value', { type: 'Double' }),
      timestamp: t.field({ type: 'DateTime', resolve: (p) => new Date(p.timestamp) }),
    }),
  });

  const SeriesBucketRef = builder.objectRef<SeriesBucket>('SeriesBucket').implement({
    fields: (t) => ({
      fromStep: t.exposeFloat('fromStep'),
      toStep: t.exposeFloat('toStep'),
      count: t.exposeInt('count'),
      min: t.field({ type: SeriesPointRef, resolve: (b) => b.min }),
      max: t.field({ type: SeriesPointRef, resolve: (b) => b.max }),
    }),
  });

  const MetricSeriesRef = builder.objectRef<MetricSeries>('MetricSeries').implement({
    fields: (t) => ({
      key: t.exposeString('key'),
      points: t.field({ type: [SeriesPointRef], resolve: (s) => s.points }),
      buckets: t.field({ type: [SeriesBucketRef], description: 'Empty unless downsampled', resolve: (s) => s.buckets }),
      downsampled: t.exposeBoolean('downsampled'),
      totalPoints: t.exposeInt('totalPoints'),
      minStep: t.exposeFloat('minStep', { nullable: true }),
      maxStep: t.exposeFloat('maxStep', { nullable: true }),
    }),
  });

  const StringConditionInput = builder.inputType('StringCondition', {
    fields: (t) => ({ key: t.string({ required: true }), op: t.field({ type: StringOpEnum, required: true }), value: t.string({ required: true }) }),
  });
  const NumberConditionInput = builder.inputType('NumberCondition', {
    fields: (t) => ({ key: t.string({ required: true }), op: t.field({ type: NumberOpEnum, required: true }), value: t.float({ required: true }) }),
  });
  const RunFilterInput = builder.inputType('RunFilter', {
    description: 'Conditions are AND-ed. Metrics compare each run’s latest value.',
    fields: (t) => ({
      status: t.field({ type: [RunStatusEnum] }),
      nameLike: t.string({ description: 'SQL LIKE pattern on the run name' }),
      params: t.field({ type: [StringConditionInput] }),
      tags: t.field({ type: [StringConditionInput] }),
      metrics: t.field({ type: [NumberConditionInput] }),
      viewType: t.field({ type: RunViewTypeEnum }),
    }),
  });
  const RunOrderByInput = builder.inputType('RunOrderBy', {
    description: 'Exactly one of metric, param, tag or attribute',
    fields: (t) => ({
      metric: t.string(),
      param: t.string(),
      tag: t.string(),
      attribute: t.field({ type: RunAttributeEnum }),
      ascending: t.boolean({ defaultValue: false }),
    }),
  });

  type RunFilterShape = typeof RunFilterInput.$inferInput;
  type RunOrderShape = typeof RunOrderByInput.$inferInput;

  function toClauses(f: RunFilterShape | null | undefined): FilterClause[] {
    if (!f) return [];
    const out: FilterClause[] = [];
    if (f.status?.length) out.push({ entity: 'attribute', key: 'status', op: 'IN', value: [...f.status] });
    if (f.nameLike) out.push({ entity: 'attribute', key: 'run_name', op: 'LIKE', value: f.nameLike });
    for (const c of f.params ?? []) out.push({ entity: 'param', key: c.key, op: OPS[c.op], value: c.value });
    for (const c of f.tags ?? []) out.push({ entity: 'tag', key: c.key, op: OPS[c.op], value: c.value });
    for (const c of f.metrics ?? []) out.push({ entity: 'metric', key: c.key, op: OPS[c.op], value: c.value });
    return out;
  }

  function toOrder(o: RunOrderShape): OrderBy {
    const given = [o.metric, o.param, o.tag, o.attribute].filter((x) => x != null);
    if (given.length !== 1) throw new AppError('BAD_USER_INPUT', 'Each orderBy names exactly one of metric, param, tag or attribute');
    const ascending = o.ascending ?? false;
    if (o.metric) return { entity: 'metric', key: o.metric, ascending };
    if (o.param) return { entity: 'param', key: o.param, ascending };
    if (o.tag) return { entity: 'tag', key: o.tag, ascending };
    return { entity: 'attribute', key: ATTRIBUTES[o.attribute!], ascending };
  }

  builder.queryFields((t) => ({
    experiments: t.connection({
      type: ExperimentRef(builder),
      authScopes: { permission: 'experiment:read' },
      args: { projectId: t.arg.id({ required: true }), includeDeleted: t.arg.boolean({ defaultValue: false }) },
      resolve: async (_r, args, ctx) => {
        const page = pageArgs(args);
        const res = await searchExperiments(await ctx.tenant(), {
          projectId: String(args.projectId),
          afterId: page.after,
          maxResults: page.first + 1,
          viewType: args.includeDeleted ? 'ALL' : 'ACTIVE_ONLY',
        });
        return toConnection(res.experiments, page.first, (e) => e.id);
      },
    }),
    experiment: t.field({
      type: ExperimentRef(builder),
      authScopes: { permission: 'experiment:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => getExperiment(await ctx.tenant(), String(id)),
    }),
    runs: t.connection(
      {
        type: RunRef(builder),
        description: 'Sorted by orderBy, then newest first, then by run ID, so every order is total',
        authScopes: { permission: 'run:read' },
        args: {
          experimentId: t.arg.id({ required: true }),
          filter: t.arg({ type: RunFilterInput }),
          orderBy: t.arg({ type: [RunOrderByInput] }),
        },
        resolve: async (_r, args, ctx, info) => {
          const page = pageArgs(args);
          const { offset, asOf } = parseRunCursor(page.after);
          const res = await searchRuns(await ctx.tenant(), {
            experimentIds: [String(args.experimentId)],
            where: toClauses(args.filter),
            orderBy: (args.orderBy ?? []).map(toOrder),
            viewType: args.filter?.viewType ?? 'ACTIVE_ONLY',
            maxResults: page.first,
            offset,
            asOf,
            withTotalCount: selects(info, 'totalCount'),
          });
          const edges = res.runs.map((node, i) => ({ node, cursor: runCursor(offset + i, res.asOf) }));
          return {
            edges,
            pageInfo: { hasNextPage: res.nextPageToken != null, hasPreviousPage: offset > 0, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
            totalCount: res.totalCount,
          };
        },
      },
      {
        fields: (c) => ({
          totalCount: c.int({ description: 'Every run that matches the filter, on all pages', resolve: (conn) => conn.totalCount ?? 0 }),
        }),
      },
    ),
    run: t.field({
      type: RunRef(builder),
      authScopes: { permission: 'run:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => getRun(await ctx.tenant(), String(id)),
    }),
    recentRuns: t.field({
      type: [RunRef(builder)],
      description: 'The newest runs across every experiment of the organization, newest first; deleted runs are left out',
      authScopes: { permission: 'run:read' },
      args: { first: t.arg.int({ defaultValue: 5, description: 'At most 50' }) },
      resolve: async (_r, { first }, ctx) => listRecentRuns(await ctx.tenant(), { first: first ?? 5 }),
    }),
    metricSeries: t.field({
      type: MetricSeriesRef,
      description: 'A metric downsampled for charts: at most maxPoints points keeping each bucket’s min and max; a narrower step range gives finer detail',
      authScopes: { permission: 'run:read' },
      args: {
        runId: t.arg.id({ required: true }),
        key: t.arg.string({ required: true }),
        maxPoints: t.arg.int({ defaultValue: 1000 }),
        minStep: t.arg.float(),
        maxStep: t.arg.float(),
      },
      resolve: async (_r, a, ctx) =>
        getMetricSeries(await ctx.tenant(), { runId: String(a.runId), key: a.key, maxPoints: a.maxPoints ?? 1000, minStep: a.minStep, maxStep: a.maxStep }),
    }),
  }));

  const CreateExperimentInput = builder.inputType('CreateExperimentInput', {
    fields: (t) => ({ projectId: t.id({ required: true }), name: t.string({ required: true }), tags: t.field({ type: [KeyValueInput(builder)] }) }),
  });
  const CreateRunInput = builder.inputType('CreateRunInput', {
    fields: (t) => ({
      experimentId: t.id({ required: true }),
      name: t.string(),
      startTime: t.field({ type: 'DateTime' }),
      tags: t.field({ type: [KeyValueInput(builder)] }),
    }),
  });
  const UpdateRunInput = builder.inputType('UpdateRunInput', {
    fields: (t) => ({ runId: t.id({ required: true }), status: t.field({ type: RunStatusEnum }), endTime: t.field({ type: 'DateTime' }), name: t.string() }),
  });
  const MetricInput = builder.inputType('MetricInput', {
    fields: (t) => ({
      key: t.string({ required: true }),
      value: t.field({ type: 'Double', required: true }),
      step: t.float({ description: 'Default 0' }),
      timestamp: t.field({ type: 'DateTime', description: 'Default now' }),
    }),
  });
  const LogBatchInput = builder.inputType('LogBatchInput', {
    description: 'Up to 1000 metrics, 100 params and 100 tags; all or nothing, and safe to retry',
    fields: (t) => ({
      runId: t.id({ required: true }),
      metrics: t.field({ type: [MetricInput] }),
      params: t.field({ type: [KeyValueInput(builder)] }),
      tags: t.field({ type: [KeyValueInput(builder)] }),
    }),
  });
  const LogBatchPayload = builder.objectRef<{ metricsWritten: number }>('LogBatchPayload').implement({
    fields: (t) => ({ metricsWritten: t.exposeInt('metricsWritten', { description: 'Points received; a retried batch stores no duplicates' }) }),
  });

  builder.mutationFields((t) => ({
    createExperiment: t.field({
      type: ExperimentRef(builder),
      authScopes: { permission: 'experiment:write' },
      args: { input: t.arg({ type: CreateExperimentInput, required: true }) },
      resolve: async (_r, { input }, ctx) => createExperiment(await ctx.tenant(), { projectId: String(input.projectId), name: input.name, tags: input.tags ?? [] }),
    }),
    createRun: t.field({
      type: RunRef(builder),
      authScopes: { permission: 'run:write' },
      args: { input: t.arg({ type: CreateRunInput, required: true }) },
      resolve: async (_r, { input }, ctx) =>
        createRun(await ctx.tenant(), { experimentId: String(input.experimentId), runName: input.name, startTime: input.startTime?.getTime(), tags: input.tags ?? [] }),
    }),
    updateRun: t.field({
      type: RunRef(builder),
      authScopes: { permission: 'run:write' },
      args: { input: t.arg({ type: UpdateRunInput, required: true }) },
      resolve: async (_r, { input }, ctx) =>
        updateRun(await ctx.tenant(), { runId: String(input.runId), status: input.status, endTime: input.endTime?.getTime(), runName: input.name }),
    }),
    logBatch: t.field({
      type: LogBatchPayload,
      authScopes: { permission: 'run:write' },
      args: { input: t.arg({ type: LogBatchInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const now = Date.now();
        return logBatch(await ctx.tenant(), {
          runId: String(input.runId),
          metrics: (input.metrics ?? []).map((m) => ({ key: m.key, value: m.value, step: m.step ?? 0, timestamp: m.timestamp?.getTime() ?? now })),
          params: input.params ?? [],
          tags: input.tags ?? [],
        });
      },
    }),
  }));
}
