import { NextResponse } from 'next/server';
import { AppError, HTTP_STATUS, isAppError } from '@/core/errors';
import { createLogger } from '@/core/observability/logger';

const log = createLogger('http');

/** The JSON error body every non-GraphQL route returns. */
export function errorResponse(e: unknown, requestId: string): NextResponse {
  const err = isAppError(e) ? e : new AppError('INTERNAL', 'Internal server error');
  if (!isAppError(e)) log.error('unhandled error', { error: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) });
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (err.retryAfterSeconds) headers['retry-after'] = String(err.retryAfterSeconds);
  return NextResponse.json(
    { error: { code: err.code, message: err.message, ...(err.fields.length ? { fields: err.fields } : {}) } },
    { status: HTTP_STATUS[err.code], headers },
  );
}
