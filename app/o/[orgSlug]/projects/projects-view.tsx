'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { FolderIcon } from '@/app/components/icons';
import { Badge, ButtonLink, Card, CardHeader, EmptyState, Input, LoadError, PageHeader, TBody, TD, TH, THead, Table, TableSkeleton } from '@/app/components/ui';
import { formatDate } from '@/app/lib/format';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

const ProjectsQuery = graphql(`
  query Projects {
    projects(first: 100) {
      edges {
        node {
          id
          name
          slug
          description
          createdAt
          team {
            id
            name
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

export function ProjectsView() {
  const { org } = useOrg();
  const { data, isLoading, error, refetch } = useGqlQuery(ProjectsQuery, {});
  const [filter, setFilter] = useState('');
  const all = data?.projects.edges.map((e) => e.node) ?? [];
  const q = filter.trim().toLowerCase();
  const projects = q ? all.filter((p) => `${p.name} ${p.team.name} ${p.description}`.toLowerCase().includes(q)) : all;

  return (
    <>
      <PageHeader title="Projects" description="Every project in the organization. Projects are created inside a team." />
      {error ? (
        <LoadError error={error} onRetry={() => void refetch()} />
      ) : (
        <Card>
          <CardHeader
            title={<span className="inline-flex items-center gap-2">All projects {data && <Badge>{all.length}</Badge>}</span>}
            actions={all.length > 0 && <Input aria-label="Filter projects" placeholder="Filter by name or team…" value={filter} onChange={(e) => setFilter(e.target.value)} className="h-8 w-56 text-[13px]" />}
          />
          {isLoading ? (
            <TableSkeleton rows={4} cols={4} />
          ) : all.length === 0 ? (
            <EmptyState
              icon={<FolderIcon />}
              title="No projects yet"
              description="Open a team to create its first project."
              action={<ButtonLink href={`/o/${org.slug}/teams`}>Go to teams</ButtonLink>}
            />
          ) : projects.length === 0 ? (
            <EmptyState title="No matching projects" description={`Nothing matches “${filter}”.`} />
          ) : (
            <Table>
              <THead>
                <TH>Project</TH>
                <TH>Team</TH>
                <TH>Description</TH>
                <TH>Created</TH>
              </THead>
              <TBody>
                {projects.map((p) => (
                  <tr key={p.id} className="hover:bg-zinc-50/70" data-testid="project-row">
                    <TD>
                      <Link href={`/o/${org.slug}/projects/${p.id}`} className="flex items-center gap-3 font-medium text-zinc-900 hover:text-brand-700">
                        <span className="flex size-8 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                          <FolderIcon className="size-4" />
                        </span>
                        {p.name}
                      </Link>
                    </TD>
                    <TD>
                      <Link href={`/o/${org.slug}/teams/${p.team.id}`} className="hover:underline">
                        <Badge>{p.team.name}</Badge>
                      </Link>
                    </TD>
                    <TD className="max-w-xs truncate text-zinc-500">{p.description || '—'}</TD>
                    <TD className="whitespace-nowrap text-zinc-500">{formatDate(p.createdAt)}</TD>
                  </tr>
                ))}
              </TBody>
            </Table>
          )}
        </Card>
      )}
    </>
  );
}
