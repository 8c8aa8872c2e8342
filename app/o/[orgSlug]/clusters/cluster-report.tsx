import { AlertIcon, CheckCircleIcon, MinusCircleIcon, XCircleIcon } from '@/app/components/icons';
import { Badge, cx, Table, TBody, TD, TH, THead } from '@/app/components/ui';
import { graphql } from '@/app/gql';
import type { ClusterCapacityFieldsFragment, ClusterCheckFieldsFragment, ClusterPermissionFieldsFragment, ClusterPriceFieldsFragment } from '@/app/gql/graphql';
import { formatMiB } from '@/app/lib/compute';
import { formatPriceMicros } from '@/rules/money';

/** What the report components show, asked for by every query that feeds them. */
graphql(`
  fragment ClusterCheckFields on ClusterCheck {
    id
    title
    status
    message
  }
`);
graphql(`
  fragment ClusterPermissionFields on ClusterPermission {
    verb
    group
    resource
    required
    allowed
    purpose
  }
`);
graphql(`
  fragment ClusterCapacityFields on ClusterCapacity {
    cpuCores
    memoryMiB
    gpus {
      gpuType
      allocatable
      nodes
    }
  }
`);
graphql(`
  fragment ClusterPriceFields on PriceCatalog {
    cpuCoreHourMicros
    memoryGibHourMicros
    gpu {
      gpuType
      hourMicros
    }
  }
`);

export type ReportCheck = ClusterCheckFieldsFragment;
export type ReportPermission = ClusterPermissionFieldsFragment;
export type ReportCapacity = ClusterCapacityFieldsFragment;

const CHECK_STYLE: Record<string, { icon: React.ReactNode; label: string; text: string }> = {
  passed: { icon: <CheckCircleIcon className="size-[18px] text-emerald-600" />, label: 'Passed', text: 'text-zinc-600' },
  warning: { icon: <AlertIcon className="size-[18px] text-amber-600" />, label: 'Warning', text: 'text-amber-800' },
  failed: { icon: <XCircleIcon className="size-[18px] text-red-600" />, label: 'Failed', text: 'text-red-700' },
  skipped: { icon: <MinusCircleIcon className="size-[18px] text-zinc-300" />, label: 'Skipped', text: 'text-zinc-400' },
};

/** The connection check line by line: what was checked, how it went, and what to do about it. */
export function CheckList({ checks }: { checks: ReportCheck[] }) {
  return (
    <ol className="divide-y divide-zinc-100" data-testid="cluster-checks">
      {checks.map((c) => {
        const s = CHECK_STYLE[c.status] ?? CHECK_STYLE.skipped!;
        return (
          <li key={c.id} className="flex gap-3 px-5 py-3" data-testid="cluster-check" data-check={c.id} data-status={c.status}>
            <span className="mt-px shrink-0" role="img" aria-label={s.label}>
              {s.icon}
            </span>
            <div className="min-w-0">
              <p className={cx('text-sm font-medium', c.status === 'skipped' ? 'text-zinc-400' : 'text-zinc-900')}>{c.title}</p>
              <p className={cx('mt-0.5 text-[13px] break-words', s.text)}>{c.message}</p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** What Gantry must be allowed to do in the namespace, and whether the credentials may. */
export function PermissionTable({ permissions }: { permissions: ReportPermission[] }) {
  return (
    <Table minWidth="min-w-0">
      <THead>
        <TH>Permission</TH>
        <TH>Required</TH>
        <TH className="text-right">Allowed</TH>
      </THead>
      <TBody>
        {permissions.map((p) => {
          const missing = p.allowed === false;
          return (
            <tr
              key={`${p.verb} ${p.group} ${p.resource}`}
              data-testid="cluster-permission"
              data-allowed={String(p.allowed)}
              className={missing && p.required ? 'bg-red-50/50' : undefined}
            >
              <TD className="py-2">
                <p className="font-mono text-[12.5px] text-zinc-900">
                  {p.verb} {p.resource}
                  {p.group && <span className="text-zinc-400">.{p.group}</span>}
                </p>
                <p className="text-xs text-zinc-500">to {p.purpose}</p>
              </TD>
              <TD className="py-2">{p.required ? <Badge>Required</Badge> : <span className="text-[13px] text-zinc-400">Optional</span>}</TD>
              <TD className="py-2 text-right whitespace-nowrap">
                {p.allowed === true ? (
                  <span className="inline-flex items-center gap-1 text-[13px] font-medium text-emerald-700">
                    <CheckCircleIcon className="size-4" /> Yes
                  </span>
                ) : p.allowed === false ? (
                  <span className={cx('inline-flex items-center gap-1 text-[13px] font-medium', p.required ? 'text-red-700' : 'text-amber-700')}>
                    <XCircleIcon className="size-4" /> No
                  </span>
                ) : (
                  <span className="text-[13px] text-zinc-400" title="The cluster could not say, or an earlier check failed">
                    Unknown
                  </span>
                )}
              </TD>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}

/** GPU pools by type, with what the price catalog charges for each when it is given. */
export function CapacitySummary({ capacity, gpuPrices }: { capacity: ReportCapacity; gpuPrices?: ClusterPriceFieldsFragment['gpu'] }) {
  const totalGpus = capacity.gpus.reduce((n, g) => n + g.allocatable, 0);
  return (
    <div data-testid="cluster-capacity">
      <dl className="grid grid-cols-3 divide-x divide-zinc-100 border-b border-zinc-100">
        <div className="px-5 py-3">
          <dt className="text-xs font-medium text-zinc-500">GPUs</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums text-zinc-900">{totalGpus}</dd>
        </div>
        <div className="px-5 py-3">
          <dt className="text-xs font-medium text-zinc-500">CPU</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums text-zinc-900">{Number(capacity.cpuCores.toFixed(1))} cores</dd>
        </div>
        <div className="px-5 py-3">
          <dt className="text-xs font-medium text-zinc-500">Memory</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums text-zinc-900">{formatMiB(capacity.memoryMiB)}</dd>
        </div>
      </dl>
      {capacity.gpus.length === 0 ? (
        <p className="px-5 py-4 text-sm text-zinc-500">No node has allocatable GPUs: jobs that ask for a GPU would not be scheduled.</p>
      ) : (
        <Table minWidth="min-w-0">
          <THead>
            <TH>GPU type</TH>
            <TH className="text-right">Allocatable</TH>
            <TH className="text-right">Nodes</TH>
            {gpuPrices && <TH className="text-right">Price / GPU-hour</TH>}
          </THead>
          <TBody>
            {capacity.gpus.map((g) => {
              const price = gpuPrices?.find((p) => p.gpuType === g.gpuType);
              return (
                <tr key={g.gpuType} data-testid="gpu-pool" data-gpu-type={g.gpuType}>
                  <TD className="py-2 font-mono text-[12.5px] text-zinc-900">{g.gpuType}</TD>
                  <TD className="py-2 text-right tabular-nums">{g.allocatable}</TD>
                  <TD className="py-2 text-right tabular-nums text-zinc-500">{g.nodes}</TD>
                  {gpuPrices && (
                    <TD className="py-2 text-right tabular-nums">{price ? formatPriceMicros(price.hourMicros) : <span className="text-amber-700">Not priced</span>}</TD>
                  )}
                </tr>
              );
            })}
          </TBody>
        </Table>
      )}
    </div>
  );
}

const STATUS_TONE: Record<string, 'green' | 'amber' | 'red' | 'neutral'> = { ready: 'green', degraded: 'amber', unreachable: 'red' };
const STATUS_DOT: Record<string, string> = { ready: 'bg-emerald-500', degraded: 'bg-amber-500', unreachable: 'bg-red-500' };

/** Ready, degraded (a warning in the last check) or unreachable. */
export function ClusterStatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={STATUS_TONE[status] ?? 'neutral'}>
      <span aria-hidden="true" className={cx('size-1.5 rounded-full', STATUS_DOT[status] ?? 'bg-zinc-400')} />
      <span data-testid="cluster-status">{status.charAt(0).toUpperCase() + status.slice(1)}</span>
    </Badge>
  );
}

export function ClusterKindBadge({ kind }: { kind: string }) {
  return <Badge tone={kind === 'local' ? 'neutral' : 'violet'}>{kind === 'local' ? 'Local' : 'Kubernetes'}</Badge>;
}
