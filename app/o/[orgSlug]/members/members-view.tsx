'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { OrgRole } from '@/app/gql/graphql';
import { AuditLink } from '@/app/components/audit-link';
import { useConfirm } from '@/app/components/confirm';
import { CopyButton } from '@/app/components/copy-button';
import { LinkIcon, MailIcon, TrashIcon, UsersIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import {
  Badge,
  Banner,
  Button,
  Card,
  CardBody,
  CardHeader,
  EmptyState,
  Field,
  Input,
  LoadError,
  PageHeader,
  Person,
  RoleBadge,
  Select,
  TBody,
  TD,
  TH,
  THead,
  Table,
  TableSkeleton,
} from '@/app/components/ui';
import { capitalize, formatDate, formatRelative } from '@/app/lib/format';
import { useFormErrors, validateEmail } from '@/app/lib/forms';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useViewer } from '@/app/lib/viewer';

const MembersQuery = graphql(`
  query Members {
    members(first: 100) {
      edges {
        node {
          id
          role
          joinedAt
          user {
            id
            name
            email
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const InvitationsQuery = graphql(`
  query PendingInvitations {
    invitations(pendingOnly: true) {
      id
      email
      role
      status
      createdAt
      expiresAt
    }
  }
`);

const InviteMember = graphql(`
  mutation InviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      inviteUrl
      invitation {
        id
        email
        role
        expiresAt
      }
    }
  }
`);

const RevokeInvitation = graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id) {
      id
      status
    }
  }
`);

const ChangeMemberRole = graphql(`
  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {
    changeMemberRole(input: $input) {
      id
      role
    }
  }
`);

const RemoveMember = graphql(`
  mutation RemoveMember($input: RemoveMemberInput!) {
    removeMember(input: $input)
  }
`);

const ROLES: OrgRole[] = ['owner', 'admin', 'member', 'viewer'];
const RANK: Record<OrgRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const ROLE_HELP: Record<OrgRole, string> = {
  owner: 'Everything, including managing owners',
  admin: 'Manage members, teams, keys and the audit log',
  member: 'Create and edit projects in their teams',
  viewer: 'Read-only access',
};

function InviteForm() {
  const { org } = useOrg();
  const toast = useToast();
  const errors = useFormErrors();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrgRole>('member');
  const [sent, setSent] = useState<{ email: string; url: string } | null>(null);
  const invite = useGqlMutation(InviteMember);
  const grantable = ROLES.filter((r) => RANK[r] <= RANK[org.role]);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ email: validateEmail(email) })) return;
    invite.mutate(
      { input: { email: email.trim(), role } },
      {
        onSuccess: (d) => {
          setSent({ email: d.inviteMember.invitation.email, url: d.inviteMember.inviteUrl });
          setEmail('');
          toast.success('Invitation created', `Send the link to ${d.inviteMember.invitation.email}.`);
        },
        onError: (err) => errors.fromError(err, ['email', 'role']),
      },
    );
  }

  return (
    <Card>
      <CardHeader title="Invite a member" description="No email is sent: copy the link and share it with the invitee. Links expire after 7 days." />
      <CardBody className="space-y-4">
        <form onSubmit={submit} noValidate className="grid items-start gap-3 sm:grid-cols-[1fr_11rem_auto]">
          <Field label="Email address" htmlFor="invite-email" error={errors.fields.email}>
            <Input
              id="invite-email"
              type="email"
              autoComplete="off"
              placeholder="teammate@company.com"
              value={email}
              invalid={!!errors.fields.email}
              onChange={(e) => {
                setEmail(e.target.value);
                errors.clearField('email');
              }}
            />
          </Field>
          <Field label="Role" htmlFor="invite-role" error={errors.fields.role}>
            <Select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
              {grantable.map((r) => (
                <option key={r} value={r}>
                  {capitalize(r)}
                </option>
              ))}
            </Select>
          </Field>
          <div className="sm:pt-[26px]">
            <Button type="submit" loading={invite.isPending} className="w-full sm:w-auto">
              <MailIcon className="size-4" /> Create invite link
            </Button>
          </div>
        </form>
        <p className="text-[13px] text-zinc-500">
          <span className="font-medium text-zinc-700">{capitalize(role)}:</span> {ROLE_HELP[role]}.
        </p>
        {errors.form && <Banner tone="error">{errors.form}</Banner>}
        {sent && (
          <div className="rounded-lg border border-emerald-200 bg-emerald-50/70 p-4" data-testid="invite-link-box">
            <p className="flex items-center gap-2 text-sm font-medium text-emerald-900">
              <LinkIcon className="size-4" /> Invite link for {sent.email}
            </p>
            <div className="mt-2 flex flex-col gap-2 sm:flex-row">
              <Input readOnly value={sent.url} aria-label="Invite link" data-testid="invite-link" className="font-mono text-[13px]" onFocus={(e) => e.target.select()} />
              <CopyButton value={sent.url} label="Copy link" size="md" />
            </div>
            <p className="mt-2 text-[13px] text-emerald-800">Anyone with this link can join as {sent.email} after signing in with that address.</p>
          </div>
        )}
      </CardBody>
    </Card>
  );
}

function PendingInvitations({ canInvite }: { canInvite: boolean }) {
  const toast = useToast();
  const confirm = useConfirm();
  const { data, isLoading, error } = useGqlQuery(InvitationsQuery, {});
  const revoke = useGqlMutation(RevokeInvitation);
  const invitations = data?.invitations.filter((i) => i.status === 'PENDING' || i.status === 'EXPIRED') ?? [];

  async function onRevoke(id: string, email: string) {
    const ok = await confirm({
      title: 'Revoke invitation?',
      body: `The link sent to ${email} will stop working. You can invite them again later.`,
      confirmLabel: 'Revoke invitation',
      danger: true,
    });
    if (!ok) return;
    revoke.mutate({ id }, { onSuccess: () => toast.success('Invitation revoked'), onError: (e) => toast.error('Could not revoke', e.message) });
  }

  return (
    <Card>
      <CardHeader title="Pending invitations" description="Invitations that have not been accepted yet" />
      {isLoading ? (
        <TableSkeleton rows={2} cols={4} />
      ) : error ? (
        <CardBody>
          <LoadError error={error} />
        </CardBody>
      ) : invitations.length === 0 ? (
        <EmptyState icon={<MailIcon />} title="No pending invitations" description="Invitations you create appear here until they are accepted." />
      ) : (
        <Table>
          <THead>
            <TH>Email</TH>
            <TH>Role</TH>
            <TH>Sent</TH>
            <TH>Expires</TH>
            <TH className="text-right">
              <span className="sr-only">Actions</span>
            </TH>
          </THead>
          <TBody>
            {invitations.map((i) => (
              <tr key={i.id} data-testid="invitation-row">
                <TD className="font-medium text-zinc-900">{i.email}</TD>
                <TD>
                  <RoleBadge role={i.role} />
                </TD>
                <TD>{formatRelative(i.createdAt)}</TD>
                <TD>{i.status === 'EXPIRED' ? <Badge tone="red">Expired</Badge> : formatDate(i.expiresAt)}</TD>
                <TD className="text-right">
                  {canInvite && (
                    <Button variant="danger-ghost" size="sm" onClick={() => void onRevoke(i.id, i.email)} disabled={revoke.isPending && revoke.variables?.id === i.id}>
                      Revoke
                    </Button>
                  )}
                </TD>
              </tr>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}

export function MembersView() {
  const { org, user } = useOrg();
  const toast = useToast();
  const confirm = useConfirm();
  const viewer = useViewer();
  const perms = viewer.data?.viewer.permissions ?? [];
  const canUpdateRole = perms.includes('MEMBER_UPDATE_ROLE');
  const canRemove = perms.includes('MEMBER_REMOVE');
  const canInvite = perms.includes('MEMBER_INVITE');
  const { data, isLoading, error, refetch } = useGqlQuery(MembersQuery, {});
  const changeRole = useGqlMutation(ChangeMemberRole);
  const remove = useGqlMutation(RemoveMember);
  const members = data?.members.edges.map((e) => e.node) ?? [];
  const myRank = RANK[org.role];

  function onRoleChange(membershipId: string, name: string, role: OrgRole) {
    changeRole.mutate(
      { input: { membershipId, role } },
      {
        onSuccess: () => toast.success('Role updated', `${name} is now ${role}.`),
        onError: (e) => toast.error('Could not change the role', e.message),
      },
    );
  }

  async function onRemove(membershipId: string, name: string) {
    const ok = await confirm({
      title: `Remove ${name}?`,
      body: 'They lose access to this organization, its teams and projects immediately. Their API keys for this organization stop working.',
      confirmLabel: 'Remove member',
      danger: true,
    });
    if (!ok) return;
    remove.mutate({ input: { membershipId } }, { onSuccess: () => toast.success('Member removed'), onError: (e) => toast.error('Could not remove member', e.message) });
  }

  return (
    <>
      <PageHeader title="Members" description={`People with access to ${org.name} and their roles.`} />
      <div className="space-y-6">
        <Card>
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                Organization members {data && <Badge>{members.length}</Badge>}
              </span>
            }
          />
          {isLoading ? (
            <TableSkeleton rows={3} cols={4} />
          ) : error ? (
            <CardBody>
              <LoadError error={error} onRetry={() => void refetch()} />
            </CardBody>
          ) : members.length === 0 ? (
            <EmptyState icon={<UsersIcon />} title="No members" />
          ) : (
            <Table>
              <THead>
                <TH>Member</TH>
                <TH>Role</TH>
                <TH>Joined</TH>
                <TH className="text-right">
                  <span className="sr-only">Actions</span>
                </TH>
              </THead>
              <TBody>
                {members.map((m) => {
                  const you = m.user.id === user.id;
                  // The server refuses changes to someone ranked above you; do not offer them.
                  const manageable = !you && RANK[m.role] <= myRank;
                  return (
                    <tr key={m.id} data-testid="member-row" data-email={m.user.email}>
                      <TD>
                        <Person name={m.user.name} email={m.user.email} you={you} />
                      </TD>
                      <TD>
                        {canUpdateRole && manageable ? (
                          <Select
                            aria-label={`Role of ${m.user.name}`}
                            className="h-8 w-32 text-[13px]"
                            value={m.role}
                            disabled={changeRole.isPending && changeRole.variables?.input.membershipId === m.id}
                            onChange={(e) => onRoleChange(m.id, m.user.name, e.target.value as OrgRole)}
                          >
                            {ROLES.filter((r) => RANK[r] <= myRank).map((r) => (
                              <option key={r} value={r}>
                                {capitalize(r)}
                              </option>
                            ))}
                          </Select>
                        ) : (
                          <RoleBadge role={m.role} />
                        )}
                      </TD>
                      <TD className="whitespace-nowrap text-zinc-500">{formatDate(m.joinedAt)}</TD>
                      <TD className="whitespace-nowrap text-right">
                        <AuditLink filter={{ actorUserId: m.user.id }} label={`Activity of ${m.user.email}`}>
                          Activity
                        </AuditLink>
                        {canRemove && manageable && (
                          <Button variant="danger-ghost" size="sm" onClick={() => void onRemove(m.id, m.user.name || m.user.email)} aria-label={`Remove ${m.user.email}`}>
                            <TrashIcon className="size-3.5" /> Remove
                          </Button>
                        )}
                      </TD>
                    </tr>
                  );
                })}
              </TBody>
            </Table>
          )}
        </Card>

        {canInvite ? (
          <InviteForm />
        ) : (
          viewer.data && (
            <Banner tone="info" title="Only admins and owners can invite people">
              Ask an admin of {org.name} to invite your teammates.
            </Banner>
          )
        )}
        <PendingInvitations canInvite={canInvite} />
      </div>
    </>
  );
}
