// GET /api/artifacts/<runId>/<path>: one run artifact for the browser (artifacts browser, previews), by session or API key.
import type { NextRequest } from 'next/server';
import { downloadArtifact } from '@/core/artifacts/download-artifact';
import { withRequestId } from '@/core/observability/logger';
import { artifactResponse } from '@/app/lib/artifact-http';
import { requestTenant } from '@/app/lib/auth';
import { errorResponse } from '@/app/lib/errors';
import { requestMeta } from '@/app/lib/request-meta';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest, { params }: { params: Promise<{ runId: string; path: string[] }> }) {
  const meta = requestMeta(req.headers);
  return withRequestId(meta.requestId, async () => {
    try {
      const { runId, path } = await params;
      // Browsers cannot set headers on <img src>, so the organization may also come from `?org=`.
      const ctx = await requestTenant(req.headers, meta, { orgId: req.nextUrl.searchParams.get('org') });
      return artifactResponse(req, await downloadArtifact(ctx, { runId, path: path.join('/') }), { 'x-request-id': meta.requestId });
    } catch (e) {
      return errorResponse(e, meta.requestId);
    }
  });
}
