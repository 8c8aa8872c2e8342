import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { projects } from '../../db/schema';
import { withTenant } from './with-tenant';
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


/** Members create projects in teams they belong to; admins in any team. */
export async function createProject(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'project:create');
  const data = parseInput(createProjectInput, input);
  const id = newId('project');
  return withTenant(ctx, async (tx) => {
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
