import { eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import { withoutTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';

/** The public profile of a user (never the password hash). */
export async function getUser(userId: string) {
  const [u] = await withoutTenant((tx) =>
    tx.select({ id: users.id, email: users.email, name: users.name, createdAt: users.createdAt }).from(users).where(eq(users.id, userId)),
  );
  if (!u) throw notFound('User');
  return u;
}
