'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { DownloadIcon } from '@/app/components/icons';
import { buttonClass, PageHeader } from '@/app/components/ui';
import { costFilterOf, costsHref, parseCostSearch, resolveRange, type CostSearch } from '@/app/lib/costs';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { BudgetsSection } from './budgets-section';
import { CostExplorer } from './cost-explorer';

/** What the organization spends: the cost explorer over a range, then this month's budgets. */
export function CostsView() {
  const { org } = useOrg();
  const router = useRouter();
  const query = useSearchParams().toString();
  const search = useMemo(() => parseCostSearch(new URLSearchParams(query)), [query]);
  const resolved = resolveRange(search, new Date());
  const range = 'error' in resolved ? null : resolved;
  // A custom range still being typed is not an error yet.
  const rangeError = 'error' in resolved && search.from && search.to ? resolved.error : null;
  const canManage = useCan('BUDGET_MANAGE');

  const change = (next: CostSearch) => {
    // Picking custom starts from the range shown, so the page never goes blank.
    if (next.range === 'custom' && search.range !== 'custom' && range) next = { ...next, from: range.firstDay, to: range.lastDay };
    router.replace(costsHref(org.slug, next), { scroll: false });
  };

  // The ledger lines behind what the page shows: the range and the drill-down's filters (GET /api/costs/export.csv).
  const filter = costFilterOf(search.filters);
  const csv = range
    ? `/api/costs/export.csv?${new URLSearchParams({ from: range.from.toISOString(), to: range.to.toISOString(), ...Object.fromEntries(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string')) }).toString()}`
    : null;
  const filtered = Object.keys(filter).length > 0;

  return (
    <>
      <PageHeader
        title="Costs"
        description="What jobs and deployments were charged: runtime × resources × the cluster’s prices."
        actions={
          csv && (
            <a
              href={csv}
              download
              className={buttonClass('secondary')}
              title={`Every ledger line${filtered ? ' of this view' : ''} from ${range!.firstDay} to ${range!.lastDay}, as CSV`}
              data-testid="costs-csv"
            >
              <DownloadIcon className="size-4" /> Download CSV
            </a>
          )
        }
      />
      <CostExplorer search={search} range={range} onChange={change} rangeError={rangeError} />
      <div className="mt-6">
        <BudgetsSection canManage={canManage} />
      </div>
    </>
  );
}
