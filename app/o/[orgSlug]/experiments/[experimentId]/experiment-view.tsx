'use client';

import { useRouter } from 'next/navigation';
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { graphql } from '@/app/gql';
import type { RunOrderBy, RunStatus } from '@/app/gql/graphql';
import { CompareIcon, FlaskIcon, RefreshIcon } from '@/app/components/icons';
import { Badge, Breadcrumb, Button, Card, EmptyState, IconTile, LoadError, PageHeader, Skeleton } from '@/app/components/ui';
import { formatDate } from '@/app/lib/format';
import { useGqlInfiniteQuery, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { buildRunFilter, type Condition } from '@/app/lib/tracking';
import { ColumnPicker, useColumnPrefs } from './column-picker';
import { FILTER_INPUT_ID, RunFilters } from './run-filters';
import { RunsTable, type SortKey } from './runs-table';

const ExperimentQuery = graphql(`
  query Experiment($id: ID!) {
    experiment(id: $id) {
      id
      name
      isDefault
      createdAt
      lifecycleStage
      tags {
        key
        value
      }
      project {
        id
        name
      }
    }
  }
`);

export const ExperimentRunsQuery = graphql(`
  query ExperimentRuns($experimentId: ID!, $filter: RunFilter, $orderBy: [RunOrderBy!], $first: Int, $after: String) {
    runs(experimentId: $experimentId, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      edges {
        node {
          id
          name
          status
          startTime
          endTime
          createdBy {
            user {
              name
              email
            }
            apiKey {
              name
            }
          }
          params {
            key
            value
          }
          tags {
            key
            value
          }
          latestMetrics {
            key
            value
            step
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

const PAGE = 100;

function orderByOf(sort: SortKey): RunOrderBy[] {
  if (sort.kind === 'attribute') return [{ attribute: sort.key, ascending: sort.ascending }];
  return [{ [sort.kind]: sort.key, ascending: sort.ascending }];
}

export function ExperimentView({ experimentId }: { experimentId: string }) {
  const { org } = useOrg();
  const router = useRouter();
  const exp = useGqlQuery(ExperimentQuery, { id: experimentId });
  const experiment = exp.data?.experiment;

  const [conditions, setConditions] = useState<Condition[]>([]);
  const [statuses, setStatuses] = useState<RunStatus[]>([]);
  const [name, setName] = useState('');
  const [draft, setDraft] = useState('');
  const [sort, setSort] = useState<SortKey>({ kind: 'attribute', key: 'START_TIME', ascending: false });
  const [selected, setSelected] = useState<string[]>([]);
  const deferredName = useDeferredValue(name);

  const filter = useMemo(() => buildRunFilter(conditions, statuses, deferredName), [conditions, statuses, deferredName]);
  const orderBy = useMemo(() => orderByOf(sort), [sort]);
  const [polling, setPolling] = useState(false);
  const runs = useGqlInfiniteQuery(
    ExperimentRunsQuery,
    (after: string | null) => ({ experimentId, filter, orderBy, first: PAGE, after }),
    (page) => (page.runs.pageInfo.hasNextPage ? page.runs.pageInfo.endCursor : null),
    // Live while anything runs: statuses, durations and latest metrics move.
    { refetchInterval: polling ? 5000 : false, keepPrevious: true },
  );
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.runs.edges.map((e) => e.node)) ?? [], [runs.data]);
  const anyRunning = rows.some((r) => r.status === 'RUNNING');
  useEffect(() => setPolling(anyRunning), [anyRunning]);

  const keys = useMemo(() => {
    const params = new Set<string>();
    const metrics = new Set<string>();
    for (const r of rows) {
      r.params.forEach((p) => params.add(p.key));
      r.latestMetrics.forEach((m) => metrics.add(m.key));
    }
    return { params: [...params].sort(), metrics: [...metrics].sort() };
  }, [rows]);
  const prefs = useColumnPrefs(experimentId);
  const visibleParams = keys.params.filter((k) => !prefs.hidden.params.includes(k));
  const visibleMetrics = keys.metrics.filter((k) => !prefs.hidden.metrics.includes(k));

  const filtered = conditions.length > 0 || statuses.length > 0 || deferredName.trim() !== '';

  const breadcrumb = <Breadcrumb items={[
      { label: 'Projects', href: `/o/${org.slug}/projects` },
      experiment ? { label: experiment.project.name, href: `/o/${org.slug}/projects/${experiment.project.id}` } : { label: '…' },
      { label: experiment?.name ?? '…' },
    ]} />;

  if (exp.error) {
    return (
      <>
        <PageHeader title="Experiment" breadcrumb={breadcrumb} />
        <LoadError error={exp.error} onRetry={() => void exp.refetch()} />
      </>
    );
  }

  const compareHref = `/o/${org.slug}/compare?runs=${selected.map(encodeURIComponent).join(',')}`;

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          experiment ? (
            <span className="inline-flex items-center gap-3">
              <IconTile>
                <FlaskIcon className="size-5" />
              </IconTile>
              <span data-testid="experiment-name">{experiment.name}</span>
              {experiment.isDefault && <Badge>Default</Badge>}
              {experiment.lifecycleStage === 'deleted' && <Badge tone="red">Deleted</Badge>}
            </span>
          ) : (
            <Skeleton className="h-9 w-64" />
          )
        }
        description={
          experiment ? (
            <span>
              Created {formatDate(experiment.createdAt)} · <code className="font-mono text-[12.5px]">{experiment.id}</code>
            </span>
          ) : undefined
        }
        actions={
          <>
            <Button variant="secondary" onClick={() => void runs.refetch()} loading={runs.isRefetching && !runs.isFetchingNextPage} aria-label="Refresh runs">
              <RefreshIcon className="size-4" /> Refresh
            </Button>
            <Button onClick={() => router.push(compareHref)} disabled={selected.length < 2} data-testid="compare-runs">
              <CompareIcon className="size-4" /> Compare{selected.length > 0 ? ` ${selected.length}` : ''} runs
            </Button>
          </>
        }
      />

      <Card className="overflow-hidden">
        <RunFilters
          conditions={conditions}
          onConditions={setConditions}
          statuses={statuses}
          onStatuses={setStatuses}
          name={name}
          onName={setName}
          draft={draft}
          onDraft={setDraft}
        />
        <div className="flex flex-wrap items-center justify-between gap-3 border-b border-zinc-100 bg-zinc-50/60 px-5 py-2 text-[13px] text-zinc-500">
          <span data-testid="runs-count">
            {runs.isLoading ? 'Loading runs…' : `${rows.length}${runs.hasNextPage ? '+' : ''} run${rows.length === 1 ? '' : 's'}${filtered ? ' match' : ''}`}
            {selected.length > 0 && (
              <>
                {' · '}
                <span className="font-medium text-zinc-700">{selected.length} selected</span>
                <button type="button" className="ml-2 font-medium text-brand-600 hover:text-brand-700" onClick={() => setSelected([])}>
                  Clear
                </button>
              </>
            )}
          </span>
          <ColumnPicker params={keys.params} metrics={keys.metrics} prefs={prefs} />
        </div>
        {runs.error ? (
          <div className="p-5">
            <LoadError error={runs.error} onRetry={() => void runs.refetch()} />
          </div>
        ) : !runs.isLoading && rows.length === 0 ? (
          filtered ? (
            <EmptyState
              icon={<FlaskIcon />}
              title="No runs match these filters"
              description="Metric conditions compare each run’s latest value. Remove a condition to widen the search."
              action={
                <Button
                  variant="secondary"
                  size="sm"
                  onClick={() => {
                    setConditions([]);
                    setStatuses([]);
                    setName('');
                  }}
                >
                  Clear filters
                </Button>
              }
            />
          ) : (
            <EmptyState
              icon={<FlaskIcon />}
              title="No runs yet"
              description={
                <>
                  Point the mlflow client at Gantry (<code className="font-mono text-[12px]">MLFLOW_TRACKING_URI</code>, an API key as{' '}
                  <code className="font-mono text-[12px]">MLFLOW_TRACKING_TOKEN</code>) and log to this experiment.
                </>
              }
            />
          )
        ) : (
          <RunsTable
            rows={rows}
            loading={runs.isLoading}
            params={visibleParams}
            metrics={visibleMetrics}
            sort={sort}
            onSort={setSort}
            selected={selected}
            onSelected={setSelected}
            hasMore={!!runs.hasNextPage}
            loadingMore={runs.isFetchingNextPage}
            onLoadMore={() => {
              if (runs.hasNextPage && !runs.isFetchingNextPage) void runs.fetchNextPage();
            }}
            onFilterColumn={(kind, key) => {
              setDraft(`${kind} ${key} ${kind === 'metric' ? '> ' : '= '}`);
              document.getElementById(FILTER_INPUT_ID)?.focus();
            }}
          />
        )}
      </Card>
    </>
  );
}
