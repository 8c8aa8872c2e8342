import { addTeamMember } from '../../core/tenancy/add-team-member';
import { createTeam } from '../../core/tenancy/create-team';
import { getTeam } from '../../core/tenancy/get-team';
import { listMembersOfTeams, listTeamMembers } from '../../core/tenancy/list-team-members';
import { listTeams } from '../../core/tenancy/list-teams';
import { removeTeamMember } from '../../core/tenancy/remove-team-member';
import { listProjectsOfTeams } from '../../core/tenancy/list-projects';
import type { Team, TeamRole } from '../../db/schema';
import { sharedRef, type Builder } from '../builder';
import { pageArgs, toConnection } from '../pagination';
import { TeamRoleEnum } from './enums';
import { ProjectRef } from './project-ref';
import { UserRef } from './user';

export const TeamRef = sharedRef((builder) => builder.objectRef<Team>('Team'));

export function register(builder: Builder) {
  const TeamMemberRef = builder.objectRef<{ id: string; role: TeamRole; userId: string; email: string; name: string; createdAt: Date }>('TeamMember').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      role: t.expose('role', { type: TeamRoleEnum(builder) }),
      addedAt: t.expose('createdAt', { type: 'DateTime' }),
      user: t.field({ type: UserRef(builder), resolve: (m) => ({ id: m.userId, email: m.email, name: m.name }) }),
    }),
  });

  TeamRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      slug: t.exposeString('slug'),
      description: t.exposeString('description'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      members: t.field({
        type: [TeamMemberRef],
        resolve: async (team, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('teamMembers', team.id, (ids) => listMembersOfTeams(tenant, ids))) ?? listTeamMembers(tenant, team.id);
        },
      }),
      projects: t.connection({
        type: ProjectRef(builder),
        resolve: async (team, args, ctx) => {
          const page = pageArgs(args);
          const tenant = await ctx.tenant();
          // Sibling teams ask for the same page, so the page is part of the batch's name.
          const rows = await ctx.batch(`teamProjects:${page.first}:${page.after ?? ''}`, team.id, (ids) => listProjectsOfTeams(tenant, ids, page));
          return toConnection(rows ?? [], page.first, (p) => p.id);
        },
      }),
    }),
  });

  builder.queryFields((t) => ({
    teams: t.connection({
      type: TeamRef(builder),
      authScopes: { permission: 'team:read' },
      resolve: async (_r, args, ctx) => {
        const page = pageArgs(args);
        return toConnection(await listTeams(await ctx.tenant(), page), page.first, (x) => x.id);
      },
    }),
    team: t.field({
      type: TeamRef(builder),
      authScopes: { permission: 'team:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => getTeam(await ctx.tenant(), String(id)),
    }),
  }));

  const CreateTeamInput = builder.inputType('CreateTeamInput', {
    fields: (t) => ({ name: t.string({ required: true }), description: t.string() }),
  });
  const AddTeamMemberInput = builder.inputType('AddTeamMemberInput', {
    fields: (t) => ({
      teamId: t.id({ required: true }),
      userId: t.id({ required: true }),
      role: t.field({ type: TeamRoleEnum(builder), defaultValue: 'member' }),
    }),
  });
  const RemoveTeamMemberInput = builder.inputType('RemoveTeamMemberInput', {
    fields: (t) => ({ teamId: t.id({ required: true }), userId: t.id({ required: true }) }),
  });

  builder.mutationFields((t) => ({
    createTeam: t.field({
      type: TeamRef(builder),
      authScopes: { permission: 'team:create' },
      args: { input: t.arg({ type: CreateTeamInput, required: true }) },
      resolve: async (_r, { input }, ctx) => createTeam(await ctx.tenant(), { ...input, description: input.description ?? undefined }),
    }),
    addTeamMember: t.field({
      type: TeamRef(builder),
      description: 'Add a member of the organization to a team, or change their team role',
      authScopes: { authenticated: true },
      args: { input: t.arg({ type: AddTeamMemberInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const tenant = await ctx.tenant();
        await addTeamMember(tenant, { ...input, role: input.role ?? undefined });
        return getTeam(tenant, String(input.teamId));
      },
    }),
    removeTeamMember: t.field({
      type: TeamRef(builder),
      authScopes: { authenticated: true },
      args: { input: t.arg({ type: RemoveTeamMemberInput, required: true }) },
      resolve: async (_r, { input }, ctx) => removeTeamMember(await ctx.tenant(), input),
    }),
  }));
}
