import { createProject } from '../../core/tenancy/create-project';
import { getProject } from '../../core/tenancy/get-project';
import { listProjects } from '../../core/tenancy/list-projects';
import { getTeam, getTeams } from '../../core/tenancy/get-team';
import type { Builder } from '../builder';
import { pageArgs, toConnection } from '../pagination';
import { ProjectRef } from './project-ref';
import { TeamRef } from './team';

export function register(builder: Builder) {
  ProjectRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      slug: t.exposeString('slug'),
      description: t.exposeString('description'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      team: t.field({
        type: TeamRef(builder),
        resolve: async (p, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('teams', p.teamId, (ids) => getTeams(tenant, ids))) ?? getTeam(tenant, p.teamId);
        },
      }),
    }),
  });

  builder.queryFields((t) => ({
    projects: t.connection({
      type: ProjectRef(builder),
      authScopes: { permission: 'project:read' },
      args: { teamId: t.arg.id() },
      resolve: async (_r, args, ctx) => {
        const page = pageArgs(args);
        const rows = await listProjects(await ctx.tenant(), { ...page, teamId: args.teamId ? String(args.teamId) : null });
        return toConnection(rows, page.first, (p) => p.id);
      },
    }),
    project: t.field({
      type: ProjectRef(builder),
      authScopes: { permission: 'project:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => getProject(await ctx.tenant(), String(id)),
    }),
  }));

  const CreateProjectInput = builder.inputType('CreateProjectInput', {
    fields: (t) => ({ teamId: t.id({ required: true }), name: t.string({ required: true }), description: t.string() }),
  });

  builder.mutationFields((t) => ({
    createProject: t.field({
      type: ProjectRef(builder),
      authScopes: { permission: 'project:create' },
      args: { input: t.arg({ type: CreateProjectInput, required: true }) },
      resolve: async (_r, { input }, ctx) => createProject(await ctx.tenant(), { ...input, description: input.description ?? undefined }),
    }),
  }));
}
