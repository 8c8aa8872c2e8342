import { and, eq, inArray } from 'drizzle-orm';
import { projects } from '../../db/schema';
import { withTenant } from './with-tenant';
import { notFound } from '../errors';
import { assertCan, type TenantContext } from './context';

/** Many projects by ID in one query; IDs not in the caller's organization map to nothing. */
export async function getProjects(ctx: TenantContext, projectIds: readonly string[]) {
  assertCan(ctx, 'project:read');
  const ids = [...new Set(projectIds)];
  if (ids.length === 0) return new Map<string, typeof projects.$inferSelect>();
  return withTenant(ctx, async (tx) => {
    const rows = await tx.select().from(projects).where(and(eq(projects.orgId, ctx.orgId), inArray(projects.id, ids)));
    return new Map(rows.map((p) => [p.id, p]));
  });
}

export async function getProject(ctx: TenantContext, projectId: string) {
  assertCan(ctx, 'project:read');
  return withTenant(ctx, async (tx) => {
    const [p] = await tx.select().from(projects).where(and(eq(projects.id, projectId), eq(projects.orgId, ctx.orgId)));
    if (!p) throw notFound('Project');
    return p;
  });
}
