// GET|PUT|DELETE /api/2.0/mlflow-artifacts/artifacts[/<experimentId>/<runId>/artifacts/<path>]: MLflow's proxied artifact API (list, download, upload, delete).
import { NextResponse, type NextRequest } from 'next/server';
import { deleteArtifacts } from '@/core/artifacts/delete-artifacts';
import { downloadArtifact } from '@/core/artifacts/download-artifact';
import { listArtifacts } from '@/core/artifacts/list-artifacts';
import { parseMlflowArtifactPath } from '@/core/artifacts/mlflow-artifact-path';
import { uploadArtifact } from '@/core/artifacts/upload-artifact';
import { isAppError } from '@/core/errors';
import { createLogger, withRequestId } from '@/core/observability/logger';
import type { TenantContext } from '@/core/tenancy/context';
import { mlflowError } from '@/core/tracking/mlflow/dispatch';
import { artifactResponse, declaredLength, requestBodyStream } from '@/app/lib/artifact-http';
import { MLFLOW_UNAUTHENTICATED, requestTenant } from '@/app/lib/auth';
import { requestMeta } from '@/app/lib/request-meta';

export const dynamic = 'force-dynamic';

const log = createLogger('mlflow-artifacts');

type Params = { params: Promise<{ path?: string[] }> };

const tenant = (req: NextRequest, meta: ReturnType<typeof requestMeta>): Promise<TenantContext> =>
  requestTenant(req.headers, meta, { unauthenticatedMessage: MLFLOW_UNAUTHENTICATED });

/** Authenticates, runs `fn`, and turns any failure into MLflow's `{error_code, message}`. */
async function handle(req: NextRequest, fn: (ctx: TenantContext) => Promise<Response>): Promise<Response> {
  const meta = requestMeta(req.headers);
  return withRequestId(meta.requestId, async () => {
    try {
      const res = await fn(await tenant(req, meta));
      res.headers.set('x-request-id', meta.requestId);
      return res;
    } catch (e) {
      if (!isAppError(e)) log.error('unhandled error', { path: req.nextUrl.pathname, error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) });
      // Whatever part of an upload body was not read is discarded with the request.
      const r = mlflowError(e);
      return NextResponse.json(r.body, { status: r.status, headers: { ...r.headers, 'x-request-id': meta.requestId } });
    }
  });
}

const joined = async (params: Params['params']) => ((await params).path ?? []).join('/');

export async function GET(req: NextRequest, { params }: Params) {
  const raw = await joined(params);
  return handle(req, async (ctx) => {
    if (!raw) {
      // List: `?path=<experimentId>/<runId>/artifacts[/dir]`; names are relative to that directory, as MLflow answers.
      const address = parseMlflowArtifactPath(req.nextUrl.searchParams.get('path') ?? '');
      const entries = await listArtifacts(ctx, address);
      const files = entries.map((e) => {
        const name = e.path.split('/').pop()!;
        return e.isDir ? { path: name, is_dir: true } : { path: name, is_dir: false, file_size: e.size };
      });
      return NextResponse.json({ files });
    }
    const address = parseMlflowArtifactPath(raw);
    return artifactResponse(req, await downloadArtifact(ctx, address));
  });
}

export async function PUT(req: NextRequest, { params }: Params) {
  const raw = await joined(params);
  return handle(req, async (ctx) => {
    const address = parseMlflowArtifactPath(raw);
    await uploadArtifact(ctx, {
      ...address,
      body: requestBodyStream(req),
      contentType: req.headers.get('content-type'),
      contentLength: declaredLength(req),
    });
    return NextResponse.json({});
  });
}

export async function DELETE(req: NextRequest, { params }: Params) {
  const raw = await joined(params);
  return handle(req, async (ctx) => {
    await deleteArtifacts(ctx, parseMlflowArtifactPath(raw));
    return NextResponse.json({});
  });
}
