import { AppError } from '../../errors';
import type { TenantContext } from '../../tenancy/context';
import { createLoggedModel } from '../create-logged-model';
import { createModelVersion } from '../create-model-version';
import { createRegisteredModel } from '../create-registered-model';
import { deleteLoggedModel } from '../delete-logged-model';
import { deleteModelAlias } from '../delete-model-alias';
import { deleteModelVersion } from '../delete-model-version';
import { deleteRegisteredModel } from '../delete-registered-model';
import { getLoggedModel } from '../get-logged-model';
import { getModelVersion } from '../get-model-version';
import { getRegisteredModel } from '../get-registered-model';
import { logRunOutputs } from '../log-run-outputs';
import { resolveModelUri } from '../resolve-model-uri';
import { searchLoggedModels } from '../search-logged-models';
import { searchModelVersions } from '../search-model-versions';
import { searchRegisteredModels } from '../search-registered-models';
import { setModelAlias } from '../set-model-alias';
import { updateLoggedModel } from '../update-logged-model';
import { updateModelVersion } from '../update-model-version';
import { updateRegisteredModel } from '../update-registered-model';
import { mlflowLoggedModel, mlflowModelVersion, mlflowRegisteredModel } from './serialize';

/**
 * MLflow's model registry and MLflow 3 logged-model endpoints, mapped onto the
 * registry use cases. The tracking dispatcher delegates here for paths it does not
 * know; errors are mapped there, once. Path parameters (`logged-models/{model_id}`)
 * are merged into the request parameters.
 */

type Params = Record<string, unknown>;
type Handler = (ctx: TenantContext, p: Params) => Promise<unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : Array.isArray(v) ? str(v[0]) : String(v));
const optStr = (v: unknown): string | null => (v == null || v === '' ? null : str(v));
const list = (v: unknown): string[] => (v == null ? [] : Array.isArray(v) ? v.map(str) : [str(v)]);
const optInt = (v: unknown, what: string): number | undefined => {
  if (v == null || v === '') return undefined;
  const s = str(v);
  if (!/^-?\d+$/.test(s.trim())) throw new AppError('BAD_USER_INPUT', `${what} must be an integer, got '${s.slice(0, 40)}'`);
  return Number(s);
};
const keyValues = (v: unknown) =>
  (Array.isArray(v) ? v : []).map((t) => ({ key: (t as { key?: unknown })?.key, value: str((t as { value?: unknown })?.value) }));
const byName = (p: Params) => ({ name: str(p.name) });
const truthy = (v: unknown) => v === true || str(v).toLowerCase() === 'true';

/** Enums arrive by name or number. */
const loggedModelStatus = (v: unknown): 'READY' | 'FAILED' => {
  const s = str(v);
  if (s === 'LOGGED_MODEL_READY' || s === '2') return 'READY';
  if (s === 'LOGGED_MODEL_UPLOAD_FAILED' || s === '3') return 'FAILED';
  throw new AppError('BAD_USER_INPUT', `A logged model can be finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED, not '${s.slice(0, 40)}'`);
};

const ok = {};

const ROUTES: Record<string, Handler> = {
  'POST registered-models/create': async (ctx, p) => ({
    registered_model: mlflowRegisteredModel(await createRegisteredModel(ctx, { name: str(p.name), description: optStr(p.description), tags: keyValues(p.tags) })),
  }),
  'GET registered-models/get': async (ctx, p) => ({ registered_model: mlflowRegisteredModel(await getRegisteredModel(ctx, byName(p))) }),
  'GET registered-models/search': async (ctx, p) => {
    const page = await searchRegisteredModels(ctx, {
      filter: optStr(p.filter),
      orderBy: list(p.order_by),
      maxResults: optInt(p.max_results, 'max_results'),
      pageToken: optStr(p.page_token),
    });
    return { registered_models: page.models.map((m) => mlflowRegisteredModel(m)), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  },
  'POST registered-models/rename': async (ctx, p) => ({
    registered_model: mlflowRegisteredModel(await updateRegisteredModel(ctx, { model: byName(p), newName: str(p.new_name) })),
  }),
  'PATCH registered-models/update': async (ctx, p) => ({
    registered_model: mlflowRegisteredModel(await updateRegisteredModel(ctx, { model: byName(p), description: str(p.description) })),
  }),
  'DELETE registered-models/delete': async (ctx, p) => {
    await deleteRegisteredModel(ctx, byName(p));
    return ok;
  },
  'POST registered-models/set-tag': async (ctx, p) => {
    await updateRegisteredModel(ctx, { model: byName(p), setTags: [{ key: p.key, value: str(p.value) }] });
    return ok;
  },
  'DELETE registered-models/delete-tag': async (ctx, p) => {
    await updateRegisteredModel(ctx, { model: byName(p), deleteTagKeys: [str(p.key)], requireTagsExist: true });
    return ok;
  },
  'POST registered-models/get-latest-versions': async (ctx, p) => {
    // Legacy stages: the newest version per requested stage (all stages when none are named).
    const stages = new Set(list(p.stages).map((s) => s.toLowerCase()));
    const page = await searchModelVersions(ctx, { model: byName(p), maxResults: 10_000 });
    const latest = new Map<string, (typeof page.versions)[number]>();
    for (const v of page.versions) if (!latest.has(v.stage) && (stages.size === 0 || stages.has(v.stage.toLowerCase()))) latest.set(v.stage, v);
    if (page.versions.length === 0) await getRegisteredModel(ctx, byName(p));
    return { model_versions: [...latest.values()].map(mlflowModelVersion) };
  },
  'POST registered-models/alias': async (ctx, p) => {
    await setModelAlias(ctx, { model: byName(p), alias: str(p.alias), version: str(p.version) });
    return ok;
  },
  'DELETE registered-models/alias': async (ctx, p) => {
    await deleteModelAlias(ctx, { model: byName(p), alias: str(p.alias) });
    return ok;
  },
  'GET registered-models/alias': async (ctx, p) => ({
    model_version: mlflowModelVersion((await resolveModelUri(ctx, `models:/${str(p.name)}@${str(p.alias)}`)).version),
  }),

  'POST model-versions/create': async (ctx, p) => ({
    model_version: mlflowModelVersion(
      await createModelVersion(ctx, { model: byName(p), source: str(p.source), runId: optStr(p.run_id), description: optStr(p.description), tags: keyValues(p.tags) }),
    ),
  }),
  'GET model-versions/get': async (ctx, p) => ({ model_version: mlflowModelVersion(await getModelVersion(ctx, { model: byName(p), version: str(p.version) })) }),
  'GET model-versions/search': async (ctx, p) => {
    const page = await searchModelVersions(ctx, {
      filter: optStr(p.filter),
      orderBy: list(p.order_by),
      maxResults: optInt(p.max_results, 'max_results'),
      pageToken: optStr(p.page_token),
    });
    return { model_versions: page.versions.map(mlflowModelVersion), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  },
  'PATCH model-versions/update': async (ctx, p) => ({
    model_version: mlflowModelVersion(await updateModelVersion(ctx, { model: byName(p), version: str(p.version), description: str(p.description) })),
  }),
  'POST model-versions/transition-stage': async (ctx, p) => ({
    model_version: mlflowModelVersion(await updateModelVersion(ctx, { model: byName(p), version: str(p.version), stage: str(p.stage) })),
  }),
  'DELETE model-versions/delete': async (ctx, p) => {
    await deleteModelVersion(ctx, { model: byName(p), version: str(p.version) });
    return ok;
  },
  'POST model-versions/set-tag': async (ctx, p) => {
    await updateModelVersion(ctx, { model: byName(p), version: str(p.version), setTags: [{ key: p.key, value: str(p.value) }] });
    return ok;
  },
  'DELETE model-versions/delete-tag': async (ctx, p) => {
    await updateModelVersion(ctx, { model: byName(p), version: str(p.version), deleteTagKeys: [str(p.key)], requireTagsExist: true });
    return ok;
  },
  'GET model-versions/get-download-uri': async (ctx, p) => ({
    artifact_uri: (await resolveModelUri(ctx, `models:/${str(p.name)}/${str(p.version)}`)).artifactLocation,
  }),

  'POST logged-models': async (ctx, p) => ({
    model: mlflowLoggedModel(
      await createLoggedModel(ctx, {
        experimentId: str(p.experiment_id ?? '0') || '0',
        name: optStr(p.name),
        modelType: optStr(p.model_type),
        sourceRunId: optStr(p.source_run_id),
        params: keyValues(p.params),
        tags: keyValues(p.tags),
      }),
    ),
  }),
  'GET logged-models/{model_id}': async (ctx, p) => ({ model: mlflowLoggedModel(await getLoggedModel(ctx, { modelId: str(p.model_id), allowDeleted: truthy(p.allow_deleted) })) }),
  'PATCH logged-models/{model_id}': async (ctx, p) => ({
    model: mlflowLoggedModel(await updateLoggedModel(ctx, { modelId: str(p.model_id), status: loggedModelStatus(p.status) })),
  }),
  'DELETE logged-models/{model_id}': async (ctx, p) => {
    await deleteLoggedModel(ctx, str(p.model_id));
    return ok;
  },
  'PATCH logged-models/{model_id}/tags': async (ctx, p) => {
    await updateLoggedModel(ctx, { modelId: str(p.model_id), setTags: keyValues(p.tags) });
    return ok;
  },
  'DELETE logged-models/{model_id}/tags/{tag_key}': async (ctx, p) => {
    await updateLoggedModel(ctx, { modelId: str(p.model_id), deleteTagKey: str(p.tag_key) });
    return ok;
  },
  'POST logged-models/{model_id}/params': async (ctx, p) => {
    await updateLoggedModel(ctx, { modelId: str(p.model_id), params: keyValues(p.params) });
    return ok;
  },
  'POST logged-models/search': async (ctx, p) => {
    const page = await searchLoggedModels(ctx, {
      experimentIds: list(p.experiment_ids),
      filter: optStr(p.filter),
      orderBy: (Array.isArray(p.order_by) ? p.order_by : []).map((o: Record<string, unknown>) => ({ field: str(o?.field_name), ascending: o?.ascending !== false })),
      maxResults: optInt(p.max_results, 'max_results'),
      pageToken: optStr(p.page_token),
    });
    return { models: page.models.map(mlflowLoggedModel), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  },
  'POST runs/outputs': async (ctx, p) => {
    const models = (Array.isArray(p.models) ? p.models : []).map((m: Record<string, unknown>) => ({ modelId: str(m?.model_id), step: m?.step ?? 0 }));
    await logRunOutputs(ctx, { runId: str(p.run_id), models });
    return ok;
  },
};

/** `METHOD path` of every registry route (path parameters in braces), for coverage tests. */
export const REGISTRY_ROUTE_KEYS: readonly string[] = Object.keys(ROUTES);

interface Pattern {
  method: string;
  parts: string[];
  handler: Handler;
}

const PATTERNS: Pattern[] = Object.entries(ROUTES).map(([k, handler]) => {
  const [method, path] = k.split(' ') as [string, string];
  return { method, parts: path.split('/'), handler };
});

/**
 * Literal segments win over parameters, so `logged-models/search` is never read as
 * the model ID "search". A parameter matches one non-empty segment.
 */
function matchPath(parts: string[], segments: string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segments[i]!;
    if (p.startsWith('{')) {
      if (!s) return null;
      // The route handler hands over decoded segments; decoding again would turn `%25` into `%`.
      out[p.slice(1, -1)] = s;
    } else if (p !== s) return null;
  }
  return out;
}

export type RegistryRoute = { kind: 'ok'; handler: Handler } | { kind: 'not_found' } | { kind: 'method_not_allowed' };

export function matchRegistryRoute(method: string, path: string): RegistryRoute {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  const m = method.toUpperCase();
  const candidates = PATTERNS.map((p) => ({ p, params: matchPath(p.parts, segments) })).filter((c) => c.params);
  // Prefer the pattern with the most literal segments for this method.
  const literalCount = (p: Pattern) => p.parts.filter((x) => !x.startsWith('{')).length;
  const hit = candidates.filter((c) => c.p.method === m).sort((a, b) => literalCount(b.p) - literalCount(a.p))[0];
  if (hit) {
    const pathParams = hit.params!;
    const handler: Handler = (ctx, p) => hit.p.handler(ctx, { ...p, ...pathParams });
    return { kind: 'ok', handler };
  }
  return candidates.length ? { kind: 'method_not_allowed' } : { kind: 'not_found' };
}
