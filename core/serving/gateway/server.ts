import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { checkAgainstSignature, formatInferResponse, formatModelMetadata, OipError, parseInferRequest, selectOutputs } from '../../../rules/serving/oip';
import { formatMlflowPredictions, parseMlflowScoringRequest } from '../../../rules/serving/mlflow-scoring';
import { chooseArm, type Arm, type VersionRef } from '../../../rules/serving/routing';
import type { InferInput, Tensor } from '../../../rules/serving/tensors';
import { authenticateApiKey } from '../../auth/authenticate-api-key';
import { HTTP_STATUS, isAppError } from '../../errors';
import { createLogger } from '../../observability/logger';
import { can, type RequestMeta } from '../../tenancy/context';
import { resolveTenantContext } from '../../tenancy/resolve-context';
import { ModelInputError, ModelUnavailableError, type ModelRuntime } from '../model-runtime';
import { gatewayMetrics, type GatewayMetrics } from './metrics';
import { ModelPool, poolKey, type PooledModel } from './model-pool';
import { PredictionLog } from './prediction-log';
import { RoutingTable, type Route, type RouteVersion } from './routing-table';
import type { ArtifactStore } from '../../artifacts/artifact-store';

const log = createLogger('gateway');

/** The header naming the model version that answered (and the arm it answered on). */
export const VERSION_HEADER = 'x-gantry-model-version';
export const ARM_HEADER = 'x-gantry-arm';
/** Samples larger than this (as JSON) are not kept: the log is for distributions, not for payload archives. */
const SAMPLE_MAX_CHARS = 64 * 1024;

export interface GatewayOptions {
  store: ArtifactStore;
  runtimes: Partial<Record<ModelRuntime['kind'], ModelRuntime>>;
  cacheDir: string;
  maxPayloadBytes: number;
  /** Requests per second per deployment when the deployment sets none. */
  defaultRateLimitPerSecond: number;
  random?: () => number;
  routing?: RoutingTable;
  predictionLog?: PredictionLog;
}

export interface Gateway {
  server: Server;
  routing: RoutingTable;
  pool: ModelPool;
  predictionLog: PredictionLog;
  metrics: GatewayMetrics;
  /** Stops accepting, writes what is queued, closes every model. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Protocol = 'oip' | 'mlflow';

/** One token bucket per deployment, per gateway replica: refilled continuously at the deployment's rate, holding one second's worth. */
class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; rate: number }>();
  take(key: string, rate: number): boolean {
    const now = Date.now();
    let b = this.buckets.get(key);
    if (!b || b.rate !== rate) {
      b = { tokens: rate, at: now, rate };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1]!.trim() : null;
}

/** The body, read with plain listeners: an async iterator over the request costs more than the small bodies most predictions send. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (e: Error | null) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (e) reject(e);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) done(new HttpError(413, `The request body is over ${maxBytes} bytes`));
      else chunks.push(c);
    };
    const onEnd = () => done(null);
    const onError = (e: Error) => done(e);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, `The request body is ${declared} bytes; at most ${maxBytes} are accepted`);
  const body = await readBody(req, maxBytes);
  if (!body.length) throw new HttpError(400, 'The request has no body: send a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sample(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text.length <= SAMPLE_MAX_CHARS ? value : null;
}

/** The sticky key of a request: a header, or the first element of a named input. */
function stickyKey(route: Route, req: IncomingMessage, input: InferInput): string | null {
  const s = route.policy.sticky;
  if (!s) return null;
  if (s.source === 'header') {
    const v = req.headers[s.name.toLowerCase()];
    return typeof v === 'string' && v ? v : null;
  }
  const t = input.inputs.find((i) => i.name === s.name);
  return t && t.data.length ? String(t.data[0]) : null;
}

/**
 * The inference gateway: Open Inference Protocol v2 (`/v2/...`) and MLflow's scoring shape
 * (`/deployments/<name>/invocations`) over plain `node:http`, routing each request by its deployment's
 * traffic policy to a loaded model version. Authentication is an API key with the `inference` scope (or
 * `admin`); deployments are looked up in the key's organization only, so another organization's
 * deployment is a 404 like one that does not exist.
 */
export function createGateway(opts: GatewayOptions): Gateway {
  const routing = opts.routing ?? new RoutingTable();
  const pool = new ModelPool({ store: opts.store, runtimes: opts.runtimes, cacheDir: opts.cacheDir });
  const predictionLog = opts.predictionLog ?? new PredictionLog();
  const metrics = gatewayMetrics({ pool: () => pool, log: () => predictionLog });
  const limiter = new RateLimiter();
  /** The arm role that answered each response, for the latency histogram. */
  const answeredBy = new WeakMap<ServerResponse, string>();
  const random = opts.random ?? Math.random;

  routing.onChange = (deploymentId) => {
    // A version no cached route names any more is closed; one still wanted stays warm; the changed
    // deployment's versions start loading now rather than on their first request.
    const routes = routing.routes();
    void pool.retain(new Set(routes.flatMap((r) => [...r.versions.keys()].map((v) => poolKey(r, v)))));
    // Only a ready deployment: one still provisioning has no model servers to reach yet.
    for (const r of routes) if (r.status === 'ready' && (deploymentId === null || r.deploymentId === deploymentId)) for (const v of r.versions.values()) pool.warm(v, r);
  };

  async function authorize(req: IncomingMessage, requestId: string): Promise<string> {
    const key = bearer(req);
    if (!key) throw new HttpError(401, 'Provide an API key with the inference scope: Authorization: Bearer <key>', { 'www-authenticate': 'Bearer' });
    const meta: RequestMeta = { requestId, ip: req.socket.remoteAddress ?? null, userAgent: req.headers['user-agent'] ?? null };
    const actor = await authenticateApiKey(key, meta, { perKeyLimit: false });
    const ctx = await resolveTenantContext(actor, null, meta);
    if (!can(ctx, 'deployment:predict')) throw new HttpError(403, 'This API key may not call deployments: create one with the inference scope');
    return ctx.orgId;
  }

  async function routeOf(orgId: string, name: string): Promise<Route> {
    const route = await routing.get(orgId, decodeURIComponent(name));
    if (!route) throw new HttpError(404, `Deployment '${decodeURIComponent(name).slice(0, 100)}' not found`);
    if (route.status === 'provisioning') throw new HttpError(503, `Deployment '${route.name}' is provisioning: its model servers are starting`, { 'retry-after': '5' });
    if (route.status === 'failed') throw new HttpError(503, `Deployment '${route.name}' failed to start${route.statusMessage ? `: ${route.statusMessage}` : ''}`);
    return route;
  }

  function versionOf(route: Route, ref: VersionRef): RouteVersion {
    const v = route.versions.get(ref.versionId);
    if (!v) throw new HttpError(503, `Version ${ref.version} of '${route.name}' is being changed; retry`);
    return v;
  }

  function pinned(route: Route, versionText: string): { version: RouteVersion; arm: Arm['role'] | 'pinned' } {
    const n = Number(versionText);
    const ref = [...route.policy.arms, ...route.policy.shadows].find((a) => String(a.version) === versionText || a.version === n);
    if (!ref) throw new HttpError(404, `Version ${versionText.slice(0, 20)} is not served by deployment '${route.name}'`);
    return { version: versionOf(route, ref), arm: 'pinned' };
  }

  async function predict(model: PooledModel, input: InferInput): Promise<Tensor[]> {
    checkAgainstSignature(input, { inputs: model.model.inputs, outputs: model.model.outputs });
    const outputs = await model.model.infer(input);
    return selectOutputs(outputs, input.outputs);
  }

  function mirror(route: Route, input: InferInput, requestId: string, protocol: Protocol): void {
    for (const s of route.policy.shadows) {
      const began = performance.now();
      const version = route.versions.get(s.versionId);
      if (!version) continue;
      // After the caller's response: a shadow can neither change nor delay it.
      setImmediate(() => {
        void pool
          .get(version, route)
          .then((m) => predict(m, input))
          .then(
            (outputs) => {
              metrics.shadows.inc({ outcome: 'ok' });
              record(route, version, 'shadow', requestId, protocol, began, 200, null, input, outputs, true);
            },
            (e: unknown) => {
              metrics.shadows.inc({ outcome: 'error' });
              const { status, message } = describeError(e);
              record(route, version, 'shadow', requestId, protocol, began, status, message, input, null, true);
            },
          );
      });
    }
  }

  function record(route: Route, version: RouteVersion, arm: string, requestId: string, protocol: Protocol, began: number, status: number, error: string | null, input: InferInput | null, outputs: Tensor[] | null, forceSample = false): void {
    const sampled = forceSample || random() < route.sampleRate;
    predictionLog.add({
      orgId: route.orgId,
      deploymentId: route.deploymentId,
      modelVersionId: version.id,
      version: version.version,
      arm,
      requestId,
      protocol,
      at: new Date(),
      latencyMs: performance.now() - began,
      status,
      error: error?.slice(0, 1000) ?? null,
      inputs: sampled && input ? sample(input.inputs) : null,
      outputs: sampled && outputs ? sample(outputs) : null,
    });
  }

  /** Infer on a routed (or pinned) version; records the prediction whatever happens after routing. */
  async function infer(req: IncomingMessage, res: ServerResponse, orgId: string, name: string, versionText: string | null, protocol: Protocol, requestId: string, began: number): Promise<number> {
    const route = await routeOf(orgId, name);
    const rate = route.rateLimitPerSecond ?? opts.defaultRateLimitPerSecond;
    if (!limiter.take(route.deploymentId, rate)) throw new HttpError(429, `Deployment '${route.name}' takes at most ${rate} requests per second`, { 'retry-after': '1' });
    const body = await readJson(req, opts.maxPayloadBytes);
    let target: { version: RouteVersion; arm: string } | null = versionText ? pinned(route, versionText) : null;
    let input: InferInput | null = null;
    let outputs: Tensor[] | null = null;
    try {
      if (protocol === 'oip') {
        input = parseInferRequest(body);
        target ??= (() => {
          const arm = chooseArm(route.policy, { stickyKey: stickyKey(route, req, input!), random });
          return { version: versionOf(route, arm), arm: arm.role };
        })();
        const model = await pool.get(target.version, route);
        outputs = await predict(model, input);
      } else {
        // MLflow's shapes carry no tensor types: they are read against the model's inputs, so the model is chosen first.
        const arm = target ? null : chooseArm(route.policy, { stickyKey: route.policy.sticky?.source === 'header' ? stickyKey(route, req, { inputs: [] }) : null, random });
        target ??= { version: versionOf(route, arm!), arm: arm!.role };
        const model = await pool.get(target.version, route);
        input = parseMlflowScoringRequest(body, model.model.inputs);
        outputs = await predict(model, input);
      }
    } catch (e) {
      if (target) {
        const { status, message } = describeError(e);
        record(route, target.version, target.arm, requestId, protocol, began, status, message, input, null);
      }
      throw e;
    }
    // Both are set when nothing was thrown.
    const [done, answer] = [input!, outputs!];
    const headers = { [VERSION_HEADER]: String(target.version.version), [ARM_HEADER]: target.arm, 'x-request-id': requestId };
    answeredBy.set(res, target.arm);
    if (protocol === 'oip') send(res, 200, formatInferResponse({ modelName: route.name, modelVersion: String(target.version.version), id: done.id ?? requestId, outputs: answer }), headers);
    else send(res, 200, formatMlflowPredictions(answer), headers);
    record(route, target.version, target.arm, requestId, protocol, began, 200, null, done, answer);
    if (!versionText) mirror(route, done, requestId, protocol);
    return 200;
  }

  async function metadata(res: ServerResponse, orgId: string, name: string, versionText: string | null): Promise<number> {
    const route = await routeOf(orgId, name);
    const target = versionText ? pinned(route, versionText).version : versionOf(route, route.policy.arms.find((a) => a.role === 'stable') ?? route.policy.arms[0]!);
    const model = await pool.get(target, route);
    send(
      res,
      200,
      formatModelMetadata({
        name: route.name,
        versions: route.policy.arms.map((a) => String(a.version)),
        platform: model.runtime === 'onnx' ? 'onnxruntime' : 'mlserver_mlflow',
        inputs: model.model.inputs,
        outputs: model.model.outputs,
      }),
      { [VERSION_HEADER]: String(target.version) },
    );
    return 200;
  }

  async function modelReady(res: ServerResponse, orgId: string, name: string, versionText: string | null): Promise<number> {
    const route = await routeOf(orgId, name);
    const targets = versionText ? [pinned(route, versionText).version] : route.policy.arms.filter((a) => a.weight > 0).map((a) => versionOf(route, a));
    // Asking is also loading: a deployment nobody called yet is warmed by its readiness probe.
    const states = await Promise.all(targets.map((v) => pool.get(v, route).then((m) => m.model.ready(), () => false)));
    const ready = states.every(Boolean);
    send(res, ready ? 200 : 503, { name: route.name, ready });
    return ready ? 200 : 503;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<{ status: number; protocol: Protocol }> {
    const began = performance.now();
    const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || randomUUID();
    const url = new URL(req.url ?? '/', 'http://gateway');
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    let protocol: Protocol = 'oip';
    try {
      if (method === 'GET' && p === '/v2/health/live') return (send(res, 200, { live: true }), { status: 200, protocol });
      if (method === 'GET' && p === '/v2/health/ready') {
        const ready = routing.live;
        send(res, ready ? 200 : 503, { ready });
        return { status: ready ? 200 : 503, protocol };
      }
      if (method === 'GET' && p === '/v2') return (send(res, 200, { name: 'gantry-gateway', version: '2', extensions: [] }), { status: 200, protocol });
      if (method === 'GET' && p === '/metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
        return { status: 200, protocol };
      }
      let m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/infer|\/ready)?$/.exec(p);
      if (m) {
        const [, name, version, action] = m;
        const orgId = await authorize(req, requestId);
        if (action === '/infer') {
          if (method !== 'POST') throw new HttpError(405, 'Use POST to infer');
          return { status: await infer(req, res, orgId, name!, version ?? null, 'oip', requestId, began), protocol };
        }
        if (method !== 'GET') throw new HttpError(405, `Use GET for ${action ? 'readiness' : 'model metadata'}`);
        return { status: action === '/ready' ? await modelReady(res, orgId, name!, version ?? null) : await metadata(res, orgId, name!, version ?? null), protocol };
      }
      m = /^\/deployments\/([^/]+)(?:\/versions\/([^/]+))?\/(invocations|ping)$/.exec(p);
      if (m) {
        protocol = 'mlflow';
        const [, name, version, action] = m;
        const orgId = await authorize(req, requestId);
        if (action === 'ping') {
          if (method !== 'GET') throw new HttpError(405, 'Use GET for ping');
          return { status: await modelReady(res, orgId, name!, version ?? null), protocol };
        }
        if (method !== 'POST') throw new HttpError(405, 'Use POST for invocations');
        return { status: await infer(req, res, orgId, name!, version ?? null, 'mlflow', requestId, began), protocol };
      }
      throw new HttpError(404, `No route for ${method} ${p.slice(0, 200)}`);
    } catch (e) {
      const { status, message, headers } = describeError(e);
      if (status >= 500 && !(e instanceof ModelUnavailableError) && !(e instanceof HttpError)) log.error('request failed', { path: p, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      if (!res.headersSent) send(res, status, { error: message }, { 'x-request-id': requestId, ...headers });
      return { status, protocol };
    } finally {
      // Requests whose body was not read (refused early) still close cleanly.
      req.resume();
    }
  }

  const server = createServer((req, res) => {
    const began = performance.now();
    void handle(req, res).then(({ status, protocol }) => {
      metrics.requests.inc({ protocol, code: String(status) });
      metrics.duration.observe({ protocol, arm: answeredBy.get(res) ?? 'none' }, (performance.now() - began) / 1000);
    });
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    routing,
    pool,
    predictionLog,
    metrics,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await routing.stop();
      await predictionLog.close();
      await pool.close();
    },
  };
}

/** Any error as the HTTP status and message a caller sees; internal failures say nothing of their cause. */
export function describeError(e: unknown): { status: number; message: string; headers: Record<string, string> } {
  if (e instanceof HttpError) return { status: e.status, message: e.message, headers: e.headers };
  if (e instanceof OipError) return { status: e.status, message: e.message, headers: {} };
  if (e instanceof ModelInputError) return { status: 400, message: e.message, headers: {} };
  if (e instanceof ModelUnavailableError) return { status: 503, message: e.message, headers: { 'retry-after': '5' } };
  if (isAppError(e)) return { status: HTTP_STATUS[e.code], message: e.message, headers: e.code === 'RATE_LIMITED' ? { 'retry-after': '60' } : {} };
  return { status: 500, message: 'Internal error', headers: {} };
}
