'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { DeploymentMetricsWindow } from '@/app/gql/graphql';
import { Card, CardBody, CardHeader, cx, LoadError, Skeleton, Table, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatCount, versionColor } from '@/app/lib/deployments';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { formatMicros } from '@/rules/money';

const DeploymentCostsQuery = graphql(`
  query DeploymentCosts($name: String!, $window: DeploymentMetricsWindow!) {
    deployment(name: $name) {
      id
      cluster {
        id
        name
      }
      cpu
      memoryMib
      gpuCount
      gpuType
      replicas
      costs(window: $window) {
        totalMicros
        requests
        per1000Micros
        versions {
          version
          replicaSeconds
          costMicros
          requests
          per1000Micros
        }
      }
    }
  }
`);

const COST_WINDOWS: { value: DeploymentMetricsWindow; label: string }[] = [
  { value: 'LAST_HOUR', label: '1h' },
  { value: 'LAST_24_HOURS', label: '24h' },
  { value: 'LAST_7_DAYS', label: '7d' },
];

/** Per 1,000 predictions, with enough digits to tell cheap versions apart. */
const per1000 = (micros: string | number | null | undefined) => (micros == null ? '—' : Number(micros) < 10_000 ? `$${(Number(micros) / 1e6).toFixed(4)}` : formatMicros(micros));

/** What the deployment cost: each version's replica-hours priced by the cluster's catalog, and per 1,000 predictions. */
export function CostsPanel({ name }: { name: string }) {
  const [window, setWindow] = useState<DeploymentMetricsWindow>('LAST_24_HOURS');
  // Close to the dashboard's 3 s, so that the two cards do not disagree about the requests for long.
  const q = useGqlQuery(DeploymentCostsQuery, { name, window }, { refetchInterval: 5_000, keepPrevious: true });
  const d = q.data?.deployment;
  const c = d?.costs;
  return (
    <Card className="mt-6">
      <CardHeader
        title="Cost"
        description={
          d
            ? `Replica-hours × ${d.cpu} CPU, ${d.memoryMib} MiB${d.gpuCount ? ` and ${d.gpuCount}${d.gpuType ? ` ${d.gpuType}` : ''} GPU${d.gpuCount > 1 ? 's' : ''}` : ''} per replica × the prices of cluster ${d.cluster.name}, divided by the predictions each version answered.`
            : 'Replica-hours × resources × the cluster’s prices, per 1,000 predictions.'
        }
        actions={
          <div role="group" aria-label="Cost window" className="inline-flex rounded-md p-0.5 ring-1 ring-inset ring-zinc-200">
            {COST_WINDOWS.map((w) => (
              <button
                key={w.value}
                type="button"
                aria-pressed={window === w.value}
                onClick={() => setWindow(w.value)}
                className={cx('rounded px-2.5 py-1 text-[13px] font-medium tabular-nums', window === w.value ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900')}
              >
                {w.label}
              </button>
            ))}
          </div>
        }
      />
      <CardBody className="p-0">
        {q.error ? (
          <div className="p-5">
            <LoadError error={q.error} onRetry={() => void q.refetch()} />
          </div>
        ) : !c ? (
          <div className="p-5">
            <Skeleton className="h-20" />
          </div>
        ) : (
          <Table>
            <THead>
              <TH>Version</TH>
              <TH className="text-right">Replica-hours</TH>
              <TH className="text-right">Cost</TH>
              <TH className="text-right">Predictions</TH>
              <TH className="text-right">Per 1,000 predictions</TH>
            </THead>
            <TBody>
              {c.versions.map((v) => (
                <tr key={v.version} data-testid={`cost-v${v.version}`}>
                  <TD>
                    <span className="inline-flex items-center gap-2 font-medium">
                      <span className="size-2.5 rounded-full" style={{ background: versionColor(v.version) }} />v{v.version}
                    </span>
                  </TD>
                  <TD className="text-right tabular-nums">{(v.replicaSeconds / 3600).toFixed(2)}</TD>
                  <TD className="text-right tabular-nums">{formatMicros(v.costMicros)}</TD>
                  <TD className="text-right tabular-nums">{formatCount(v.requests)}</TD>
                  <TD className="text-right tabular-nums">{per1000(v.per1000Micros)}</TD>
                </tr>
              ))}
              <tr className="font-medium" data-testid="cost-total">
                <TD>Total</TD>
                <TD />
                <TD className="text-right tabular-nums">{formatMicros(c.totalMicros)}</TD>
                <TD className="text-right tabular-nums">{formatCount(c.requests)}</TD>
                <TD className="text-right tabular-nums">{per1000(c.per1000Micros)}</TD>
              </tr>
            </TBody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}
