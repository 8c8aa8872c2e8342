import { and, asc, eq, getTableColumns, gt, inArray, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { projects } from '../../db/schema';
import { withTenant } from '../../db/with-tenant';
import { AppError, forbidden, notFound } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { descriptionSchema, idSchema, nameSchema, parseInput, slugify } from '../validation';
import { assertCan, can, type TenantContext } from './context';
import { findTeam, teamRoleOf } from './teams';

export const createProjectInput = z.object({
  teamId: idSchema('Team ID'),
  name: nameSchema('Project name', 80),
  description: descriptionSchema,
});

const scope = (ctx: TenantContext) => ({ orgId: ctx.orgId, userId: ctx.actor.userId });

/** Members create projects in teams they belong to; admins in any team. */
export async function createProject(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'project:create');
  const data = parseInput(createProjectInput, input);
  const id = newId('project');
  return withTenant(scope(ctx), async (tx) => {
    const team = await findTeam(tx, ctx, data.teamId);
    if (!can(ctx, 'team:manage-members') && !(await teamRoleOf(tx, ctx, team.id))) {
      throw forbidden(`Join the team "${team.name}" to create projects in it`);
    }
    const inserted = await tx
      .insert(projects)
      .values({ id, orgId: ctx.orgId, teamId: team.id, name: data.name, slug: slugify(data.name), description: data.description, createdBy: ctx.actor.userId })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) {
      throw new AppError('CONFLICT', `A project named like "${data.name}" already exists`, { fields: [{ path: 'name', message: 'Already taken' }] });
    }
    await recordAudit(tx, ctx, { action: 'project.create', targetType: 'project', targetId: id, data: { name: data.name, teamId: team.id } });
    return inserted[0]!;
  });
}

export async function listProjects(ctx: TenantContext, opts: { first: number; after?: string | null; teamId?: string | null }) {
  assertCan(ctx, 'project:read');
  return withTenant(scope(ctx), (tx) =>
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

/**
 * {@link listProjects} for many teams in one query: each team's page (up to `first + 1`
 * projects after `after`, in ID order). Teams of other organizations map to nothing.
 */
export async function listProjectsOfTeams(ctx: TenantContext, teamIds: readonly string[], page: { first: number; after?: string | null }) {
  assertCan(ctx, 'project:read');
  const ids = [...new Set(teamIds)];
  const out = new Map<string, (typeof projects.$inferSelect)[]>();
  if (ids.length === 0) return out;
  return withTenant(scope(ctx), async (tx) => {
    const ranked = tx
      .select({ ...getTableColumns(projects), n: sql<number>`row_number() over (partition by ${projects.teamId} order by ${projects.id})`.as('n') })
      .from(projects)
      .where(and(eq(projects.orgId, ctx.orgId), inArray(projects.teamId, ids), page.after ? gt(projects.id, page.after) : undefined))
      .as('ranked');
    const rows = await tx.select().from(ranked).where(lte(ranked.n, page.first + 1)).orderBy(asc(ranked.id));
    for (const { n: _n, ...p } of rows) out.set(p.teamId, [...(out.get(p.teamId) ?? []), p]);
    return out;
  });
}

/** Many projects by ID in one query; IDs not in the caller's organization map to nothing. */
export async function getProjects(ctx: TenantContext, projectIds: readonly string[]) {
  assertCan(ctx, 'project:read');
  const ids = [...new Set(projectIds)];
  if (ids.length === 0) return new Map<string, typeof projects.$inferSelect>();
  return withTenant(scope(ctx), async (tx) => {
    const rows = await tx.select().from(projects).where(and(eq(projects.orgId, ctx.orgId), inArray(projects.id, ids)));
    return new Map(rows.map((p) => [p.id, p]));
  });
}

export async function getProject(ctx: TenantContext, projectId: string) {
  assertCan(ctx, 'project:read');
  return withTenant(scope(ctx), async (tx) => {
    const [p] = await tx.select().from(projects).where(and(eq(projects.id, projectId), eq(projects.orgId, ctx.orgId)));
    if (!p) throw notFound('Project');
    return p;
  });
}
