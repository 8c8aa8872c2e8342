'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { graphql } from '@/app/gql';
import type { JobStatus } from '@/app/gql/graphql';
import { CpuIcon, PlusIcon } from '@/app/components/icons';
import { JobStatusBadge } from '@/app/components/job-status';
import { Badge, Button, ButtonLink, Card, CardBody, CardHeader, EmptyState, LoadError, PageHeader, Select, Table, TableSkeleton, TBody, TD, TH, THead, cx } from '@/app/components/ui';
import { ACTIVE_JOB_STATUSES, gpuText, isActiveJob, jobRuntime } from '@/app/lib/compute';
import { formatMicros } from '@/rules/money';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlInfiniteQuery, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { formatDuration } from '@/app/lib/tracking';
import { useCan } from '@/app/lib/viewer';

const JobsQuery = graphql(`
  query Jobs($first: Int, $after: String, $status: [JobStatus!], $kind: String) {
    jobs(first: $first, after: $after, status: $status, kind: $kind) {
      edges {
        node {
          id
          name
          kind
          status
          reason
          projectId
          attempt
          maxAttempts
          createdAt
          startedAt
          runtimeSeconds
          costMicros
          cluster {
            id
            name
          }
          resources {
            gpuCount
            gpuType
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const JobProjectsQuery = graphql(`
  query JobProjects {
    projects(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const PAGE = 50;
/** While any listed job is active the list refreshes this often. */
const LIVE_POLL_MS = 2000;

const FILTERS: { id: string; label: string; statuses: JobStatus[] | null }[] = [
  { id: 'all', label: 'All', statuses: null },
  { id: 'active', label: 'Active', statuses: [...ACTIVE_JOB_STATUSES] as JobStatus[] },
  { id: 'succeeded', label: 'Succeeded', statuses: ['succeeded'] },
  { id: 'failed', label: 'Failed', statuses: ['failed'] },
  { id: 'cancelled', label: 'Cancelled', statuses: ['cancelled'] },
];

/** Every job in the organization, newest first, following active ones live. */
export function JobsView() {
  const { org } = useOrg();
  const canSubmit = useCan('JOB_SUBMIT');
  const [filter, setFilter] = useState('all');
  const [kind, setKind] = useState('');
  const statuses = FILTERS.find((f) => f.id === filter)?.statuses ?? null;
  const [live, setLive] = useState(false);
  const q = useGqlInfiniteQuery(
    JobsQuery,
    (after: string | null) => ({ first: PAGE, after, status: statuses, kind: kind || null }),
    (page) => (page.jobs.pageInfo.hasNextPage ? page.jobs.pageInfo.endCursor : null),
    { refetchInterval: live ? LIVE_POLL_MS : false, keepPrevious: true },
  );
  const projects = useGqlQuery(JobProjectsQuery, {});
  const projectName = new Map(projects.data?.projects.edges.map((e) => [e.node.id, e.node.name]) ?? []);
  const jobs = q.data?.pages.flatMap((p) => p.jobs.edges.map((e) => e.node)) ?? [];
  const anyActive = jobs.some((j) => isActiveJob(j.status));
  const anyRunning = jobs.some((j) => j.status === 'running');
  if (anyActive !== live) setLive(anyActive);

  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!anyRunning) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [anyRunning]);

  const filtered = filter !== 'all' || kind !== '';
  return (
    <>
      <PageHeader
        title="Jobs"
        description="Training and evaluation jobs on your clusters: status, logs, resources and what each one cost."
        actions={
          canSubmit && (
            <ButtonLink href={`/o/${org.slug}/jobs/new`}>
              <PlusIcon className="size-4" /> Submit job
            </ButtonLink>
          )
        }
      />
      <Card>
        <CardHeader
          title={
            <span className="inline-flex items-center gap-2">
              {filter === 'all' ? 'All jobs' : `${FILTERS.find((f) => f.id === filter)?.label} jobs`}
              {q.data && <Badge>{jobs.length}{q.hasNextPage ? '+' : ''}</Badge>}
              {live && (
                <Badge tone="blue" className="font-normal">
                  <span aria-hidden="true" className="size-1.5 animate-pulse rounded-full bg-sky-500" /> Live
                </Badge>
              )}
            </span>
          }
          actions={
            <>
              <div role="group" aria-label="Filter by status" className="inline-flex rounded-md p-0.5 ring-1 ring-inset ring-zinc-200">
                {FILTERS.map((f) => (
                  <button
                    key={f.id}
                    type="button"
                    aria-pressed={filter === f.id}
                    onClick={() => setFilter(f.id)}
                    className={cx(
                      'rounded px-2.5 py-1 text-[13px] font-medium transition-colors',
                      filter === f.id ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900',
                    )}
                  >
                    {f.label}
                  </button>
                ))}
              </div>
              <Select aria-label="Filter by kind" value={kind} onChange={(e) => setKind(e.target.value)} className="h-8 w-36 text-[13px]">
                <option value="">All kinds</option>
                <option value="training">Training</option>
                <option value="evaluation">Evaluation</option>
              </Select>
            </>
          }
        />
        {q.isLoading ? (
          <TableSkeleton rows={5} cols={7} />
        ) : q.error ? (
          <CardBody>
            <LoadError error={q.error} onRetry={() => void q.refetch()} />
          </CardBody>
        ) : jobs.length === 0 ? (
          <EmptyState
            icon={<CpuIcon />}
            title={filtered ? 'No matching jobs' : 'No jobs yet'}
            description={
              filtered
                ? 'No job matches these filters.'
                : 'Submit a training job: Gantry runs it on a cluster, streams its logs, tracks it as a run and charges it at the cluster’s prices.'
            }
            action={
              !filtered && canSubmit ? (
                <ButtonLink href={`/o/${org.slug}/jobs/new`}>
                  <PlusIcon className="size-4" /> Submit job
                </ButtonLink>
              ) : undefined
            }
          />
        ) : (
          <>
            <Table minWidth="min-w-[960px]">
              <THead>
                <TH dense>Job</TH>
                <TH dense>Status</TH>
                <TH dense>Kind</TH>
                <TH dense>Cluster</TH>
                <TH dense>GPU</TH>
                <TH dense className="text-right">Runtime</TH>
                <TH dense className="text-right">Cost</TH>
                <TH dense className="text-right">Created</TH>
              </THead>
              <TBody>
                {jobs.map((j) => {
                  const runtime = jobRuntime(j, now);
                  const gpu = gpuText(j.resources.gpuCount, j.resources.gpuType);
                  return (
                    <tr key={j.id} data-testid="job-row" data-job-id={j.id} data-status={j.status} className="hover:bg-zinc-50/70">
                      <TD dense className="max-w-80">
                        <Link href={`/o/${org.slug}/jobs/${j.id}`} className="block truncate font-medium text-zinc-900 hover:text-brand-700" title={j.name}>
                          {j.name}
                        </Link>
                        <p className="mt-0.5 truncate text-xs text-zinc-400">
                          {projectName.get(j.projectId) ?? <span className="font-mono">{j.id}</span>}
                          {j.maxAttempts > 1 && ` · attempt ${j.attempt} of ${j.maxAttempts}`}
                        </p>
                      </TD>
                      <TD dense>
                        <JobStatusBadge status={j.status} reason={j.reason} />
                      </TD>
                      <TD dense className="text-[13px] capitalize text-zinc-600">
                        {j.kind}
                      </TD>
                      <TD dense>
                        <Link href={`/o/${org.slug}/clusters/${j.cluster.id}`} className="text-[13px] text-zinc-700 hover:text-zinc-900">
                          {j.cluster.name}
                        </Link>
                      </TD>
                      <TD dense className="whitespace-nowrap text-[13px]">
                        {gpu ? <span className="font-mono text-[12.5px] text-zinc-800">{gpu}</span> : <span className="text-zinc-400">—</span>}
                      </TD>
                      <TD dense className="text-right text-[13px] tabular-nums text-zinc-700">
                        <span data-testid="job-runtime">{formatDuration(runtime)}</span>
                      </TD>
                      <TD dense className="text-right text-[13px] tabular-nums text-zinc-900">
                        <span data-testid="job-cost">{formatMicros(j.costMicros)}</span>
                      </TD>
                      <TD dense className="whitespace-nowrap text-right text-[13px] text-zinc-500">
                        <span title={formatDateTime(j.createdAt)}>{formatRelative(j.createdAt, now)}</span>
                      </TD>
                    </tr>
                  );
                })}
              </TBody>
            </Table>
            <div className="flex items-center justify-between border-t border-zinc-100 px-5 py-3 text-sm text-zinc-500">
              <span>
                Showing {jobs.length} {jobs.length === 1 ? 'job' : 'jobs'}
                {live && ' · refreshing every 2 s while jobs are active'}
              </span>
              {q.hasNextPage && (
                <Button variant="secondary" size="sm" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
                  Load older
                </Button>
              )}
            </div>
          </>
        )}
      </Card>
    </>
  );
}
