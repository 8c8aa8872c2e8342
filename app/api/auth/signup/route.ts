// POST /api/auth/signup: create a user and their first organization; rate limited per IP.
import { NextResponse, type NextRequest } from 'next/server';
import { consumeRateLimit } from '@/core/auth/rate-limit';
import { signUp } from '@/core/auth/sign-up';
import { env } from '@/config/env';
import { AppError } from '@/core/errors';
import { errorResponse } from '@/app/lib/errors';
import { requestMeta } from '@/app/lib/request-meta';

export async function POST(req: NextRequest) {
  const meta = requestMeta(req.headers);
  try {
    await consumeRateLimit([{ key: `signup:ip:${meta.ip ?? 'unknown'}`, limit: env().RATE_LIMIT_AUTH_PER_MINUTE, windowSeconds: 60 }]);
    const body = await req.json().catch(() => {
      throw new AppError('BAD_USER_INPUT', 'Send a JSON body');
    });
    const result = await signUp(meta, body);
    return NextResponse.json({ userId: result.userId, organizationId: result.orgId, organizationSlug: result.orgSlug }, { status: 201, headers: { 'x-request-id': meta.requestId } });
  } catch (e) {
    return errorResponse(e, meta.requestId);
  }
}
