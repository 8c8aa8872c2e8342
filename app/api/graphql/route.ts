// GET|POST /api/graphql: the GraphQL API, authenticated by browser session or `Authorization: Bearer <API key>`.
import { startServerAndCreateNextHandler } from '@as-integrations/next';
import { NextResponse, type NextRequest } from 'next/server';
import { AppError, HTTP_STATUS, isAppError } from '@/core/errors';
import { createLogger, withRequestId } from '@/core/observability/logger';
import { createGraphQLContext, type GraphQLContext } from '@/graphql/context';
import { apolloServer } from '@/graphql/server';
import { requestActor } from '@/app/lib/auth';
import { requestMeta } from '@/app/lib/request-meta';

export const dynamic = 'force-dynamic';

const contexts = new WeakMap<NextRequest, GraphQLContext>();
// Built on first request, not at import: `next build` imports this module without runtime configuration.
let apolloHandler: ((req: NextRequest) => Promise<Response>) | undefined;
const apollo = (req: NextRequest) => {
  apolloHandler ??= startServerAndCreateNextHandler<NextRequest, GraphQLContext>(apolloServer(), {
    context: async (r) => contexts.get(r)!,
  });
  return apolloHandler(req);
};

const log = createLogger('graphql');

/**
 * Credential failures answer before GraphQL runs, with the HTTP status they deserve. A failure that
 * is not about the credentials (the database, say) is logged and answered as the server's fault: a
 * 401 would tell the client its valid key is bad.
 */
function credentialError(e: unknown, requestId: string) {
  if (!isAppError(e)) log.error('authenticating the request failed', { err: e });
  const err = isAppError(e) ? e : new AppError('INTERNAL', 'Internal server error');
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (err.retryAfterSeconds) headers['retry-after'] = String(err.retryAfterSeconds);
  if (err.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
  return NextResponse.json({ errors: [{ message: err.message, extensions: { code: err.code } }] }, { status: HTTP_STATUS[err.code], headers });
}

async function handle(req: NextRequest) {
  const meta = requestMeta(req.headers);
  return withRequestId(meta.requestId, async () => {
    let actor;
    try {
      actor = await requestActor(req.headers, meta);
    } catch (e) {
      return credentialError(e, meta.requestId);
    }
    const org = req.headers.get('x-gantry-org');
    contexts.set(req, createGraphQLContext({ meta, actor, requestedOrgId: org && org.length <= 64 ? org : null }));
    const res = await apollo(req);
    res.headers.set('x-request-id', meta.requestId);
    return res;
  });
}

export { handle as GET, handle as POST };
