import { and, asc, eq, gt } from 'drizzle-orm';
import { projects } from '../../db/schema';
import { withTenant } from './with-tenant';
import { assertCan, type TenantContext } from './context';

export async function listProjects(ctx: TenantContext, opts: { first: number; after?: string | null; teamId?: string | null }) {
  assertCan(ctx, 'project:read');
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(projects)
      .where(
        and(
          eq(projects.orgId, ctx.orgId),
          opts.teamId ? eq(projects.teamId, opts.teamId) : undefined,
          opts.after ? gt(projects.id, opts.after) : undefined,
        ),
      )
      .orderBy(asc(projects.id))
      .limit(opts.first + 1),
  );
}
