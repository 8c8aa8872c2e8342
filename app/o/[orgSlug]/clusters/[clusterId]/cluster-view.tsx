'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { graphql } from '@/app/gql';
import { useConfirm } from '@/app/components/confirm';
import { CpuIcon, RefreshIcon, ServerIcon, TrashIcon } from '@/app/components/icons';
import { JobStatusBadge } from '@/app/components/job-status';
import { useToast } from '@/app/components/toast';
import { Breadcrumb, Button, ButtonLink, Card, CardHeader, EmptyState, IconTile, LoadError, Mono, PageHeader, Skeleton } from '@/app/components/ui';
import { isActiveJob } from '@/app/lib/compute';
import { formatMicros } from '@/rules/money';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { CapacitySummary, CheckList, ClusterKindBadge, ClusterStatusBadge, PermissionTable } from '../cluster-report';
import { PriceCatalog } from './price-editor';

const ClusterQuery = graphql(`
  query Cluster($id: ID!) {
    cluster(id: $id) {
      id
      name
      kind
      status
      namespace
      server
      checkedAt
      createdAt
      checks {
        ...ClusterCheckFields
      }
      permissions {
        ...ClusterPermissionFields
      }
      capacity {
        ...ClusterCapacityFields
      }
      prices {
        ...ClusterPriceFields
      }
    }
  }
`);

const ClusterJobsQuery = graphql(`
  query ClusterJobs($clusterId: ID!) {
    jobs(clusterId: $clusterId, first: 5) {
      edges {
        node {
          id
          name
          status
          reason
          createdAt
          costMicros
        }
      }
    }
  }
`);

const RecheckCluster = graphql(`
  mutation RecheckCluster($id: ID!) {
    recheckCluster(id: $id) {
      id
      status
      checkedAt
    }
  }
`);

const RemoveCluster = graphql(`
  mutation RemoveCluster($id: ID!) {
    removeCluster(id: $id) {
      id
      name
    }
  }
`);

/** The newest jobs on this cluster, for a sense of what it is doing. */
function RecentJobs({ clusterId, clusterName }: { clusterId: string; clusterName: string }) {
  const { org } = useOrg();
  const q = useGqlQuery(ClusterJobsQuery, { clusterId }, { refetchInterval: (d) => (d?.jobs.edges.some((e) => isActiveJob(e.node.status)) ? 5000 : false) });
  const jobs = q.data?.jobs.edges.map((e) => e.node) ?? [];
  return (
    <Card className="min-w-0">
      <CardHeader title="Recent jobs" description={`The newest jobs on ${clusterName}`} />
      {q.isLoading ? (
        <Skeleton className="m-5 h-16" />
      ) : jobs.length === 0 ? (
        <p className="px-5 py-4 text-sm text-zinc-500">No jobs have run here yet.</p>
      ) : (
        <ul className="divide-y divide-zinc-100" data-testid="cluster-jobs">
          {jobs.map((j) => (
            <li key={j.id} className="flex items-center gap-3 px-5 py-2.5">
              <Link href={`/o/${org.slug}/jobs/${j.id}`} className="min-w-0 flex-1 truncate text-sm font-medium text-zinc-900 hover:text-brand-700">
                {j.name}
              </Link>
              <JobStatusBadge status={j.status} reason={j.reason} />
              <span className="w-20 text-right text-[13px] tabular-nums text-zinc-700">{formatMicros(j.costMicros)}</span>
              <span className="w-24 text-right text-xs text-zinc-400">{formatRelative(j.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0 px-5 py-3">
      <dt className="text-xs font-medium text-zinc-500">{label}</dt>
      <dd className="mt-1 truncate text-sm text-zinc-900">{children}</dd>
    </div>
  );
}

/** One cluster: where it is, its last connection check, its capacity and its price catalog. */
export function ClusterView({ clusterId }: { clusterId: string }) {
  const { org } = useOrg();
  const router = useRouter();
  const toast = useToast();
  const confirm = useConfirm();
  const canManage = useCan('CLUSTER_MANAGE');
  const q = useGqlQuery(ClusterQuery, { id: clusterId });
  const recheck = useGqlMutation(RecheckCluster);
  const remove = useGqlMutation(RemoveCluster);
  const c = q.data?.cluster;

  const breadcrumb = <Breadcrumb items={[{ label: 'Clusters', href: `/o/${org.slug}/clusters` }, { label: c?.name ?? '…' }]} />;

  if (q.error) {
    return (
      <>
        <PageHeader title="Cluster" breadcrumb={breadcrumb} />
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  }

  async function onRemove() {
    if (!c) return;
    const ok = await confirm({
      title: `Remove cluster “${c.name}”?`,
      body: 'Gantry erases its stored credentials and stops offering it for new jobs. Jobs that ran on it keep their history and cost. Nothing on the cluster itself is deleted.',
      confirmLabel: 'Remove cluster',
      danger: true,
    });
    if (!ok) return;
    remove.mutate(
      { id: c.id },
      {
        onSuccess: () => {
          toast.success('Cluster removed', `${c.name} is no longer connected.`);
          router.push(`/o/${org.slug}/clusters`);
        },
        onError: (e) => toast.error('Could not remove the cluster', e.message),
      },
    );
  }

  const kubernetes = c?.kind === 'kubernetes';
  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          c ? (
            <span className="inline-flex items-center gap-3">
              <IconTile>
                <ServerIcon className="size-5" />
              </IconTile>
              <span data-testid="cluster-name">{c.name}</span>
              <ClusterKindBadge kind={c.kind} />
              <ClusterStatusBadge status={c.status} />
            </span>
          ) : (
            <Skeleton className="h-9 w-64" />
          )
        }
        description={c && (kubernetes ? 'A connected Kubernetes cluster: jobs run as batch/v1 Jobs in its namespace.' : 'The built-in cluster: jobs run as processes on the Gantry host.')}
        actions={
          c && (
            <>
              <ButtonLink href={`/o/${org.slug}/jobs/new?cluster=${encodeURIComponent(c.name)}`} variant="secondary">
                <CpuIcon className="size-4" /> Submit job
              </ButtonLink>
              {canManage && kubernetes && (
                <>
                  <Button
                    variant="secondary"
                    loading={recheck.isPending}
                    onClick={() =>
                      recheck.mutate(
                        { id: c.id },
                        {
                          onSuccess: (d) => toast.success('Connection checked', `Status: ${d.recheckCluster.status}`),
                          onError: (e) => toast.error('Could not check the cluster', e.message),
                        },
                      )
                    }
                  >
                    <RefreshIcon className="size-4" /> Re-check
                  </Button>
                  <Button variant="danger-ghost" onClick={() => void onRemove()} loading={remove.isPending}>
                    <TrashIcon className="size-4" /> Remove
                  </Button>
                </>
              )}
            </>
          )
        }
      />

      <Card className="mb-6">
        {!c ? (
          <div className="grid grid-cols-2 gap-4 p-5 md:grid-cols-4">
            {Array.from({ length: 4 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : (
          kubernetes ? (
            <dl className="grid grid-cols-2 divide-zinc-100 md:grid-cols-4 md:divide-x">
              <Detail label="API server">
                <span className="font-mono text-[12.5px]" title={c.server ?? undefined}>
                  {c.server}
                </span>
              </Detail>
              <Detail label="Namespace">
                <Mono>{c.namespace}</Mono>
              </Detail>
              <Detail label="Last checked">{c.checkedAt ? <span title={formatDateTime(c.checkedAt)}>{formatRelative(c.checkedAt)}</span> : <span className="text-zinc-400">—</span>}</Detail>
              <Detail label="Connected">{formatDateTime(c.createdAt)}</Detail>
            </dl>
          ) : (
            <dl className="grid grid-cols-2 divide-zinc-100 md:divide-x">
              <Detail label="Runs jobs as">Child processes on the Gantry host, each under its own supervisor</Detail>
              <Detail label="Available since">{formatDateTime(c.createdAt)}</Detail>
            </dl>
          )
        )}
      </Card>

      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="min-w-0 space-y-6">
          {kubernetes && c && (
            <Card className="min-w-0">
              <CardHeader
                title="Connection check"
                description={c.checkedAt ? `Last run ${formatDateTime(c.checkedAt)}${canManage ? '; re-check after changing the cluster or its RBAC' : ''}` : undefined}
              />
              {c.checks.length === 0 ? <p className="px-5 py-4 text-sm text-zinc-500">Not checked yet.</p> : <CheckList checks={c.checks} />}
              {c.permissions.length > 0 && (
                <div className="border-t border-zinc-100">
                  <p className="px-5 pt-4 pb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Permissions in the namespace</p>
                  <PermissionTable permissions={c.permissions} />
                </div>
              )}
            </Card>
          )}
          <Card className="min-w-0">
            <CardHeader title="Capacity" description={kubernetes ? 'Allocatable resources from the last check, GPUs grouped by type' : undefined} />
            {!c ? (
              <Skeleton className="m-5 h-24" />
            ) : c.capacity ? (
              <CapacitySummary capacity={c.capacity} gpuPrices={c.prices.gpu} />
            ) : (
              <EmptyState
                icon={<ServerIcon />}
                title={kubernetes ? 'Capacity unknown' : 'Shares the Gantry host'}
                description={
                  kubernetes
                    ? 'The credentials may not list nodes, so GPU capacity is not known. Jobs can still run.'
                    : 'Local jobs run as child processes with the resources they request; there are no GPUs to schedule.'
                }
              />
            )}
          </Card>
          {c && <RecentJobs clusterId={c.id} clusterName={c.name} />}
        </div>
        {c ? (
          <PriceCatalog clusterId={c.id} prices={c.prices} canEdit={canManage === true} gpuTypes={c.capacity?.gpus.map((g) => g.gpuType) ?? []} />
        ) : (
          <Skeleton className="h-72" />
        )}
      </div>
    </>
  );
}
