'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { ArrowRightIcon, LockIcon, PlusIcon, TeamIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import {
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
  Skeleton,
  Textarea,
} from '@/app/components/ui';
import { formatDate } from '@/app/lib/format';
import { useFormErrors, validateName } from '@/app/lib/forms';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useViewer } from '@/app/lib/viewer';

const TeamsQuery = graphql(`
  query Teams {
    teams(first: 100) {
      edges {
        node {
          id
          name
          slug
          description
          createdAt
          members {
            id
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const CreateTeam = graphql(`
  mutation CreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) {
      id
      name
    }
  }
`);

function CreateTeamForm() {
  const { org } = useOrg();
  const router = useRouter();
  const toast = useToast();
  const errors = useFormErrors();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useGqlMutation(CreateTeam);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ name: validateName(name, 'Team name', 80), description: description.length > 2000 ? 'Description must be at most 2000 characters' : undefined })) return;
    create.mutate(
      { input: { name: name.trim(), description: description.trim() || null } },
      {
        onSuccess: (d) => {
          toast.success('Team created', `You maintain ${d.createTeam.name}.`);
          setName('');
          setDescription('');
          router.push(`/o/${org.slug}/teams/${d.createTeam.id}`);
        },
        onError: (err) => errors.fromError(err, ['name', 'description']),
      },
    );
  }

  return (
    <Card>
      <CardHeader title="Create a team" description="Teams own projects. You become the team's maintainer." />
      <form onSubmit={submit} noValidate>
        <CardBody className="space-y-4">
          <Field label="Team name" htmlFor="team-name" error={errors.fields.name}>
            <Input
              id="team-name"
              placeholder="e.g. Recommendations"
              value={name}
              maxLength={80}
              invalid={!!errors.fields.name}
              onChange={(e) => {
                setName(e.target.value);
                errors.clearField('name');
              }}
            />
          </Field>
          <Field label="Description" htmlFor="team-description" optional error={errors.fields.description}>
            <Textarea id="team-description" rows={3} placeholder="What this team works on" value={description} onChange={(e) => setDescription(e.target.value)} />
          </Field>
          {errors.form && <Banner tone="error">{errors.form}</Banner>}
          <Button type="submit" loading={create.isPending} className="w-full">
            <PlusIcon className="size-4" /> Create team
          </Button>
        </CardBody>
      </form>
    </Card>
  );
}

export function TeamsView() {
  const { org } = useOrg();
  const viewer = useViewer();
  const canCreate = viewer.data?.viewer.permissions.includes('TEAM_CREATE');
  const { data, isLoading, error, refetch } = useGqlQuery(TeamsQuery, {});
  const teams = data?.teams.edges.map((e) => e.node) ?? [];

  return (
    <>
      <PageHeader title="Teams" description="Teams group people and own projects." />
      <div className="grid items-start gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="min-w-0">
          {error ? (
            <LoadError error={error} onRetry={() => void refetch()} />
          ) : isLoading ? (
            <div className="grid gap-4 sm:grid-cols-2">
              {[0, 1, 2, 3].map((i) => (
                <div key={i} className="rounded-xl border border-zinc-200 bg-white p-5">
                  <Skeleton className="h-4 w-1/2" />
                  <Skeleton className="mt-3 h-3 w-3/4" />
                  <Skeleton className="mt-6 h-3 w-1/3" />
                </div>
              ))}
            </div>
          ) : teams.length === 0 ? (
            <Card>
              <EmptyState
                icon={<TeamIcon />}
                title="No teams yet"
                description={canCreate ? 'Create the first team to start adding projects.' : 'An admin has not created any teams yet.'}
              />
            </Card>
          ) : (
            <ul className="grid gap-4 sm:grid-cols-2" data-testid="team-list">
              {teams.map((t) => (
                <li key={t.id}>
                  <Link
                    href={`/o/${org.slug}/teams/${t.id}`}
                    className="group flex h-full flex-col rounded-xl border border-zinc-200 bg-white p-5 shadow-xs transition hover:border-zinc-300 hover:shadow-sm"
                  >
                    <div className="flex items-center gap-3">
                      <span className="flex size-9 items-center justify-center rounded-lg bg-zinc-900 text-sm font-semibold text-white">{t.name.charAt(0).toUpperCase()}</span>
                      <div className="min-w-0">
                        <p className="truncate font-medium text-zinc-900">{t.name}</p>
                        <p className="truncate font-mono text-xs text-zinc-400">{t.slug}</p>
                      </div>
                    </div>
                    <p className="mt-3 line-clamp-2 flex-1 text-sm text-zinc-500">{t.description || 'No description'}</p>
                    <div className="mt-4 flex items-center justify-between text-[13px] text-zinc-500">
                      <span>
                        {t.members.length} {t.members.length === 1 ? 'member' : 'members'} · since {formatDate(t.createdAt)}
                      </span>
                      <ArrowRightIcon className="size-4 text-zinc-300 transition group-hover:translate-x-0.5 group-hover:text-zinc-500" />
                    </div>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>

        <aside>
          {canCreate === undefined ? (
            <Card>
              <CardBody className="space-y-3">
                <Skeleton className="h-4 w-1/2" />
                <Skeleton className="h-9 w-full" />
                <Skeleton className="h-9 w-full" />
              </CardBody>
            </Card>
          ) : canCreate ? (
            <CreateTeamForm />
          ) : (
            <Card>
              <CardBody>
                <div className="flex gap-3" data-testid="team-create-locked">
                  <LockIcon className="mt-0.5 size-4 shrink-0 text-zinc-400" />
                  <div>
                    <p className="text-sm font-medium text-zinc-900">Creating teams needs an admin</p>
                    <p className="mt-1 text-sm text-zinc-500">
                      Your role in {org.name} is <span className="font-medium text-zinc-700">{viewer.data?.viewer.role}</span>. Only owners and admins can create teams; ask one of them to create it or
                      to change your role.
                    </p>
                  </div>
                </div>
              </CardBody>
            </Card>
          )}
        </aside>
      </div>
    </>
  );
}
