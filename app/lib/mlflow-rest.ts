import { NextResponse, type NextRequest } from 'next/server';
import { AppError, isAppError } from '@/core/errors';
import { createLogger, withRequestId } from '@/core/observability/logger';
import { endpointNotFound, matchMlflowRoute, methodNotAllowed, mlflowError, runMlflowRoute, type MlflowParams, type MlflowResponse } from '@/core/tracking/mlflow/dispatch';
import { MLFLOW_UNAUTHENTICATED, requestTenant } from './auth';
import { requestMeta } from './request-meta';

const log = createLogger('mlflow');

/** log-batch at MLflow's limits (100 × 8000-char tags, 100 × 6000-char params, 1000 metrics) fits well inside this. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Below this, gzip costs more than it saves (the threshold of Next's compression, which cannot see a route's body size). */
const COMPRESS_FROM_BYTES = 1024;

function send(r: MlflowResponse, requestId: string): NextResponse {
  const body = JSON.stringify(r.body);
  const headers: Record<string, string> = { ...r.headers, 'content-type': 'application/json', 'x-request-id': requestId };
  // Most answers are tiny (`{}` for every log-batch); `no-transform` is the one signal Next's gzip honours.
  if (body.length < COMPRESS_FROM_BYTES) headers['cache-control'] = 'no-transform';
  return new NextResponse(body, { status: r.status, headers });
}

function queryParams(req: NextRequest): MlflowParams {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of req.nextUrl.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

async function bodyParams(req: NextRequest): Promise<MlflowParams> {
  const tooLarge = () => new AppError('BAD_USER_INPUT', `The request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge();
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('BAD_USER_INPUT', 'The request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AppError('BAD_USER_INPUT', 'The request body must be a JSON object');
  return parsed as MlflowParams;
}

/**
 * Handles `/api/2.0/mlflow/<path>`: unknown routes answer ENDPOINT_NOT_FOUND before
 * any credential check; then `Authorization: Bearer <API key>` (what MLFLOW_TRACKING_TOKEN
 * sends) or the browser session picks the tenant, and the core does the rest.
 */
export async function handleMlflow(req: NextRequest, { params }: { params: Promise<{ path: string[] }> }): Promise<NextResponse> {
  const meta = requestMeta(req.headers);
  return withRequestId(meta.requestId, async () => {
    const path = (await params).path.join('/');
    const route = matchMlflowRoute(req.method, path);
    if (route.kind === 'not_found') return send(endpointNotFound(req.method, path), meta.requestId);
    if (route.kind === 'method_not_allowed') return send(methodNotAllowed(req.method, path), meta.requestId);
    try {
      const ctx = await requestTenant(req.headers, meta, { unauthenticatedMessage: MLFLOW_UNAUTHENTICATED });
      const input = req.method === 'GET' ? queryParams(req) : await bodyParams(req);
      return send(await runMlflowRoute(route.handler, ctx, input), meta.requestId);
    } catch (e) {
      if (!isAppError(e)) log.error('unhandled error', { path, error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) });
      return send(mlflowError(e), meta.requestId);
    }
  });
}
