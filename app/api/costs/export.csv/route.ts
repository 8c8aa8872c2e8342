// GET /api/costs/export.csv?from=<ISO>&to=<ISO>[&teamId=…&projectId=…]: the ledger lines of a range as CSV, streamed, by session or API key.
import type { NextRequest } from 'next/server';
import { costLinesCsv } from '@/core/costs/export';
import { AppError } from '@/core/errors';
import { withRequestId } from '@/core/observability/logger';
import { requestTenant } from '@/app/lib/auth';
import { errorResponse } from '@/app/lib/errors';
import { requestMeta } from '@/app/lib/request-meta';

export const dynamic = 'force-dynamic';

const FILTERS = ['teamId', 'projectId', 'userId', 'modelId', 'modelVersionId', 'clusterId', 'deploymentId', 'jobId', 'runId', 'gpuType'] as const;

function instant(q: URLSearchParams, name: 'from' | 'to'): Date {
  const v = q.get(name);
  const d = v ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw new AppError('BAD_USER_INPUT', `Give \`${name}\` as an ISO 8601 instant, e.g. 2026-12-01T00:00:00Z`, { fields: [{ path: name, message: 'An ISO 8601 instant' }] });
  return d;
}

export async function GET(req: NextRequest) {
  const meta = requestMeta(req.headers);
  return withRequestId(meta.requestId, async () => {
    try {
      const q = req.nextUrl.searchParams;
      const ctx = await requestTenant(req.headers, meta, { orgId: q.get('org') });
      const filter = Object.fromEntries(FILTERS.flatMap((k) => (q.get(k) ? [[k, q.get(k)!]] : [])));
      const from = instant(q, 'from');
      const to = instant(q, 'to');
      const lines = await costLinesCsv(ctx, { range: { from, to }, filter });
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        // About 64 KiB per chunk: rows are small, and a chunk per row would make a large export crawl.
        async pull(controller) {
          let chunk = '';
          while (chunk.length < 65_536) {
            const next = await lines.next();
            if (next.done) {
              if (chunk) controller.enqueue(encoder.encode(chunk));
              controller.close();
              return;
            }
            chunk += next.value;
          }
          controller.enqueue(encoder.encode(chunk));
        },
        async cancel() {
          await lines.return(undefined);
        },
      });
      const name = `gantry-costs-${from.toISOString().slice(0, 10)}-to-${to.toISOString().slice(0, 10)}.csv`;
      return new Response(body, {
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store', 'x-request-id': meta.requestId },
      });
    } catch (e) {
      return errorResponse(e, meta.requestId);
    }
  });
}
