'use client';

import Link from 'next/link';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { RunAttribute, RunStatus } from '@/app/gql/graphql';
import { ArrowDownIcon, ArrowUpIcon, ChevronLeftIcon, ChevronRightIcon, FilterIcon, KeyIcon } from '@/app/components/icons';
import { RunStatusBadge } from '@/app/components/run-status';
import { Skeleton, Spinner, cx } from '@/app/components/ui';
import { formatShortDateTime } from '@/app/lib/format';
import { useOrg } from '@/app/lib/org-context';
import { formatDuration, formatMetric, runDuration, toNumber } from '@/app/lib/tracking';

export type SortKey = { kind: 'attribute'; key: RunAttribute; ascending: boolean } | { kind: 'metric' | 'param'; key: string; ascending: boolean };

export interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  startTime: string;
  endTime: string | null;
  createdBy: { user: { name: string; email: string } | null; apiKey: { name: string } | null } | null;
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
  latestMetrics: { key: string; value: unknown; step: number }[];
}

const ROW = 44;
const HEAD = 40;
const GROUP_HEAD = 26;
const OVERSCAN = 8;

interface Column {
  id: string;
  label: React.ReactNode;
  width: number;
  sort?: { kind: 'attribute'; key: RunAttribute } | { kind: 'metric' | 'param'; key: string };
  filter?: { kind: 'metric' | 'param'; key: string };
  align?: 'right';
  group?: 'param' | 'metric';
  /** Stays in view while the table scrolls sideways. */
  sticky?: boolean;
  cell: (r: RunRow) => React.ReactNode;
}

/**
 * The runs table: a CSS grid with hand-rolled windowing (only rows in view, plus a
 * margin, are in the DOM), so thousands of runs scroll smoothly. Scrolling near the
 * end asks for the next cursor page. Sorting is the server's (`orderBy`).
 */
export function RunsTable({
  rows,
  loading,
  params,
  metrics,
  sort,
  onSort,
  selected,
  onSelected,
  hasMore,
  loadingMore,
  onLoadMore,
  onFilterColumn,
}: {
  rows: RunRow[];
  loading: boolean;
  params: string[];
  metrics: string[];
  sort: SortKey;
  onSort: (s: SortKey) => void;
  selected: string[];
  onSelected: (ids: string[]) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  onFilterColumn: (kind: 'metric' | 'param', key: string) => void;
}) {
  const { org } = useOrg();
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  /** How far the table can still scroll sideways each way, for the edge shadows and buttons. */
  const [sideways, setSideways] = useState({ left: 0, right: 0 });
  const [now, setNow] = useState(() => Date.now());

  const measureSideways = () => {
    const el = scroller.current;
    if (el) setSideways({ left: el.scrollLeft, right: el.scrollWidth - el.clientWidth - el.scrollLeft });
  };
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      setViewport(el.clientHeight);
      measureSideways();
    });
    ro.observe(el);
    if (el.firstElementChild) ro.observe(el.firstElementChild);
    setViewport(el.clientHeight);
    measureSideways();
    return () => ro.disconnect();
  }, []);

  // Durations of running runs tick without refetching.
  const anyRunning = rows.some((r) => r.status === 'RUNNING');
  useEffect(() => {
    if (!anyRunning) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [anyRunning]);

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW) + OVERSCAN);
  useEffect(() => {
    if (hasMore && !loadingMore && last >= rows.length - OVERSCAN) onLoadMore();
  }, [hasMore, loadingMore, last, rows.length, onLoadMore]);

  const selectedSet = new Set(selected);
  const allSelected = rows.length > 0 && rows.every((r) => selectedSet.has(r.id));
  const toggle = (id: string) => onSelected(selectedSet.has(id) ? selected.filter((s) => s !== id) : [...selected, id]);

  const columns: Column[] = [
    {
      id: 'name',
      label: 'Run',
      width: 210,
      sticky: true,
      sort: { kind: 'attribute', key: 'NAME' },
      cell: (r) => (
        <Link href={`/o/${org.slug}/runs/${r.id}`} className="block truncate font-medium text-zinc-900 hover:text-brand-600" title={r.name} data-testid="run-link">
          {r.name}
        </Link>
      ),
    },
    { id: 'status', label: 'Status', width: 112, sort: { kind: 'attribute', key: 'STATUS' }, cell: (r) => <RunStatusBadge status={r.status} /> },
    {
      id: 'start',
      label: 'Started',
      width: 150,
      sort: { kind: 'attribute', key: 'START_TIME' },
      cell: (r) => <span className="whitespace-nowrap tabular-nums text-zinc-600">{formatShortDateTime(r.startTime)}</span>,
    },
    {
      id: 'duration',
      label: 'Duration',
      width: 90,
      align: 'right',
      cell: (r) => <span className="tabular-nums text-zinc-600">{formatDuration(runDuration(r, now))}</span>,
    },
    {
      id: 'creator',
      label: 'Created by',
      width: 150,
      sort: { kind: 'attribute', key: 'CREATOR' },
      cell: (r) => {
        const by = r.createdBy;
        const person = by?.user ? by.user.name || by.user.email : null;
        if (by?.apiKey) {
          return (
            <span className="flex min-w-0 items-center gap-1.5 text-zinc-600" title={`API key ${by.apiKey.name}${person ? ` of ${person}` : ''}`}>
              <KeyIcon className="size-3.5 shrink-0 text-zinc-400" />
              <span className="truncate">{by.apiKey.name}</span>
            </span>
          );
        }
        return person ? (
          <span className="truncate text-zinc-600" title={by?.user?.email}>
            {person}
          </span>
        ) : (
          <span className="text-zinc-300">—</span>
        );
      },
    },
    ...metrics.map<Column>((k) => ({
      id: `m:${k}`,
      label: k,
      width: 116,
      align: 'right',
      group: 'metric',
      sort: { kind: 'metric', key: k },
      filter: { kind: 'metric', key: k },
      cell: (r) => {
        const m = r.latestMetrics.find((x) => x.key === k);
        return m ? (
          <span className="font-medium tabular-nums text-zinc-900" title={`step ${m.step}`}>
            {formatMetric(toNumber(m.value))}
          </span>
        ) : (
          <span className="text-zinc-300">—</span>
        );
      },
    })),
    ...params.map<Column>((k) => ({
      id: `p:${k}`,
      label: k,
      width: 116,
      group: 'param',
      sort: { kind: 'param', key: k },
      filter: { kind: 'param', key: k },
      cell: (r) => {
        const p = r.params.find((x) => x.key === k);
        return p ? (
          <span className="block truncate font-mono text-[12.5px] text-zinc-700" title={p.value}>
            {p.value}
          </span>
        ) : (
          <span className="text-zinc-300">—</span>
        );
      },
    })),
  ];
  const template = `44px ${columns.map((c) => `${c.width}px`).join(' ')} minmax(0,1fr)`;
  const minWidth = 44 + columns.reduce((s, c) => s + c.width, 0);
  const isSorted = (c: Column) => c.sort && c.sort.kind === sort.kind && c.sort.key === sort.key;

  const sticky = 44 + columns.filter((c) => c.sticky).reduce((n, c) => n + c.width, 0);
  const scrollBy = (dir: 1 | -1) => {
    const el = scroller.current;
    if (el) el.scrollBy({ left: dir * Math.max(200, (el.clientWidth - sticky) * 0.8), behavior: 'smooth' });
  };
  const edgeTop = metrics.length + params.length > 0 ? GROUP_HEAD : 0;

  return (
    // Columns past the right edge are one scroll away: a shadow and a button say so, which the
    // scrollbar alone does not where the system hides it until it is used.
    <div className="relative">
      <div
        ref={scroller}
        role="table"
        aria-label="Runs"
        aria-rowcount={rows.length + 1}
        data-testid="runs-table"
        className="relative max-h-[calc(100dvh-18rem)] min-h-32 overflow-auto"
        style={{ height: HEAD + (metrics.length + params.length > 0 ? GROUP_HEAD : 0) + Math.max(rows.length, loading ? 6 : 1) * ROW + (hasMore ? ROW : 0) + 2 }}
        onScroll={(e) => {
          setScrollTop(e.currentTarget.scrollTop);
          measureSideways();
        }}
      >
        <div style={{ minWidth }}>
          <div className="sticky top-0 z-10">
            {(metrics.length > 0 || params.length > 0) && (
              <div className="grid border-b border-zinc-100 bg-zinc-50 text-[11px] font-semibold uppercase tracking-wider text-zinc-400" style={{ gridTemplateColumns: template, height: GROUP_HEAD }}>
                <div style={{ gridColumn: `span ${columns.length - metrics.length - params.length + 1}` }} />
                {metrics.length > 0 && (
                  <div className="flex items-center justify-center border-l border-zinc-200 bg-brand-50/50 text-brand-600" style={{ gridColumn: `span ${metrics.length}` }}>
                    Latest metrics
                  </div>
                )}
                {params.length > 0 && (
                  <div className="flex items-center justify-center border-l border-zinc-200" style={{ gridColumn: `span ${params.length}` }}>
                    Params
                  </div>
                )}
                <div />
              </div>
            )}
            <div
              role="row"
              className="grid border-b border-zinc-200 bg-zinc-50 text-xs font-medium uppercase tracking-wide text-zinc-500"
              style={{ gridTemplateColumns: template, height: HEAD }}
            >
              <div role="columnheader" className="sticky left-0 z-10 flex items-center justify-center bg-zinc-50">
                <input
                  type="checkbox"
                  aria-label="Select all loaded runs"
                  className="size-3.5 rounded accent-zinc-900"
                  checked={allSelected}
                  onChange={() => onSelected(allSelected ? [] : rows.map((r) => r.id))}
                />
              </div>
              {columns.map((c) => (
                <div
                  key={c.id}
                  role="columnheader"
                  aria-sort={isSorted(c) ? (sort.ascending ? 'ascending' : 'descending') : undefined}
                  className={cx(
                    'group flex min-w-0 items-center gap-1 px-3',
                    c.align === 'right' && 'justify-end',
                    c.group && 'normal-case tracking-normal',
                    c.sticky && 'sticky left-11 z-10 bg-zinc-50 shadow-[1px_0_0_var(--color-zinc-200)]',
                    (c.id === `m:${metrics[0]}` || (c.id === `p:${params[0]}`)) && 'border-l border-zinc-200',
                  )}
                >
                  {c.sort ? (
                    <button
                      type="button"
                      className={cx('flex min-w-0 items-center gap-1 hover:text-zinc-900', !c.group && 'uppercase', isSorted(c) && 'text-zinc-900')}
                      aria-label={`Sort by ${typeof c.label === 'string' ? c.label : c.id}`}
                      onClick={() =>
                        onSort({ ...c.sort!, ascending: isSorted(c) ? !sort.ascending : c.sort!.kind === 'attribute' && c.sort!.key === 'NAME' } as SortKey)
                      }
                    >
                      <span className={cx('truncate', c.group && 'font-mono text-[12px]')} title={c.group ? String(c.label) : undefined}>
                      {c.label}
                    </span>
                      {isSorted(c) && (sort.ascending ? <ArrowUpIcon className="size-3 shrink-0" /> : <ArrowDownIcon className="size-3 shrink-0" />)}
                    </button>
                  ) : (
                    <span className="truncate">{c.label}</span>
                  )}
                  {c.filter && (
                    <button
                      type="button"
                      aria-label={`Filter by ${c.filter.kind} ${c.filter.key}`}
                      className="shrink-0 rounded p-0.5 text-zinc-300 opacity-0 group-hover:opacity-100 hover:bg-zinc-200 hover:text-zinc-700 focus:opacity-100"
                      onClick={() => onFilterColumn(c.filter!.kind, c.filter!.key)}
                    >
                      <FilterIcon className="size-3" />
                    </button>
                  )}
                </div>
              ))}
              <div />
            </div>
          </div>

          <div role="rowgroup" className="relative" style={{ height: rows.length * ROW }}>
            {rows.slice(first, last).map((r, i) => {
              const index = first + i;
              const on = selectedSet.has(r.id);
              return (
                <div
                  key={r.id}
                  role="row"
                  aria-rowindex={index + 2}
                  aria-selected={on}
                  data-testid="run-row"
                  className={cx('group/row absolute inset-x-0 grid items-center border-b border-zinc-100 text-sm', on ? 'bg-brand-50' : 'bg-white hover:bg-zinc-50')}
                  style={{ gridTemplateColumns: template, height: ROW, transform: `translateY(${index * ROW}px)` }}
                >
                  <div role="cell" className="sticky left-0 z-[1] flex h-full items-center justify-center bg-inherit">
                    <input type="checkbox" aria-label={`Select ${r.name}`} className="size-3.5 rounded accent-zinc-900" checked={on} onChange={() => toggle(r.id)} />
                  </div>
                  {columns.map((c) => (
                    <div
                      key={c.id}
                      role="cell"
                      className={cx(
                        'flex h-full min-w-0 items-center px-3',
                        c.align === 'right' && 'justify-end',
                        c.sticky && 'sticky left-11 z-[1] bg-inherit shadow-[1px_0_0_var(--color-zinc-100)]',
                        (c.id === `m:${metrics[0]}` || c.id === `p:${params[0]}`) && 'border-l border-zinc-100',
                      )}
                    >
                      {c.cell(r)}
                    </div>
                  ))}
                  <div />
                </div>
              );
            })}
          </div>
          {loading &&
            Array.from({ length: 6 }, (_, i) => (
              <div key={i} role="status" aria-label="Loading" className="flex items-center gap-6 border-b border-zinc-100 px-5" style={{ height: ROW }}>
                <Skeleton className="h-4 w-40" />
                <Skeleton className="h-4 w-16" />
                <Skeleton className="h-4 w-28" />
                <Skeleton className="h-4 w-14" />
              </div>
            ))}
          {hasMore && (
            <div className="flex items-center justify-center gap-2 text-[13px] text-zinc-500" style={{ height: ROW }}>
              {loadingMore ? (
                <>
                  <Spinner className="size-3.5" /> Loading more runs…
                </>
              ) : (
                <button type="button" className="font-medium text-brand-600 hover:text-brand-700" onClick={onLoadMore}>
                  Load more runs
                </button>
              )}
            </div>
          )}
        </div>
      </div>
      {sideways.left > 1 && (
        <div className="pointer-events-none absolute inset-y-0 z-20 w-8 bg-gradient-to-r from-zinc-900/[0.06] to-transparent" style={{ left: sticky }}>
          <button
            type="button"
            aria-label="Scroll to earlier columns"
            onClick={() => scrollBy(-1)}
            className="pointer-events-auto absolute left-1.5 flex size-7 items-center justify-center rounded-full bg-white text-zinc-600 shadow-sm ring-1 ring-zinc-200 hover:text-zinc-900"
            style={{ top: edgeTop + (HEAD - 28) / 2 }}
          >
            <ChevronLeftIcon className="size-4" />
          </button>
        </div>
      )}
      {sideways.right > 1 && (
        <div className="pointer-events-none absolute inset-y-0 right-0 z-20 w-12 bg-gradient-to-l from-zinc-900/[0.07] to-transparent" data-testid="runs-table-more-right">
          <button
            type="button"
            aria-label="Scroll to more columns"
            onClick={() => scrollBy(1)}
            className="pointer-events-auto absolute right-1.5 flex size-7 items-center justify-center rounded-full bg-white text-zinc-600 shadow-sm ring-1 ring-zinc-200 hover:text-zinc-900"
            style={{ top: edgeTop + (HEAD - 28) / 2 }}
          >
            <ChevronRightIcon className="size-4" />
          </button>
        </div>
      )}
    </div>
  );
}