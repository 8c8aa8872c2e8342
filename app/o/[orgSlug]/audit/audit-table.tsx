'use client';

import { useMemo, useState } from 'react';
import { graphql } from '@/app/gql';
import { FilterIcon, RefreshIcon, ScrollIcon, XIcon } from '@/app/components/icons';
import { Banner, Button, Card, CardBody, CardHeader, EmptyState, LoadError, TBody, TH, THead, Table, TableSkeleton, cx } from '@/app/components/ui';
import { toAuditEventFilter } from '@/app/lib/audit-filter';
import { useGqlInfiniteQuery, useGqlQuery } from '@/app/lib/gql-hooks';
import { EventRow } from './event-row';
import { FilterBar, invalidControls } from './filter-bar';
import { FilterSummary } from './filter-summary';
import { useAuditFilter } from './use-audit-filter';

const PAGE = 25;

const AuditEventsQuery = graphql(`
  query AuditEvents($first: Int!, $before: Int, $filter: AuditEventFilter) {
    auditEvents(first: $first, before: $before, filter: $filter) {
      nextCursor
      events {
        id
        seq
        occurredAt
        actorType
        actorLabel
        actorUserId
        actorApiKeyId
        action
        targetType
        targetId
        ip
        userAgent
        requestId
        data
        hash
      }
    }
  }
`);

const AuditFacets = graphql(`
  query AuditFacets {
    auditFacets {
      actions {
        action
        count
      }
      targetTypes {
        targetType
        count
      }
      actors {
        actorType
        userId
        apiKeyId
        apiKeyName
        label
        count
        lastAt
      }
    }
  }
`);

export function AuditTable() {
  const [open, setOpen] = useState<string | null>(null);
  const [filter, setFilter] = useAuditFilter();
  const variablesFilter = useMemo(() => toAuditEventFilter(filter), [filter]);
  const filtered = variablesFilter !== null;
  const facets = useGqlQuery(AuditFacets, {});
  const q = useGqlInfiniteQuery(
    AuditEventsQuery,
    (before: number | null) => ({ first: PAGE, before, filter: variablesFilter }),
    (page) => page.auditEvents.nextCursor,
    { keepPrevious: true },
  );
  const events = q.data?.pages.flatMap((p) => p.auditEvents.events) ?? [];
  const keyNames = useMemo(
    () => new Map((facets.data?.auditFacets.actors ?? []).flatMap((a) => (a.apiKeyId && a.apiKeyName ? [[a.apiKeyId, a.apiKeyName] as const] : []))),
    [facets.data],
  );
  const switching = q.isPlaceholderData;
  const badFilter = filtered && q.error?.code === 'BAD_USER_INPUT';

  const clear = (
    <Button variant="secondary" size="sm" onClick={() => setFilter({})}>
      <XIcon className="size-3.5" /> Clear filters
    </Button>
  );

  return (
    <Card>
      <CardHeader
        title="Events"
        description="Newest first. Every change in the organization is recorded in the same transaction as the change."
        actions={
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              void q.refetch();
              void facets.refetch();
            }}
            disabled={q.isFetching}
            aria-label="Refresh"
          >
            <RefreshIcon className={cx('size-3.5', q.isFetching && !q.isFetchingNextPage && 'animate-spin')} /> Refresh
          </Button>
        }
      />
      <FilterBar
        filter={filter}
        onChange={setFilter}
        facets={{ data: facets.data?.auditFacets, isLoading: facets.isLoading, error: facets.error }}
        invalid={invalidControls(badFilter ? q.error : null)}
      />
      {filtered && !badFilter && (
        <FilterSummary
          filter={filter}
          facets={facets.data?.auditFacets}
          onChange={setFilter}
          finding={q.isLoading || switching}
          failed={!!q.error}
          count={events.length}
          more={q.hasNextPage}
        />
      )}
      {q.isLoading ? (
        <TableSkeleton rows={6} cols={5} />
      ) : q.error ? (
        <CardBody>
          {badFilter ? (
            <Banner tone="error" title="These filters cannot be applied" action={clear}>
              {q.error.message}
            </Banner>
          ) : (
            <LoadError error={q.error} onRetry={() => void q.refetch()} />
          )}
        </CardBody>
      ) : events.length === 0 ? (
        filtered ? (
          <EmptyState
            icon={<FilterIcon />}
            title="No events match these filters"
            description="Every filter must hold. Remove one, or widen the time range, to see more of the log."
            action={clear}
          />
        ) : (
          <EmptyState icon={<ScrollIcon />} title="No events yet" />
        )
      ) : (
        <div aria-busy={switching || undefined} className={cx('transition-opacity', switching && 'opacity-60')}>
          <Table minWidth="min-w-[820px]">
            <THead>
              <TH dense className="w-14">#</TH>
              <TH dense>Time</TH>
              <TH dense>Actor</TH>
              <TH dense>Action</TH>
              <TH dense>Target</TH>
              <TH dense>IP · Request</TH>
            </THead>
            <TBody>
              {events.map((e) => (
                <EventRow key={e.id} event={e} keyName={e.actorApiKeyId ? keyNames.get(e.actorApiKeyId) : null} expanded={open === e.id} onToggle={() => setOpen(open === e.id ? null : e.id)} onChange={setFilter} />
              ))}
            </TBody>
          </Table>
          <div className="flex items-center justify-between border-t border-zinc-100 px-5 py-3 text-sm text-zinc-500">
            <span>
              Showing {events.length} {events.length === 1 ? 'event' : 'events'}
            </span>
            {q.hasNextPage ? (
              <Button variant="secondary" size="sm" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
                Load older
              </Button>
            ) : (
              <span className="text-zinc-400">{filtered ? 'No older matching events' : 'Beginning of the log'}</span>
            )}
          </div>
        </div>
      )}
    </Card>
  );
}
