import { createOrganization } from '../../core/tenancy/create-organization';
import { getOrganization, listMyOrganizations } from '../../core/tenancy/resolve-context';
import type { OrgRole } from '../../db/schema';
import { sharedRef, type Builder } from '../builder';
import { OrgRoleEnum } from './enums';

export interface OrganizationShape {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
}

export const OrganizationRef = sharedRef((builder) => builder.objectRef<OrganizationShape>('Organization'));

export function register(builder: Builder) {
  OrganizationRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      slug: t.exposeString('slug'),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
    }),
  });

  const MyOrganizationRef = builder.objectRef<OrganizationShape & { role: OrgRole }>('MyOrganization').implement({
    description: 'An organization the signed-in user belongs to, with their role there',
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      slug: t.exposeString('slug'),
      role: t.expose('role', { type: OrgRoleEnum(builder) }),
    }),
  });

  builder.queryFields((t) => ({
    organization: t.field({
      type: OrganizationRef(builder),
      description: 'The current organization (x-gantry-org header, or the API key’s)',
      authScopes: { permission: 'org:read' },
      resolve: async (_r, _a, ctx) => getOrganization(await ctx.tenant()),
    }),
    organizations: t.field({
      type: [MyOrganizationRef],
      description: 'Organizations the signed-in user belongs to',
      authScopes: { authenticated: true },
      resolve: async (_r, _a, ctx) => {
        const actor = ctx.requireActor();
        const all = await listMyOrganizations(actor.userId);
        // A key sees only its own organization.
        return actor.kind === 'api_key' ? all.filter((o) => o.id === actor.orgId) : all;
      },
    }),
  }));

  const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
    fields: (t) => ({ name: t.string({ required: true }) }),
  });

  builder.mutationFields((t) => ({
    createOrganization: t.field({
      type: OrganizationRef(builder),
      description: 'Create a new organization; you become its owner',
      authScopes: { authenticated: true },
      args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
      resolve: (_r, { input }, ctx) => createOrganization(ctx.requireActor(), ctx.meta, input),
    }),
  }));
}
