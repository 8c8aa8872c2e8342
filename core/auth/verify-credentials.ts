import { eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import { withoutTenant } from '../tenancy/with-tenant';
import { dummyHash, verifyPassword } from './password';

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
}

/** Email + password check for sign-in. Same work whether or not the account exists. */
export async function verifyCredentials(email: unknown, password: unknown): Promise<SignedInUser | null> {
  if (typeof email !== 'string' || typeof password !== 'string') return null;
  if (email.length > 254 || password.length > 200) return null;
  const normalized = email.trim().toLowerCase();
  const user = await withoutTenant(async (tx) => {
    const [u] = await tx.select().from(users).where(eq(users.email, normalized));
    return u;
  });
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
  if (!user || !ok) return null;
  return { id: user.id, email: user.email, name: user.name };
}
