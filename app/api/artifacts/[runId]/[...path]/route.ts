// GET /api/artifacts/<runId>/<path>: one run artifact for the browser (artifacts browser, previews), by session or API key.
import type { NextRequest } from 'next/server';
import { downloadArtifact } from '@/core/artifacts/download-artifact';
import { authenticateApiKey } from '@/core/auth/authenticate-api-key';
import { AppError } from '@/core/errors';
import { withRequestId } from '@/core/observability/logger';
import { resolveTenantContext } from '@/core/tenancy/resolve-context';
import { artifactResponse } from '@/app/lib/artifact-http';
import { sessionActor } from '@/app/lib/auth';
import { errorResponse } from '@/app/lib/errors';
import { bearerToken, requestMeta } from '@/app/lib/request-meta';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest, { params }: { params: Promise<{ runId: string; path: string[] }> }) {
  const meta = requestMeta(req.headers);
  return withRequestId(meta.requestId, async () => {
    try {
      const { runId, path } = await params;
      const token = bearerToken(req.headers);
      const actor = token ? await authenticateApiKey(token, meta) : await sessionActor();
      if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in or provide a valid API key');
      // Browsers cannot set headers on <img src>, so the organization may also come from `?org=`.
      const org = req.headers.get('x-gantry-org') ?? req.nextUrl.searchParams.get('org');
      const ctx = await resolveTenantContext(actor, org && org.length <= 64 ? org : null, meta);
      return artifactResponse(req, await downloadArtifact(ctx, { runId, path: path.join('/') }), { 'x-request-id': meta.requestId });
    } catch (e) {
      return errorResponse(e, meta.requestId);
    }
  });
}
