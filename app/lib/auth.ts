import { getServerSession, type NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { verifyCredentials } from '@/core/auth/verify-credentials';
import { env } from '@/config/env';
import { authenticateApiKey } from '@/core/auth/authenticate-api-key';
import { AppError } from '@/core/errors';
import type { Actor, RequestMeta, TenantContext } from '@/core/tenancy/context';
import { resolveTenantContext } from '@/core/tenancy/resolve-context';
import { bearerToken } from './request-meta';

declare module 'next-auth' {
  interface Session {
    user: { id: string; email: string; name: string };
  }
}

export const authOptions: NextAuthOptions = {
  // Read per request, not at import: `next build` imports this module without runtime secrets.
  get secret() {
    return env().AUTH_SECRET ?? process.env.NEXTAUTH_SECRET;
  },
  session: { strategy: 'jwt', maxAge: 7 * 24 * 3600 },
  pages: { signIn: '/signin' },
  providers: [
    CredentialsProvider({
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      authorize: async (credentials) => {
        const user = await verifyCredentials(credentials?.email, credentials?.password);
        return user ? { id: user.id, email: user.email, name: user.name } : null;
      },
    }),
  ],
  callbacks: {
    jwt: ({ token, user }) => {
      if (user) {
        token.uid = user.id;
        token.email = user.email;
        token.name = user.name;
      }
      return token;
    },
    session: ({ session, token }) => {
      session.user = { id: String(token.uid), email: String(token.email), name: String(token.name ?? '') };
      return session;
    },
  },
};

/** The signed-in browser user as an actor, or null. */
export async function sessionActor(): Promise<Actor | null> {
  const s = await getServerSession(authOptions);
  if (!s?.user?.id || s.user.id === 'undefined') return null;
  return { kind: 'user', userId: s.user.id, email: s.user.email };
}

/** The caller: `Authorization: Bearer <API key>` wins over the browser session; null when neither is present. */
export async function requestActor(headers: Headers, meta: RequestMeta): Promise<Actor | null> {
  const token = bearerToken(headers);
  return token ? authenticateApiKey(token, meta) : sessionActor();
}

/**
 * The caller inside the organization the request addresses (`x-gantry-org`, or `orgId`
 * where a header cannot be sent); an API key is always bound to its own organization.
 */
export async function requestTenant(
  headers: Headers,
  meta: RequestMeta,
  opts: { orgId?: string | null; unauthenticatedMessage?: string } = {},
): Promise<TenantContext> {
  const actor = await requestActor(headers, meta);
  if (!actor) throw new AppError('UNAUTHENTICATED', opts.unauthenticatedMessage ?? 'Sign in or provide a valid API key');
  const org = headers.get('x-gantry-org') ?? opts.orgId ?? null;
  return resolveTenantContext(actor, org && org.length <= 64 ? org : null, meta);
}

/** What the MLflow-compatible routes say when no credentials came with the request. */
export const MLFLOW_UNAUTHENTICATED = 'Provide a Gantry API key as MLFLOW_TRACKING_TOKEN (Authorization: Bearer <key>)';
