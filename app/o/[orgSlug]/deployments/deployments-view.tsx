'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import { PlusIcon, RocketIcon } from '@/app/components/icons';
import { Badge, ButtonLink, Card, CardBody, CardHeader, EmptyState, LoadError, PageHeader, Table, TableSkeleton, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatCount, formatPercent } from '@/app/lib/deployments';
import { formatRelative } from '@/app/lib/format';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { TrafficBar, trafficState } from './traffic-bar';

const DeploymentsQuery = graphql(`
  query Deployments {
    deployments {
      id
      name
      modelId
      modelName
      followAlias
      status
      updatedAt
      traffic {
        arms {
          versionNumber
          weight
          role
        }
        shadows {
          versionNumber
        }
      }
      metrics(window: LAST_HOUR) {
        requests
        errorRate
      }
    }
  }
`);

/** The list refreshes its request counts this often. */
const POLL_MS = 10_000;

/** Every deployment of the organization: what it serves and how it has done over the last hour. */
export function DeploymentsView() {
  const { org } = useOrg();
  const canWrite = useCan('DEPLOYMENT_WRITE');
  const q = useGqlQuery(DeploymentsQuery, {}, { refetchInterval: POLL_MS });
  const list = q.data?.deployments ?? [];
  const deploy = canWrite && (
    <ButtonLink href={`/o/${org.slug}/deployments/new`}>
      <PlusIcon className="size-4" /> Deploy a model
    </ButtonLink>
  );
  return (
    <>
      <PageHeader title="Deployments" description="Models behind stable endpoints: which versions answer, in what share, and how they are doing." actions={deploy} />
      <Card>
        <CardHeader
          title={
            <span className="inline-flex items-center gap-2">
              All deployments {q.data && <Badge>{list.length}</Badge>}
            </span>
          }
          description="Requests and server error rate over the last hour"
        />
        {q.isLoading ? (
          <TableSkeleton rows={3} cols={5} />
        ) : q.error ? (
          <CardBody>
            <LoadError error={q.error} onRetry={() => void q.refetch()} />
          </CardBody>
        ) : list.length === 0 ? (
          <EmptyState
            icon={<RocketIcon />}
            title="No deployments yet"
            description="Deploy a registered model version: it gets an endpoint that speaks the Open Inference Protocol and MLflow’s scoring format, and a live dashboard."
            action={deploy || undefined}
          />
        ) : (
          <Table minWidth="min-w-[860px]">
            <THead>
              <TH>Deployment</TH>
              <TH>Model</TH>
              <TH>Traffic</TH>
              <TH className="text-right">Requests (1h)</TH>
              <TH className="text-right">Error rate</TH>
              <TH className="text-right">Changed</TH>
            </THead>
            <TBody>
              {list.map((d) => {
                const state = trafficState(d.traffic.arms, d.status);
                return (
                  <tr key={d.id} data-testid="deployment-row" className="hover:bg-zinc-50/70">
                    <TD>
                      <Link href={`/o/${org.slug}/deployments/${d.name}`} className="font-medium text-zinc-900 hover:text-brand-700 hover:underline">
                        {d.name}
                      </Link>
                    </TD>
                    <TD>
                      <Link href={`/o/${org.slug}/models/${d.modelId}`} className="text-zinc-700 hover:underline">
                        {d.modelName}
                      </Link>
                      {d.followAlias && <span className="ml-1.5 text-zinc-400">@{d.followAlias}</span>}
                    </TD>
                    <TD>
                      <div className="flex items-center gap-3">
                        <Badge tone={state.tone}>{state.label}</Badge>
                        <TrafficBar arms={d.traffic.arms} shadows={d.traffic.shadows} compact />
                      </div>
                    </TD>
                    <TD className="text-right tabular-nums">{formatCount(d.metrics.requests)}</TD>
                    <TD className={`text-right tabular-nums ${d.metrics.errorRate > 0.01 ? 'font-medium text-red-600' : ''}`}>{d.metrics.requests ? formatPercent(d.metrics.errorRate) : '—'}</TD>
                    <TD className="text-right text-zinc-500">{formatRelative(d.updatedAt)}</TD>
                  </tr>
                );
              })}
            </TBody>
          </Table>
        )}
      </Card>
    </>
  );
}
