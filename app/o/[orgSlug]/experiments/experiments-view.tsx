'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { FlaskIcon, FolderIcon } from '@/app/components/icons';
import { Badge, ButtonLink, Card, CardHeader, EmptyState, Input, LoadError, PageHeader, Table, TableSkeleton, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatDate, formatRelative } from '@/app/lib/format';
import { useGqlQueries, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

const ExperimentProjectsQuery = graphql(`
  query ExperimentProjects {
    projects(first: 100) {
      edges {
        node {
          id
          name
          team {
            id
            name
          }
        }
      }
    }
  }
`);

const ProjectExperimentListQuery = graphql(`
  query ProjectExperimentList($projectId: ID!) {
    experiments(projectId: $projectId, first: 100) {
      edges {
        node {
          id
          name
          isDefault
          createdAt
        }
      }
    }
  }
`);

/** Every experiment the user can see, across projects; each project keeps its own list. */
export function ExperimentsView() {
  const { org } = useOrg();
  const projects = useGqlQuery(ExperimentProjectsQuery, {});
  const list = projects.data?.projects.edges.map((e) => e.node) ?? [];
  const perProject = useGqlQueries(
    ProjectExperimentListQuery,
    list.map((p) => ({ projectId: p.id })),
  );
  const [filter, setFilter] = useState('');
  const loading = projects.isLoading || perProject.some((q) => q.isLoading);
  const error = projects.error ?? perProject.find((q) => q.error)?.error ?? null;
  const q = filter.trim().toLowerCase();
  const rows = list
    .flatMap((p, i) => (perProject[i]?.data?.experiments.edges ?? []).map((e) => ({ ...e.node, project: p })))
    .filter((r) => !q || `${r.name} ${r.project.name}`.toLowerCase().includes(q))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <>
      <PageHeader title="Experiments" description="Runs are grouped into experiments; experiments belong to projects." />
      {error ? (
        <LoadError error={error} onRetry={() => void projects.refetch()} />
      ) : (
        <Card>
          <CardHeader
            title={<span className="inline-flex items-center gap-2">All experiments {!loading && <Badge>{rows.length}</Badge>}</span>}
            actions={
              <Input aria-label="Filter experiments" placeholder="Filter by name or project…" value={filter} onChange={(e) => setFilter(e.target.value)} className="h-8 w-56 text-[13px]" />
            }
          />
          {loading ? (
            <TableSkeleton rows={4} cols={3} />
          ) : list.length === 0 ? (
            <EmptyState
              icon={<FolderIcon />}
              title="No projects yet"
              description="Experiments live in projects. Create a project in a team first."
              action={<ButtonLink href={`/o/${org.slug}/teams`}>Go to teams</ButtonLink>}
            />
          ) : rows.length === 0 ? (
            <EmptyState
              icon={<FlaskIcon />}
              title={q ? 'No matching experiments' : 'No experiments yet'}
              description={q ? `Nothing matches “${filter}”.` : 'Create one on a project page, or let the mlflow client create it with mlflow.set_experiment().'}
            />
          ) : (
            <Table>
              <THead>
                <TH>Experiment</TH>
                <TH>Project</TH>
                <TH className="text-right">Created</TH>
              </THead>
              <TBody>
                {rows.map((r) => (
                  <tr key={r.id} className="hover:bg-zinc-50/70">
                    <TD>
                      <Link href={`/o/${org.slug}/experiments/${r.id}`} className="inline-flex items-center gap-3 font-medium text-zinc-900 hover:text-brand-700">
                        <span className="flex size-8 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                          <FlaskIcon className="size-4" />
                        </span>
                        {r.name}
                        {r.isDefault && <Badge>Default</Badge>}
                      </Link>
                    </TD>
                    <TD>
                      <Link href={`/o/${org.slug}/projects/${r.project.id}`} className="text-zinc-600 hover:text-zinc-900">
                        {r.project.name}
                      </Link>
                      <span className="text-zinc-400"> · {r.project.team.name}</span>
                    </TD>
                    <TD className="whitespace-nowrap text-right text-zinc-500">
                      <span title={formatDate(r.createdAt)}>{formatRelative(r.createdAt)}</span>
                    </TD>
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
