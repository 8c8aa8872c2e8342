import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import {
  apiKeys,
  datasets,
  experimentTags,
  experiments,
  loggedModels,
  runInputs,
  runLatestMetrics,
  runModelOutputs,
  runParams,
  runs,
  runTags,
  users,
  type Experiment,
  type Run,
} from '../../db/schema';
import { AppError, forbidden, notFound } from '../errors';
import type { TenantContext } from '../tenancy/context';
import { ensureDefaultExperiment } from './default-experiment';

/** MLflow clients address the default experiment as "0". */
export const DEFAULT_EXPERIMENT_ALIAS = '0';


export interface KeyValue {
  key: string;
  value: string;
}

export interface MetricPoint {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export interface DatasetInput {
  dataset: { name: string; digest: string; sourceType: string; source: string; schema: string | null; profile: string | null };
  tags: KeyValue[];
}

export type ExperimentView = Experiment & { tags: KeyValue[] };

/** Who created a run: the user, and the API key when a tool logged it. Null parts no longer exist. */
export interface RunCreator {
  user: { id: string; email: string; name: string } | null;
  apiKey: { id: string; name: string; prefix: string } | null;
}

/** A logged model the run produced (MLflow's run outputs), with the step it was logged at. */
export interface ModelOutput {
  modelId: string;
  step: number;
}

export type RunView = Run & {
  params: KeyValue[];
  tags: KeyValue[];
  latestMetrics: MetricPoint[];
  inputs: DatasetInput[];
  outputs: ModelOutput[];
  creator: RunCreator;
};

/**
 * The experiment by ID within the tenant, or NOT_FOUND. RLS already hides other
 * tenants' rows; the explicit org filter keeps the query honest without it.
 * "0" names the default experiment, created on first use when the caller may write.
 */
export async function findExperiment(tx: Tx, ctx: TenantContext, id: string): Promise<Experiment> {
  if (id === DEFAULT_EXPERIMENT_ALIAS) {
    const found = await ensureDefaultExperiment(tx, ctx);
    if (!found) throw notFound(`Experiment with id '0'`);
    return found;
  }
  const [e] = await tx.select().from(experiments).where(and(eq(experiments.id, id), eq(experiments.orgId, ctx.orgId)));
  if (!e) throw notFound(`Experiment with id '${id.slice(0, 64)}'`);
  return e;
}

/**
 * A key bound to one run (the key a job's code logs with) writes to that run
 * only; every other actor is limited by its permissions alone.
 */
export function assertRunWritable(ctx: TenantContext, runId: string): void {
  const bound = ctx.actor.kind === 'api_key' ? ctx.actor.runId : null;
  if (bound && bound !== runId) throw forbidden(`This API key belongs to run ${bound} and may not write to run ${runId.slice(0, 64)}`);
}

/** `update` for changing the run; `key share` keeps it from being deleted while rows that refer to it are written. */
export type RunLock = 'update' | 'key share';

export const runNotFound = (id: string) => notFound(`Run with id '${id.slice(0, 64)}'`);

/** Logging to a deleted run is refused, as MLflow does. */
export const runNotActive = (id: string, stage: string) =>
  new AppError('BAD_USER_INPUT', `The run ${id} must be in the 'active' state. Current state is ${stage}.`);

/** The run, or NOT_FOUND; `forUpdate` (a write) also locks it and applies {@link assertRunWritable}. */
export async function findRun(tx: Tx, ctx: TenantContext, id: string, opts: { forUpdate?: boolean; lock?: RunLock } = {}): Promise<Run> {
  const q = tx.select().from(runs).where(and(eq(runs.id, id), eq(runs.orgId, ctx.orgId)));
  const lock = opts.lock ?? (opts.forUpdate ? 'update' : undefined);
  const [r] = lock ? await q.for(lock) : await q;
  if (!r) throw runNotFound(id);
  if (opts.forUpdate) assertRunWritable(ctx, r.id);
  return r;
}

export async function findActiveRun(tx: Tx, ctx: TenantContext, id: string, opts: { lock?: RunLock } = {}): Promise<Run> {
  const r = await findRun(tx, ctx, id, opts);
  assertRunWritable(ctx, r.id);
  if (r.lifecycleStage !== 'active') throw runNotActive(r.id, r.lifecycleStage);
  return r;
}

export async function loadExperimentViews(tx: Tx, rows: Experiment[]): Promise<ExperimentView[]> {
  if (rows.length === 0) return [];
  const tags = await tx
    .select()
    .from(experimentTags)
    .where(inArray(
      experimentTags.experimentId,
      rows.map((r) => r.id),
    ))
    .orderBy(asc(experimentTags.key));
  return rows.map((r) => ({ ...r, tags: tags.filter((t) => t.experimentId === r.id).map(({ key, value }) => ({ key, value })) }));
}

/** Params, tags, latest metrics, inputs, outputs and creators of many runs: one query for each, not one per run. */
export async function loadRunViews(tx: Tx, rows: Run[]): Promise<RunView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const userIds = [...new Set(rows.flatMap((r) => (r.createdBy ? [r.createdBy] : [])))];
  const keyIds = [...new Set(rows.flatMap((r) => (r.createdByApiKey ? [r.createdByApiKey] : [])))];
  const [params, tags, metrics, inputs, outputs, creators] = await Promise.all([
    tx.select().from(runParams).where(inArray(runParams.runId, ids)).orderBy(asc(runParams.key)),
    tx.select().from(runTags).where(inArray(runTags.runId, ids)).orderBy(asc(runTags.key)),
    tx.select().from(runLatestMetrics).where(inArray(runLatestMetrics.runId, ids)).orderBy(asc(runLatestMetrics.key)),
    tx
      .select({ runId: runInputs.runId, tags: runInputs.tags, dataset: datasets })
      .from(runInputs)
      .innerJoin(datasets, eq(datasets.id, runInputs.datasetId))
      .where(inArray(runInputs.runId, ids))
      .orderBy(asc(datasets.name), asc(datasets.digest)),
    // Deleted logged models are gone for every other read, so they are not outputs either.
    tx
      .select({ runId: runModelOutputs.runId, modelId: runModelOutputs.modelId, step: runModelOutputs.step })
      .from(runModelOutputs)
      .innerJoin(loggedModels, eq(loggedModels.id, runModelOutputs.modelId))
      .where(and(inArray(runModelOutputs.runId, ids), isNull(loggedModels.deletedAt)))
      .orderBy(asc(runModelOutputs.step), asc(runModelOutputs.modelId)),
    loadCreators(tx, userIds, keyIds),
  ]);
  const group = <T extends { runId: string }>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of list) m.set(x.runId, [...(m.get(x.runId) ?? []), x]);
    return m;
  };
  const p = group(params);
  const t = group(tags);
  const m = group(metrics);
  const i = group(inputs);
  const o = group(outputs);
  return rows.map((r) => ({
    ...r,
    params: (p.get(r.id) ?? []).map(({ key, value }) => ({ key, value })),
    tags: (t.get(r.id) ?? []).map(({ key, value }) => ({ key, value })),
    latestMetrics: (m.get(r.id) ?? []).map(({ key, value, step, timestamp }) => ({ key, value, step, timestamp })),
    inputs: (i.get(r.id) ?? []).map((x) => ({
      dataset: {
        name: x.dataset.name,
        digest: x.dataset.digest,
        sourceType: x.dataset.sourceType,
        source: x.dataset.source,
        schema: x.dataset.schema,
        profile: x.dataset.profile,
      },
      tags: Object.entries(x.tags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, value })),
    })),
    outputs: (o.get(r.id) ?? []).map(({ modelId, step }) => ({ modelId, step })),
    creator: {
      user: (r.createdBy && creators.users.get(r.createdBy)) || null,
      apiKey: (r.createdByApiKey && creators.keys.get(r.createdByApiKey)) || null,
    },
  }));
}

async function loadCreators(tx: Tx, userIds: string[], keyIds: string[]) {
  const [u, k] = await Promise.all([
    userIds.length ? tx.select({ id: users.id, email: users.email, name: users.name }).from(users).where(inArray(users.id, userIds)) : [],
    keyIds.length ? tx.select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix }).from(apiKeys).where(inArray(apiKeys.id, keyIds)) : [],
  ]);
  return { users: new Map(u.map((x) => [x.id, x])), keys: new Map(k.map((x) => [x.id, x])) };
}
