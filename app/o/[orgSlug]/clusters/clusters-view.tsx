'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import { PlusIcon, ServerIcon } from '@/app/components/icons';
import { Badge, ButtonLink, Card, CardHeader, LoadError, PageHeader, Table, TableSkeleton, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatPriceMicros } from '@/rules/money';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { ClusterKindBadge, ClusterStatusBadge } from './cluster-report';

const ClustersQuery = graphql(`
  query Clusters {
    clusters {
      id
      name
      kind
      status
      namespace
      server
      checkedAt
      capacity {
        ...ClusterCapacityFields
      }
      prices {
        ...ClusterPriceFields
      }
    }
  }
`);

/** The organization's clusters: the built-in `local` one first, then connected Kubernetes clusters. */
export function ClustersView() {
  const { org } = useOrg();
  const canManage = useCan('CLUSTER_MANAGE');
  const { data, isLoading, error, refetch } = useGqlQuery(ClustersQuery, {});
  const clusters = data?.clusters ?? [];

  return (
    <>
      <PageHeader
        title="Clusters"
        description="Where training jobs run. Each cluster has a price catalog that jobs are charged by."
        actions={
          canManage && (
            <ButtonLink href={`/o/${org.slug}/clusters/connect`}>
              <PlusIcon className="size-4" /> Connect cluster
            </ButtonLink>
          )
        }
      />
      {error ? (
        <LoadError error={error} onRetry={() => void refetch()} />
      ) : (
        <Card>
          <CardHeader
            title={<span className="inline-flex items-center gap-2">Clusters {data && <Badge>{clusters.length}</Badge>}</span>}
            description={canManage === false ? 'Admins connect clusters and set their prices.' : 'Connect your own Kubernetes clusters with a kubeconfig; credentials are stored encrypted.'}
          />
          {isLoading ? (
            <TableSkeleton rows={2} cols={5} />
          ) : (
            <Table minWidth="min-w-[880px]">
              <THead>
                <TH>Cluster</TH>
                <TH>Status</TH>
                <TH>Endpoint</TH>
                <TH>GPU capacity</TH>
                <TH>Prices per hour</TH>
              </THead>
              <TBody>
                {clusters.map((c) => (
                  <tr key={c.id} data-testid="cluster-row" data-cluster-name={c.name} className="align-top hover:bg-zinc-50/70">
                    <TD>
                      <Link href={`/o/${org.slug}/clusters/${c.id}`} className="inline-flex items-center gap-3 font-medium text-zinc-900 hover:text-brand-700">
                        <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                          <ServerIcon className="size-4" />
                        </span>
                        <span className="min-w-0">
                          <span className="block">{c.name}</span>
                          <span className="mt-0.5 block">
                            <ClusterKindBadge kind={c.kind} />
                          </span>
                        </span>
                      </Link>
                    </TD>
                    <TD>
                      <ClusterStatusBadge status={c.status} />
                      {c.checkedAt && (
                        <p className="mt-1 text-xs text-zinc-400" title={formatDateTime(c.checkedAt)}>
                          Checked {formatRelative(c.checkedAt)}
                        </p>
                      )}
                    </TD>
                    <TD className="max-w-64">
                      {c.kind === 'local' ? (
                        <span className="text-[13px] text-zinc-500">Processes on the Gantry host</span>
                      ) : (
                        <>
                          <p className="truncate font-mono text-[12.5px] text-zinc-700" title={c.server ?? undefined}>
                            {c.server}
                          </p>
                          <p className="mt-0.5 text-xs text-zinc-500">
                            namespace <span className="font-mono">{c.namespace}</span>
                          </p>
                        </>
                      )}
                    </TD>
                    <TD>
                      {!c.capacity ? (
                        <span className="text-[13px] text-zinc-400">{c.kind === 'local' ? 'No GPUs' : 'Unknown'}</span>
                      ) : c.capacity.gpus.length === 0 ? (
                        <span className="text-[13px] text-zinc-500">No GPUs</span>
                      ) : (
                        <ul className="space-y-1">
                          {c.capacity.gpus.map((g) => (
                            <li key={g.gpuType} className="flex items-center gap-1.5 text-[13px]" data-testid="gpu-pool" data-gpu-type={g.gpuType}>
                              <span className="font-semibold tabular-nums text-zinc-900">{g.allocatable}</span>
                              <span className="text-zinc-400">×</span>
                              <span className="font-mono text-[12.5px] text-zinc-700">{g.gpuType}</span>
                              <span className="text-xs text-zinc-400">
                                · {g.nodes} node{g.nodes === 1 ? '' : 's'}
                              </span>
                            </li>
                          ))}
                        </ul>
                      )}
                    </TD>
                    <TD>
                      <dl className="grid grid-cols-[auto_auto] justify-start gap-x-3 gap-y-0.5 text-[13px]" data-testid="cluster-prices">
                        <dt className="text-zinc-500">CPU core</dt>
                        <dd className="tabular-nums text-zinc-900">{formatPriceMicros(c.prices.cpuCoreHourMicros)}</dd>
                        <dt className="text-zinc-500">Memory GiB</dt>
                        <dd className="tabular-nums text-zinc-900">{formatPriceMicros(c.prices.memoryGibHourMicros)}</dd>
                        {c.prices.gpu.map((g) => (
                          <div key={g.gpuType} className="contents">
                            <dt className="font-mono text-[12px] text-zinc-500">{g.gpuType}</dt>
                            <dd className="tabular-nums text-zinc-900">{formatPriceMicros(g.hourMicros)}</dd>
                          </div>
                        ))}
                      </dl>
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
