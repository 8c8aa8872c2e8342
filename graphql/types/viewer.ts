import { getUser } from '../../core/auth/get-user';
import { PERMISSIONS } from '../../core/tenancy/permissions';
import type { OrgRole } from '../../db/schema';
import type { GraphQLContext } from '../context';
import type { Builder } from '../builder';
import { OrgRoleEnum } from './enums';
import { OrganizationRef } from './organization';
import { getOrganization } from '../../core/tenancy/resolve-context';
import { UserRef } from './user';

export function register(builder: Builder) {
  const AuthMethod = builder.enumType('AuthMethod', { values: ['SESSION', 'API_KEY'] as const });
  const PermissionEnum = builder.enumType('Permission', { values: PERMISSIONS.map((p) => p.toUpperCase().replace(/[:-]/g, '_')) });

  const ViewerRef = builder.objectRef<{ ctx: GraphQLContext }>('Viewer').implement({
    description: 'Who is calling, and their standing in the current organization',
    fields: (t) => ({
      user: t.field({ type: UserRef(builder), resolve: ({ ctx }) => getUser(ctx.requireActor().userId) }),
      authMethod: t.field({ type: AuthMethod, resolve: ({ ctx }) => (ctx.requireActor().kind === 'api_key' ? 'API_KEY' : 'SESSION') }),
      apiKeyPrefix: t.string({
        nullable: true,
        resolve: ({ ctx }) => {
          const a = ctx.requireActor();
          return a.kind === 'api_key' ? a.prefix : null;
        },
      }),
      organization: t.field({ type: OrganizationRef(builder), resolve: async ({ ctx }) => getOrganization(await ctx.tenant()) }),
      role: t.field({ type: OrgRoleEnum(builder), resolve: async ({ ctx }): Promise<OrgRole> => (await ctx.tenant()).role }),
      permissions: t.field({
        type: [PermissionEnum],
        resolve: async ({ ctx }) => [...(await ctx.tenant()).permissions].map((p) => p.toUpperCase().replace(/[:-]/g, '_')),
      }),
    }),
  });

  builder.queryFields((t) => ({
    viewer: t.field({
      type: ViewerRef,
      authScopes: { authenticated: true },
      resolve: (_r, _a, ctx) => ({ ctx }),
    }),
  }));
}
