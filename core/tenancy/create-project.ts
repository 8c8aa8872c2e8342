import { projects } from '../../db/schema';
import { withTenant } from './with-tenant';
import { AppError, forbidden } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { parseInput, slugify } from '../validation';
import { assertCan, can, type TenantContext } from './context';
import { findTeam, teamRoleOf } from './team-access';
import { createProjectInput } from './projects.schemas';

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
