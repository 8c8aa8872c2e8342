import { changeMemberRole } from '../../core/tenancy/change-member-role';
import { getMember } from '../../core/tenancy/get-member';
import { listMembers } from '../../core/tenancy/list-members';
import { removeMember } from '../../core/tenancy/remove-member';
import type { OrgRole } from '../../db/schema';
import type { Builder } from '../builder';
import { pageArgs, toConnection } from '../pagination';
import { OrgRoleEnum } from './enums';
import { UserRef } from './user';

export interface MemberShape {
  id: string;
  role: OrgRole;
  createdAt: Date;
  userId: string;
  email: string;
  name: string;
}

export function register(builder: Builder) {
  const MemberRef = builder.objectRef<MemberShape>('Member').implement({
    description: 'A user’s membership in the current organization',
    fields: (t) => ({
      id: t.exposeID('id'),
      role: t.expose('role', { type: OrgRoleEnum(builder) }),
      joinedAt: t.expose('createdAt', { type: 'DateTime' }),
      user: t.field({ type: UserRef(builder), resolve: (m) => ({ id: m.userId, email: m.email, name: m.name }) }),
    }),
  });

  builder.queryFields((t) => ({
    members: t.connection({
      type: MemberRef,
      authScopes: { permission: 'member:read' },
      resolve: async (_r, args, ctx) => {
        const page = pageArgs(args);
        return toConnection(await listMembers(await ctx.tenant(), page), page.first, (m) => m.id);
      },
    }),
  }));

  const ChangeMemberRoleInput = builder.inputType('ChangeMemberRoleInput', {
    fields: (t) => ({
      membershipId: t.id({ required: true }),
      role: t.field({ type: OrgRoleEnum(builder), required: true }),
    }),
  });
  const RemoveMemberInput = builder.inputType('RemoveMemberInput', {
    fields: (t) => ({ membershipId: t.id({ required: true }) }),
  });

  builder.mutationFields((t) => ({
    changeMemberRole: t.field({
      type: MemberRef,
      authScopes: { permission: 'member:update-role' },
      args: { input: t.arg({ type: ChangeMemberRoleInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const tenant = await ctx.tenant();
        const m = await changeMemberRole(tenant, input);
        return getMember(tenant, m.id);
      },
    }),
    removeMember: t.field({
      type: 'ID',
      description: 'Remove a member (or leave, with your own membership ID). Returns the membership ID.',
      authScopes: { authenticated: true },
      args: { input: t.arg({ type: RemoveMemberInput, required: true }) },
      resolve: async (_r, { input }, ctx) => (await removeMember(await ctx.tenant(), input)).id,
    }),
  }));
}
