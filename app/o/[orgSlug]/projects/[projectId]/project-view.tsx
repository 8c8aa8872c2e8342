'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import { CopyButton } from '@/app/components/copy-button';
import { FolderIcon } from '@/app/components/icons';
import { AuditLink } from '@/app/components/audit-link';
import { Badge, Breadcrumb, ButtonLink, Card, CardBody, CardHeader, IconTile, LoadError, PageHeader, Person, RoleBadge, Skeleton } from '@/app/components/ui';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { ExperimentsSection } from './experiments-section';
import { UseFromCode } from './use-from-code';

const ProjectQuery = graphql(`
  query Project($id: ID!) {
    project(id: $id) {
      id
      name
      slug
      description
      createdAt
      team {
        id
        name
        members {
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

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid min-h-12 grid-cols-3 items-center gap-4 px-5 py-2.5 text-sm">
      <dt className="text-zinc-500">{label}</dt>
      <dd className="col-span-2 min-w-0 text-zinc-900">{children}</dd>
    </div>
  );
}

export function ProjectView({ projectId }: { projectId: string }) {
  const { org, user } = useOrg();
  const { data, isLoading, error, refetch } = useGqlQuery(ProjectQuery, { id: projectId });
  const project = data?.project;
  const breadcrumb = <Breadcrumb items={[{ label: 'Projects', href: `/o/${org.slug}/projects` }, { label: project?.name ?? '…' }]} />;

  if (error) {
    return (
      <>
        <PageHeader title="Project" breadcrumb={breadcrumb} />
        <LoadError error={error} onRetry={() => void refetch()} />
      </>
    );
  }

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          project ? (
            <span className="inline-flex items-center gap-3">
              <IconTile>
                <FolderIcon className="size-5" />
              </IconTile>
              <span data-testid="project-name">{project.name}</span>
            </span>
          ) : (
            <Skeleton className="h-9 w-64" />
          )
        }
        description={project?.description || (project ? 'No description' : undefined)}
        actions={
          project && (
            <>
              <AuditLink filter={{ targetType: 'project', targetId: project.id }} label="History of this project">
                History
              </AuditLink>
              <ButtonLink href={`/o/${org.slug}/teams/${project.team.id}`} variant="secondary">
                Open team {project.team.name}
              </ButtonLink>
            </>
          )
        }
      />

      <div className="grid items-start gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="min-w-0 space-y-6">
          <ExperimentsSection projectId={projectId} />

          <UseFromCode projectId={projectId} />

          <Card>
            <CardHeader title="Details" />
            {isLoading || !project ? (
              <div className="space-y-3 p-5">
                <Skeleton className="h-4 w-1/2" />
                <Skeleton className="h-4 w-2/3" />
                <Skeleton className="h-4 w-1/3" />
              </div>
            ) : (
              <dl className="divide-y divide-zinc-100">
                <Detail label="Project ID">
                  <span className="inline-flex items-center gap-2">
                    <code className="font-mono text-[13px]">{project.id}</code>
                    <CopyButton value={project.id} label="Copy" />
                  </span>
                </Detail>
                <Detail label="Slug">
                  <code className="font-mono text-[13px]">{project.slug}</code>
                </Detail>
                <Detail label="Team">
                  <Link href={`/o/${org.slug}/teams/${project.team.id}`} className="font-medium text-brand-600 hover:text-brand-700">
                    {project.team.name}
                  </Link>
                </Detail>
                <Detail label="Organization">{org.name}</Detail>
                <Detail label="Created">
                  <span data-testid="project-created" title={formatRelative(project.createdAt)}>
                    {formatDateTime(project.createdAt)}
                  </span>
                </Detail>
              </dl>
            )}
          </Card>
        </div>

        <Card>
          <CardHeader title="People" description={project ? `Members of the ${project.team.name} team` : undefined} />
          {!project ? (
            <div className="space-y-3 p-5">
              <Skeleton className="h-8 w-full" />
              <Skeleton className="h-8 w-full" />
            </div>
          ) : project.team.members.length === 0 ? (
            <CardBody>
              <p className="text-sm text-zinc-500">No one is in this team yet. Org admins can still work on the project.</p>
            </CardBody>
          ) : (
            <ul className="divide-y divide-zinc-100">
              {project.team.members.map((m) => (
                <li key={m.id} className="flex items-center justify-between gap-3 px-5 py-3">
                  <Person name={m.user.name} email={m.user.email} you={m.user.id === user.id} />
                  <RoleBadge role={m.role} />
                </li>
              ))}
            </ul>
          )}
          <div className="border-t border-zinc-100 px-5 py-3 text-[13px] text-zinc-500">
            Everyone in {org.name} can view this project. Members of its team, and <Badge tone="blue">Admins</Badge>, can work on it.
          </div>
        </Card>
      </div>
    </>
  );
}
