import { eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import { withoutTenant } from './with-tenant';
import { signUp } from '../auth/sign-up';
import { systemMeta } from './context';
import { resolveTenantContext } from './resolve-context';
import { createProject } from './create-project';
import { createTeam } from './create-team';

export const DEMO_LOGIN = { email: 'demo@gantry.dev', password: 'gantry-demo-2026', orgName: 'Demo ML Org' } as const;

/** Creates the demo organization once; later starts find it and change nothing. */
export async function seedDemo(): Promise<{ email: string; password: string; orgName: string; created: boolean }> {
  const existing = await withoutTenant((tx) => tx.select({ id: users.id }).from(users).where(eq(users.email, DEMO_LOGIN.email)));
  if (existing.length > 0) return { ...DEMO_LOGIN, created: false };
  const meta = systemMeta('seed');
  const { userId, orgId } = await signUp(meta, {
    email: DEMO_LOGIN.email,
    name: 'Demo User',
    password: DEMO_LOGIN.password,
    organizationName: DEMO_LOGIN.orgName,
  });
  const ctx = await resolveTenantContext({ kind: 'user', userId, email: DEMO_LOGIN.email }, orgId, meta);
  const team = await createTeam(ctx, { name: 'Recommendations', description: 'Ranking and retrieval models' });
  await createProject(ctx, { teamId: team.id, name: 'Home feed ranking', description: 'Click-through model for the home feed' });
  await createProject(ctx, { teamId: team.id, name: 'Similar items', description: 'Item-to-item retrieval' });
  return { ...DEMO_LOGIN, created: true };
}
