'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { TeamRole } from '@/app/gql/graphql';
import { AuditLink } from '@/app/components/audit-link';
import { useConfirm } from '@/app/components/confirm';
import { ArrowRightIcon, FolderIcon, PlusIcon, TrashIcon, UsersIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import {
  Badge,
  Banner,
  Breadcrumb,
  Button,
  Card,
  CardBody,
  CardHeader,
  EmptyState,
  Field,
  IconTile,
  Input,
  LoadError,
  PageHeader,
  Person,
  RoleBadge,
  Select,
  Skeleton,
  TBody,
  TD,
  TH,
  THead,
  Table,
  TableSkeleton,
  Textarea,
} from '@/app/components/ui';
import { formatDate, formatRelative } from '@/app/lib/format';
import { useFormErrors, validateName } from '@/app/lib/forms';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useViewer } from '@/app/lib/viewer';

const TeamQuery = graphql(`
  query Team($id: ID!) {
    team(id: $id) {
      id
      name
      slug
      description
      createdAt
      members {
        id
        role
        addedAt
        user {
          id
          name
          email
        }
      }
      projects(first: 100) {
        edges {
          node {
            id
            name
            slug
            description
            createdAt
          }
        }
      }
    }
  }
`);

const OrgMembersForPicker = graphql(`
  query OrgMembersForPicker {
    members(first: 100) {
      edges {
        node {
          id
          role
          user {
            id
            name
            email
          }
        }
      }
    }
  }
`);

const AddTeamMember = graphql(`
  mutation AddTeamMember($input: AddTeamMemberInput!) {
    addTeamMember(input: $input) {
      id
    }
  }
`);

const RemoveTeamMember = graphql(`
  mutation RemoveTeamMember($input: RemoveTeamMemberInput!) {
    removeTeamMember(input: $input) {
      id
    }
  }
`);

const CreateProject = graphql(`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      id
      name
    }
  }
`);

function AddMemberForm({ teamId, existing }: { teamId: string; existing: Set<string> }) {
  const toast = useToast();
  const errors = useFormErrors();
  const { data, isLoading } = useGqlQuery(OrgMembersForPicker, {});
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<TeamRole>('member');
  const add = useGqlMutation(AddTeamMember);
  const candidates = data?.members.edges.map((e) => e.node).filter((m) => !existing.has(m.user.id)) ?? [];

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ userId: userId ? undefined : 'Choose a member of the organization' })) return;
    const who = candidates.find((c) => c.user.id === userId);
    add.mutate(
      { input: { teamId, userId, role } },
      {
        onSuccess: () => {
          toast.success('Added to the team', who ? `${who.user.name} is a team ${role}.` : undefined);
          setUserId('');
        },
        onError: (err) => errors.fromError(err, ['userId', 'role']),
      },
    );
  }

  if (isLoading) return <Skeleton className="h-9 w-full" />;
  if (candidates.length === 0) {
    return <p className="text-sm text-zinc-500">Everyone in the organization is already in this team. Invite more people from Members.</p>;
  }
  return (
    <form onSubmit={submit} noValidate className="grid items-start gap-3 sm:grid-cols-[1fr_9.5rem_auto]">
      <Field label="Organization member" htmlFor="team-add-user" error={errors.fields.userId}>
        <Select
          id="team-add-user"
          value={userId}
          invalid={!!errors.fields.userId}
          onChange={(e) => {
            setUserId(e.target.value);
            errors.clearField('userId');
          }}
        >
          <option value="">Choose a person…</option>
          {candidates.map((m) => (
            <option key={m.user.id} value={m.user.id}>
              {m.user.name} ({m.user.email})
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Team role" htmlFor="team-add-role">
        <Select id="team-add-role" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
          <option value="member">Member</option>
          <option value="maintainer">Maintainer</option>
        </Select>
      </Field>
      <div className="sm:pt-[26px]">
        <Button type="submit" loading={add.isPending} className="w-full sm:w-auto">
          <PlusIcon className="size-4" /> Add
        </Button>
      </div>
      {errors.form && (
        <Banner tone="error" className="sm:col-span-3">
          {errors.form}
        </Banner>
      )}
    </form>
  );
}

function CreateProjectForm({ teamId, teamName }: { teamId: string; teamName: string }) {
  const toast = useToast();
  const errors = useFormErrors();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useGqlMutation(CreateProject);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ name: validateName(name, 'Project name', 80) })) return;
    create.mutate(
      { input: { teamId, name: name.trim(), description: description.trim() || null } },
      {
        onSuccess: (d) => {
          toast.success('Project created', `${d.createProject.name} belongs to ${teamName}.`);
          setName('');
          setDescription('');
        },
        onError: (err) => errors.fromError(err, ['name', 'description']),
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <Field label="Project name" htmlFor="project-name" error={errors.fields.name}>
        <Input
          id="project-name"
          placeholder="e.g. Churn prediction"
          maxLength={80}
          value={name}
          invalid={!!errors.fields.name}
          onChange={(e) => {
            setName(e.target.value);
            errors.clearField('name');
          }}
        />
      </Field>
      <Field label="Description" htmlFor="project-description" optional error={errors.fields.description}>
        <Textarea id="project-description" rows={2} placeholder="What the model predicts, and for whom" value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      {errors.form && <Banner tone="error">{errors.form}</Banner>}
      <Button type="submit" loading={create.isPending} className="w-full">
        <PlusIcon className="size-4" /> Create project
      </Button>
    </form>
  );
}

export function TeamView({ teamId }: { teamId: string }) {
  const { org, user } = useOrg();
  const toast = useToast();
  const confirm = useConfirm();
  const viewer = useViewer();
  const { data, isLoading, error, refetch } = useGqlQuery(TeamQuery, { id: teamId });
  const remove = useGqlMutation(RemoveTeamMember);
  const team = data?.team;
  const perms = viewer.data?.viewer.permissions ?? [];
  const myTeamRole = team?.members.find((m) => m.user.id === user.id)?.role;
  const canManage = perms.includes('TEAM_MANAGE_MEMBERS') || myTeamRole === 'maintainer';
  // Mirrors core: admins create projects in any team, members only in teams they belong to.
  const canCreateProject = perms.includes('PROJECT_CREATE') && (perms.includes('TEAM_MANAGE_MEMBERS') || !!myTeamRole);
  const projects = team?.projects.edges.map((e) => e.node) ?? [];

  async function onRemove(userId: string, name: string) {
    const self = userId === user.id;
    const ok = await confirm({
      title: self ? 'Leave this team?' : `Remove ${name} from the team?`,
      body: self
        ? 'You will lose access to create projects in this team unless you are an admin.'
        : `${name} stays in the organization but is no longer part of ${team?.name}.`,
      confirmLabel: self ? 'Leave team' : 'Remove',
      danger: true,
    });
    if (!ok) return;
    remove.mutate({ input: { teamId, userId } }, { onSuccess: () => toast.success(self ? 'You left the team' : 'Removed from the team'), onError: (e) => toast.error('Could not remove', e.message) });
  }

  const breadcrumb = <Breadcrumb items={[{ label: 'Teams', href: `/o/${org.slug}/teams` }, { label: team?.name ?? '…' }]} />;

  if (error) {
    return (
      <>
        <PageHeader title="Team" breadcrumb={breadcrumb} />
        <LoadError error={error} onRetry={() => void refetch()} />
      </>
    );
  }

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={team ? team.name : <Skeleton className="h-8 w-56" />}
        description={team ? team.description || `Created ${formatDate(team.createdAt)}` : undefined}
        actions={
          team && (
            <>
              <AuditLink filter={{ targetType: 'team', targetId: team.id }} label="History of this team">
                History
              </AuditLink>
              {myTeamRole && <Badge tone="blue">You are a {myTeamRole}</Badge>}
            </>
          )
        }
      />
      <div className="grid items-start gap-6 lg:grid-cols-[1fr_18rem]">
        <div className="min-w-0 space-y-6">
          <Card>
            <CardHeader title={<span className="inline-flex items-center gap-2">Projects {team && <Badge>{projects.length}</Badge>}</span>} description="Everything this team builds and ships" />
            {isLoading ? (
              <TableSkeleton rows={2} cols={3} />
            ) : projects.length === 0 ? (
              <EmptyState icon={<FolderIcon />} title="No projects yet" description={canCreateProject ? 'Create the first project with the form on this page.' : 'This team has no projects yet.'} />
            ) : (
              <ul className="divide-y divide-zinc-100" data-testid="team-projects">
                {projects.map((p) => (
                  <li key={p.id}>
                    <Link href={`/o/${org.slug}/projects/${p.id}`} className="flex items-center gap-3 px-5 py-3 hover:bg-zinc-50">
                      <IconTile>
                        <FolderIcon className="size-4" />
                      </IconTile>
                      <div className="min-w-0 flex-1">
                        <p className="truncate text-sm font-medium text-zinc-900">{p.name}</p>
                        <p className="truncate text-[13px] text-zinc-500">{p.description || `Created ${formatRelative(p.createdAt)}`}</p>
                      </div>
                      <ArrowRightIcon className="size-4 text-zinc-300" />
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <Card>
            <CardHeader title={<span className="inline-flex items-center gap-2">Team members {team && <Badge>{team.members.length}</Badge>}</span>} description="Maintainers manage who is in the team" />
            {isLoading ? (
              <TableSkeleton rows={2} cols={3} />
            ) : team && team.members.length === 0 ? (
              <EmptyState icon={<UsersIcon />} title="Nobody in this team yet" />
            ) : (
              <Table minWidth="min-w-[520px]">
                <THead>
                  <TH dense>Member</TH>
                  <TH dense>Team role</TH>
                  <TH dense>Added</TH>
                  <TH dense className="text-right">
                    <span className="sr-only">Actions</span>
                  </TH>
                </THead>
                <TBody>
                  {team?.members.map((m) => (
                    <tr key={m.id} data-testid="team-member-row">
                      <TD dense>
                        <Person name={m.user.name} email={m.user.email} you={m.user.id === user.id} />
                      </TD>
                      <TD dense>
                        <RoleBadge role={m.role} />
                      </TD>
                      <TD dense className="whitespace-nowrap text-zinc-500">{formatDate(m.addedAt)}</TD>
                      <TD dense className="text-right">
                        {(canManage || m.user.id === user.id) && (
                          <Button variant="danger-ghost" size="sm" onClick={() => void onRemove(m.user.id, m.user.name)}>
                            <TrashIcon className="size-3.5" /> {m.user.id === user.id ? 'Leave' : 'Remove'}
                          </Button>
                        )}
                      </TD>
                    </tr>
                  ))}
                </TBody>
              </Table>
            )}
            {team && canManage && (
              <div className="border-t border-zinc-100 px-5 py-4">
                <AddMemberForm teamId={teamId} existing={new Set(team.members.map((m) => m.user.id))} />
              </div>
            )}
          </Card>
        </div>

        <aside className="space-y-6">
          <Card>
            <CardHeader title="New project" description={team ? `In ${team.name}` : undefined} />
            <CardBody>
              {!team || !viewer.data ? (
                <div className="space-y-3">
                  <Skeleton className="h-9 w-full" />
                  <Skeleton className="h-16 w-full" />
                </div>
              ) : canCreateProject ? (
                <CreateProjectForm teamId={teamId} teamName={team.name} />
              ) : (
                <p className="text-sm text-zinc-500" data-testid="project-create-locked">
                  {perms.includes('PROJECT_CREATE')
                    ? 'Join this team to create projects in it. A team maintainer or an admin can add you.'
                    : `Your role (${viewer.data.viewer.role}) cannot create projects. Ask an admin for the member role.`}
                </p>
              )}
            </CardBody>
          </Card>
          {team && (
            <Card>
              <CardHeader title="About" />
              <CardBody>
                <dl className="space-y-3 text-sm">
                  <div>
                    <dt className="text-zinc-500">Team ID</dt>
                    <dd className="mt-0.5 font-mono text-[13px] text-zinc-800">{team.id}</dd>
                  </div>
                  <div>
                    <dt className="text-zinc-500">Slug</dt>
                    <dd className="mt-0.5 font-mono text-[13px] text-zinc-800">{team.slug}</dd>
                  </div>
                  <div>
                    <dt className="text-zinc-500">Created</dt>
                    <dd className="mt-0.5 text-zinc-800">{formatDate(team.createdAt)}</dd>
                  </div>
                </dl>
              </CardBody>
            </Card>
          )}
        </aside>
      </div>
    </>
  );
}
