import { matchRegistryRoute } from '../../registry/mlflow/dispatch';
import { AppError, isAppError, type ErrorCode } from '../../errors';
import type { TenantContext } from '../../tenancy/context';
import { createExperiment } from '../create-experiment';
import { createRun } from '../create-run';
import { deleteRunTag } from '../delete-run-tag';
import { getExperiment, getExperimentByName } from '../get-experiment';
import { getMetricHistory } from '../get-metric-history';
import { getRun } from '../get-run';
import { logBatch } from '../log-batch';
import { logInputs } from '../log-inputs';
import { searchExperiments } from '../search-experiments';
import { searchRuns } from '../search-runs';
import { deleteExperiment, restoreExperiment } from '../set-experiment-lifecycle';
import { deleteRun, restoreRun } from '../set-run-lifecycle';
import { updateExperiment } from '../update-experiment';
import { updateRun } from '../update-run';
import { mlflowExperiment, mlflowMetric, mlflowRun, mlflowRunInfo } from './serialize';

/**
 * MLflow's tracking REST API (`/api/2.0/mlflow/...`) mapped onto the tracking use
 * cases. Transport-free: the route handler authenticates, resolves the tenant and
 * hands over the method, path, query and JSON body; this module only translates
 * field names and shapes between MLflow's protocol and the core.
 */

/** GET parameters arrive as strings (lists as repeated keys); POST bodies as protobuf JSON. */
export type MlflowParams = Record<string, unknown>;

export interface MlflowResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: TenantContext, p: MlflowParams) => Promise<unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : Array.isArray(v) ? str(v[0]) : String(v));
const optStr = (v: unknown): string | null => (v == null || v === '' ? null : str(v));
const list = (v: unknown): string[] => (v == null ? [] : Array.isArray(v) ? v.map(str) : [str(v)]);
/** int64 as MLflow sends it: a JSON number, or a string in protobuf JSON and query strings. */
const optInt = (v: unknown, what: string): number | null => {
  if (v == null || v === '') return null;
  const s = str(v);
  if (!/^-?\d+$/.test(s.trim())) throw new AppError('BAD_USER_INPUT', `${what} must be an integer, got '${s.slice(0, 40)}'`);
  return Number(s);
};
const runIdOf = (p: MlflowParams) => str(p.run_id ?? p.run_uuid);
const keyValues = (v: unknown) =>
  (Array.isArray(v) ? v : []).map((t) => ({ key: (t as { key?: unknown })?.key, value: str((t as { value?: unknown })?.value) }));
const viewType = (v: unknown) => {
  const s = optStr(v);
  if (s == null) return undefined;
  // Enums may arrive by name or by number.
  return ({ '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL' } as Record<string, string>)[s] ?? s;
};

const ok = {};

const ROUTES: Record<string, Handler> = {
  'POST experiments/create': async (ctx, p) => ({
    experiment_id: (await createExperiment(ctx, { name: str(p.name), tags: keyValues(p.tags) })).id,
  }),
  'GET experiments/get': async (ctx, p) => ({ experiment: mlflowExperiment(await getExperiment(ctx, str(p.experiment_id))) }),
  'GET experiments/get-by-name': async (ctx, p) => ({ experiment: mlflowExperiment(await getExperimentByName(ctx, str(p.experiment_name))) }),
  'POST experiments/search': async (ctx, p) => {
    const page = await searchExperiments(ctx, {
      filter: optStr(p.filter),
      orderBy: list(p.order_by),
      viewType: viewType(p.view_type),
      maxResults: optInt(p.max_results, 'max_results') ?? undefined,
      pageToken: optStr(p.page_token),
    });
    return { experiments: page.experiments.map(mlflowExperiment), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  },
  'POST experiments/update': async (ctx, p) => {
    await updateExperiment(ctx, { experimentId: str(p.experiment_id), name: optStr(p.new_name) });
    return ok;
  },
  'POST experiments/delete': async (ctx, p) => {
    await deleteExperiment(ctx, str(p.experiment_id));
    return ok;
  },
  'POST experiments/restore': async (ctx, p) => {
    await restoreExperiment(ctx, str(p.experiment_id));
    return ok;
  },
  'POST experiments/set-experiment-tag': async (ctx, p) => {
    await updateExperiment(ctx, { experimentId: str(p.experiment_id), setTags: [{ key: p.key, value: str(p.value) }] });
    return ok;
  },
  'POST experiments/delete-experiment-tag': async (ctx, p) => {
    await updateExperiment(ctx, { experimentId: str(p.experiment_id), deleteTagKeys: [str(p.key)] });
    return ok;
  },

  'POST runs/create': async (ctx, p) => ({
    run: mlflowRun(
      await createRun(ctx, {
        experimentId: str(p.experiment_id ?? '0') || '0',
        runName: optStr(p.run_name),
        startTime: optInt(p.start_time, 'start_time'),
        clientUser: optStr(p.user_id),
        tags: keyValues(p.tags),
      }),
    ),
  }),
  'GET runs/get': async (ctx, p) => ({ run: mlflowRun(await getRun(ctx, runIdOf(p))) }),
  'POST runs/update': async (ctx, p) => ({
    run_info: mlflowRunInfo(
      await updateRun(ctx, { runId: runIdOf(p), status: optStr(p.status), endTime: optInt(p.end_time, 'end_time'), runName: optStr(p.run_name) }),
    ),
  }),
  'POST runs/delete': async (ctx, p) => {
    await deleteRun(ctx, runIdOf(p));
    return ok;
  },
  'POST runs/restore': async (ctx, p) => {
    await restoreRun(ctx, runIdOf(p));
    return ok;
  },
  'POST runs/search': async (ctx, p) => {
    const page = await searchRuns(ctx, {
      experimentIds: list(p.experiment_ids),
      filter: optStr(p.filter),
      orderBy: list(p.order_by),
      viewType: viewType(p.run_view_type),
      maxResults: optInt(p.max_results, 'max_results') ?? undefined,
      pageToken: optStr(p.page_token),
    });
    return { runs: page.runs.map(mlflowRun), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  },
  'POST runs/log-metric': async (ctx, p) => {
    await logBatch(ctx, { runId: runIdOf(p), metrics: [{ key: p.key, value: p.value, timestamp: p.timestamp ?? Date.now(), step: p.step ?? 0 }] });
    return ok;
  },
  'POST runs/log-parameter': async (ctx, p) => {
    await logBatch(ctx, { runId: runIdOf(p), params: [{ key: p.key, value: str(p.value) }] });
    return ok;
  },
  'POST runs/set-tag': async (ctx, p) => {
    await logBatch(ctx, { runId: runIdOf(p), tags: [{ key: p.key, value: str(p.value) }] });
    return ok;
  },
  'POST runs/delete-tag': async (ctx, p) => {
    await deleteRunTag(ctx, { runId: runIdOf(p), key: str(p.key) });
    return ok;
  },
  'POST runs/log-batch': async (ctx, p) => {
    const metrics = (Array.isArray(p.metrics) ? p.metrics : []).map((m: Record<string, unknown>) => ({ ...m, step: m?.step ?? 0 }));
    await logBatch(ctx, { runId: runIdOf(p), metrics, params: keyValues(p.params), tags: keyValues(p.tags) });
    return ok;
  },
  'POST runs/log-inputs': async (ctx, p) => {
    const datasets = (Array.isArray(p.datasets) ? p.datasets : []).map((d: Record<string, unknown>) => {
      const ds = (d?.dataset ?? {}) as Record<string, unknown>;
      return {
        tags: keyValues(d?.tags),
        dataset: { name: ds.name, digest: ds.digest, sourceType: ds.source_type, source: str(ds.source), schema: optStr(ds.schema), profile: optStr(ds.profile) },
      };
    });
    await logInputs(ctx, { runId: runIdOf(p), datasets });
    return ok;
  },
  'GET metrics/get-history': async (ctx, p) => {
    const page = await getMetricHistory(ctx, {
      runId: runIdOf(p),
      key: str(p.metric_key),
      maxResults: optInt(p.max_results, 'max_results'),
      pageToken: optStr(p.page_token),
    });
    return { metrics: page.metrics.map(mlflowMetric), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  },
};
// Older clients search experiments with GET.
ROUTES['GET experiments/search'] = ROUTES['POST experiments/search']!;

/** `METHOD path` of every route, for coverage tests. */
export const MLFLOW_ROUTE_KEYS: readonly string[] = Object.keys(ROUTES);

const KNOWN_PATHS = new Set(Object.keys(ROUTES).map((k) => k.slice(k.indexOf(' ') + 1)));

export type MlflowRoute = { kind: 'ok'; handler: Handler } | { kind: 'not_found' } | { kind: 'method_not_allowed' };

/** `path` is what follows `/api/2.0/mlflow/`, e.g. `runs/log-batch`. */
export function matchMlflowRoute(method: string, path: string): MlflowRoute {
  const clean = path.replace(/^\/+|\/+$/g, '');
  const handler = ROUTES[`${method.toUpperCase()} ${clean}`];
  if (handler) return { kind: 'ok', handler };
  if (KNOWN_PATHS.has(clean)) return { kind: 'method_not_allowed' };
  // The model registry and MLflow 3 logged models live in their own dispatcher.
  return matchRegistryRoute(method, clean);
}

export async function runMlflowRoute(handler: Handler, ctx: TenantContext, params: MlflowParams): Promise<MlflowResponse> {
  return { status: 200, body: await handler(ctx, params) };
}

/** MLflow's error codes and statuses for Gantry's: the one place REST errors are mapped. */
const MLFLOW_ERRORS: Record<ErrorCode, { code: string; status: number }> = {
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', status: 401 },
  FORBIDDEN: { code: 'PERMISSION_DENIED', status: 403 },
  NOT_FOUND: { code: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  BAD_USER_INPUT: { code: 'INVALID_PARAMETER_VALUE', status: 400 },
  CONFLICT: { code: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  BUDGET_EXCEEDED: { code: 'RESOURCE_EXHAUSTED', status: 402 },
  PLAN_LIMIT_EXCEEDED: { code: 'RESOURCE_EXHAUSTED', status: 402 },
  RATE_LIMITED: { code: 'REQUEST_LIMIT_EXCEEDED', status: 429 },
  QUERY_TOO_COMPLEX: { code: 'INVALID_PARAMETER_VALUE', status: 400 },
  UNAVAILABLE: { code: 'TEMPORARILY_UNAVAILABLE', status: 503 },
  INTERNAL: { code: 'INTERNAL_ERROR', status: 500 },
};

/** `{error_code, message}` with the matching status. Anything but an AppError is an internal error with no detail. */
export function mlflowError(e: unknown): MlflowResponse {
  const err = isAppError(e) ? e : new AppError('INTERNAL', 'Internal server error');
  const m = MLFLOW_ERRORS[err.code];
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds) headers['retry-after'] = String(err.retryAfterSeconds);
  if (err.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
  return { status: m.status, body: { error_code: m.code, message: err.message }, headers };
}

export const endpointNotFound = (method: string, path: string): MlflowResponse => ({
  status: 404,
  body: { error_code: 'ENDPOINT_NOT_FOUND', message: `No MLflow endpoint ${method.toUpperCase()} /api/2.0/mlflow/${path.replace(/^\/+/, '').slice(0, 200)}` },
});

export const methodNotAllowed = (method: string, path: string): MlflowResponse => ({
  status: 405,
  body: { error_code: 'BAD_REQUEST', message: `${method.toUpperCase()} is not allowed on /api/2.0/mlflow/${path.replace(/^\/+/, '').slice(0, 200)}` },
});
