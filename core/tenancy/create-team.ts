import { teamMemberships, teams } from '../../db/schema';
import { withTenant } from './with-tenant';
import { AppError } from '../errors';
import { recordAudit } from '../governance/audit';
import { newId } from '../ids';
import { parseInput, slugify } from '../validation';
import { assertCan, type TenantContext } from './context';
import { createTeamInput } from './teams.schemas';

export async function createTeam(ctx: TenantContext, input: unknown) {
  assertCan(ctx, 'team:create');
  const data = parseInput(createTeamInput, input);
  const id = newId('team');
  return withTenant(ctx, async (tx) => {
    const inserted = await tx
      .insert(teams)
      .values({ id, orgId: ctx.orgId, name: data.name, slug: slugify(data.name), description: data.description })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) {
      throw new AppError('CONFLICT', `A team named like "${data.name}" already exists`, { fields: [{ path: 'name', message: 'Already taken' }] });
    }
    // The creator maintains the team they made.
    await tx.insert(teamMemberships).values({ id: newId('teamMembership'), orgId: ctx.orgId, teamId: id, userId: ctx.actor.userId, role: 'maintainer' });
    await recordAudit(tx, ctx, { action: 'team.create', targetType: 'team', targetId: id, data: { name: data.name } });
    return inserted[0]!;
  });
}
