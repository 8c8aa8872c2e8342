// GET|POST /api/auth/*: next-auth (credentials sign-in, session, sign-out), with sign-in rate limited per IP.
import NextAuth from 'next-auth';
import { NextResponse, type NextRequest } from 'next/server';
import { consumeRateLimit } from '@/core/auth/rate-limit';
import { env } from '@/config/env';
import { authOptions } from '@/app/lib/auth';
import { errorResponse } from '@/app/lib/errors';
import { requestMeta } from '@/app/lib/request-meta';

const handler = NextAuth(authOptions);

type Ctx = { params: Promise<{ nextauth: string[] }> };

export const GET = handler;

export async function POST(req: NextRequest, ctx: Ctx) {
  const { nextauth } = await ctx.params;
  if (nextauth.join('/') === 'callback/credentials') {
    const meta = requestMeta(req.headers);
    try {
      await consumeRateLimit([{ key: `signin:ip:${meta.ip ?? 'unknown'}`, limit: env().RATE_LIMIT_AUTH_PER_MINUTE, windowSeconds: 60 }]);
    } catch (e) {
      const res = errorResponse(e, meta.requestId);
      // next-auth's client signIn() reads `url` from the JSON answer (and throws without one);
      // with it, `signIn(..., { redirect: false })` resolves to { status: 429, error: 'RATE_LIMITED' }.
      const body = (await res.json()) as { error: { code: string } };
      const url = new URL(`/signin?error=${body.error.code}`, req.nextUrl.origin).toString();
      return NextResponse.json({ ...body, url }, { status: res.status, headers: res.headers });
    }
  }
  return handler(req, ctx);
}
