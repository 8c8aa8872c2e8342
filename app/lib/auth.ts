import { getServerSession, type NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { verifyCredentials } from '@/core/auth/verify-credentials';
import { env } from '@/core/config/env';
import type { Actor } from '@/core/tenancy/context';

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
