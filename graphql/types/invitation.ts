import { acceptInvitation } from '../../core/tenancy/accept-invitation';
import { createInvitation } from '../../core/tenancy/create-invitation';
import { listInvitations } from '../../core/tenancy/list-invitations';
import { previewInvitation } from '../../core/tenancy/preview-invitation';
import { revokeInvitation } from '../../core/tenancy/revoke-invitation';
import type { Invitation } from '../../db/schema';
import type { Builder } from '../builder';
import { OrgRoleEnum } from './enums';

function status(i: Invitation) {
  if (i.acceptedAt) return 'ACCEPTED' as const;
  if (i.revokedAt) return 'REVOKED' as const;
  if (i.expiresAt.getTime() <= Date.now()) return 'EXPIRED' as const;
  return 'PENDING' as const;
}

export function register(builder: Builder) {
  const InvitationStatus = builder.enumType('InvitationStatus', { values: ['PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED'] as const });

  const InvitationRef = builder.objectRef<Invitation>('Invitation').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      email: t.exposeString('email'),
      role: t.expose('role', { type: OrgRoleEnum(builder) }),
      status: t.field({ type: InvitationStatus, resolve: status }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
      acceptedAt: t.expose('acceptedAt', { type: 'DateTime', nullable: true }),
    }),
  });

  const InvitationPreviewRef = builder
    .objectRef<{ organizationName: string; email: string; role: Invitation['role']; expiresAt: Date }>('InvitationPreview')
    .implement({
      fields: (t) => ({
        organizationName: t.exposeString('organizationName'),
        email: t.exposeString('email'),
        role: t.expose('role', { type: OrgRoleEnum(builder) }),
        expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
      }),
    });

  const InviteMemberPayload = builder.objectRef<{ invitation: Invitation; url: string }>('InviteMemberPayload').implement({
    fields: (t) => ({
      invitation: t.field({ type: InvitationRef, resolve: (p) => p.invitation }),
      inviteUrl: t.exposeString('url', { description: 'Give this link to the invitee (no mail transport is configured)' }),
    }),
  });

  const AcceptInvitationPayload = builder
    .objectRef<{ orgId: string; organizationName: string; role: Invitation['role'] }>('AcceptInvitationPayload')
    .implement({
      fields: (t) => ({
        organizationId: t.exposeID('orgId'),
        organizationName: t.exposeString('organizationName'),
        role: t.expose('role', { type: OrgRoleEnum(builder) }),
      }),
    });

  builder.queryFields((t) => ({
    invitations: t.field({
      type: [InvitationRef],
      authScopes: { permission: 'member:read' },
      args: { pendingOnly: t.arg.boolean({ defaultValue: true }) },
      resolve: async (_r, args, ctx) => listInvitations(await ctx.tenant(), { pendingOnly: args.pendingOnly ?? true }),
    }),
    invitationPreview: t.field({
      type: InvitationPreviewRef,
      description: 'What an invitation link offers; needs no sign-in',
      args: { token: t.arg.string({ required: true }) },
      resolve: (_r, { token }) => previewInvitation(token),
    }),
  }));

  const InviteMemberInput = builder.inputType('InviteMemberInput', {
    fields: (t) => ({ email: t.string({ required: true }), role: t.field({ type: OrgRoleEnum(builder), defaultValue: 'member' }) }),
  });

  builder.mutationFields((t) => ({
    inviteMember: t.field({
      type: InviteMemberPayload,
      authScopes: { permission: 'member:invite' },
      args: { input: t.arg({ type: InviteMemberInput, required: true }) },
      resolve: async (_r, { input }, ctx) => createInvitation(await ctx.tenant(), { email: input.email, role: input.role ?? undefined }),
    }),
    revokeInvitation: t.field({
      type: InvitationRef,
      authScopes: { permission: 'member:invite' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => revokeInvitation(await ctx.tenant(), { id: String(id) }),
    }),
    acceptInvitation: t.field({
      type: AcceptInvitationPayload,
      authScopes: { authenticated: true },
      args: { token: t.arg.string({ required: true }) },
      resolve: (_r, { token }, ctx) => acceptInvitation(ctx.requireActor(), ctx.meta, token),
    }),
  }));
}
