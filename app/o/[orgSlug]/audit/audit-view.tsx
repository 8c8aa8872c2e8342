'use client';

import { useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { graphql } from '@/app/gql';
import type { AuditChainQuery } from '@/app/gql/graphql';
import { ChevronDownIcon, ChevronRightIcon, KeyIcon, LockIcon, RefreshIcon, ScrollIcon, ShieldIcon, UsersIcon } from '@/app/components/icons';
import {
  Badge,
  Banner,
  Button,
  Card,
  CardBody,
  CardHeader,
  EmptyState,
  LoadError,
  PageHeader,
  Skeleton,
  TBody,
  TD,
  TH,
  THead,
  Table,
  TableSkeleton,
  cx,
} from '@/app/components/ui';
import { formatDateTime, formatRelative, formatShortDateTime } from '@/app/lib/format';
import { gqlRequest, isGraphQLRequestError } from '@/app/lib/graphql-client';
import { gqlKey, useGqlInfiniteQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useViewer } from '@/app/lib/viewer';

const PAGE = 25;

const AuditEventsQuery = graphql(`
  query AuditEvents($first: Int!, $before: Int) {
    auditEvents(first: $first, before: $before) {
      nextCursor
      events {
        id
        seq
        occurredAt
        actorType
        actorLabel
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

const AuditChain = graphql(`
  query AuditChain {
    auditChain {
      valid
      checkedEvents
      firstBrokenSeq
      reason
    }
  }
`);

function actionTone(action: string): 'red' | 'green' | 'blue' | 'neutral' {
  if (/revoke|remove|delete/.test(action)) return 'red';
  if (/create|accept|add|set/.test(action)) return 'green';
  if (/update|change|role/.test(action)) return 'blue';
  return 'neutral';
}

function prettyJson(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

function ChainVerifier() {
  const { org } = useOrg();
  const qc = useQueryClient();
  const [state, setState] = useState<{ loading: boolean; report?: AuditChainQuery['auditChain']; error?: string; at?: string }>({ loading: false });

  async function verify() {
    setState({ loading: true });
    try {
      // Always recomputed: a cached "valid" would defeat the point of checking.
      const data = await qc.fetchQuery({ queryKey: gqlKey(AuditChain, org.id, {}), queryFn: () => gqlRequest(AuditChain, {}, org.id), staleTime: 0 });
      setState({ loading: false, report: data.auditChain, at: new Date().toISOString() });
    } catch (e) {
      setState({ loading: false, error: isGraphQLRequestError(e) || e instanceof Error ? e.message : 'Verification failed' });
    }
  }

  const r = state.report;
  return (
    <Card>
      <CardBody className="flex flex-col gap-4 sm:flex-row sm:items-center">
        <div className="flex flex-1 items-start gap-3">
          <span className="flex size-10 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-zinc-600">
            <ShieldIcon className="size-5" />
          </span>
          <div>
            <p className="text-sm font-semibold text-zinc-900">Tamper-evident log</p>
            <p className="text-sm text-zinc-500">Each event includes the hash of the one before it. Verifying recomputes the whole chain on the server.</p>
          </div>
        </div>
        <Button variant="secondary" onClick={() => void verify()} loading={state.loading}>
          {!state.loading && <ShieldIcon className="size-4" />} Verify chain
        </Button>
      </CardBody>
      {(r || state.error) && (
        <div className="border-t border-zinc-100 px-5 py-4" data-testid="chain-result">
          {state.error ? (
            <Banner tone="error" title="Could not verify the chain">
              {state.error}
            </Banner>
          ) : r?.valid ? (
            <Banner tone="success" title="Chain intact">
              All {r.checkedEvents} {r.checkedEvents === 1 ? 'event' : 'events'} verified; none were altered, removed or reordered. Checked {formatRelative(state.at)}.
            </Banner>
          ) : (
            r && (
              <Banner tone="error" title={`Chain broken at #${r.firstBrokenSeq ?? '?'}`}>
                {r.reason ?? 'An event does not match its recorded hash.'} ({r.checkedEvents} events checked)
              </Banner>
            )
          )}
        </div>
      )}
    </Card>
  );
}

function AuditTable() {
  const [open, setOpen] = useState<string | null>(null);
  const q = useGqlInfiniteQuery(
    AuditEventsQuery,
    (before: number | null) => ({ first: PAGE, before }),
    (page) => page.auditEvents.nextCursor,
  );
  const events = q.data?.pages.flatMap((p) => p.auditEvents.events) ?? [];

  return (
    <Card>
      <CardHeader
        title="Events"
        description="Newest first. Every change in the organization is recorded in the same transaction as the change."
        actions={
          <Button variant="ghost" size="sm" onClick={() => void q.refetch()} disabled={q.isFetching} aria-label="Refresh">
            <RefreshIcon className={cx('size-3.5', q.isFetching && !q.isFetchingNextPage && 'animate-spin')} /> Refresh
          </Button>
        }
      />
      {q.isLoading ? (
        <TableSkeleton rows={6} cols={5} />
      ) : q.error ? (
        <CardBody>
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        </CardBody>
      ) : events.length === 0 ? (
        <EmptyState icon={<ScrollIcon />} title="No events yet" />
      ) : (
        <>
          <Table minWidth="min-w-[780px]">
            <THead>
              <TH dense className="w-14">#</TH>
              <TH dense>Time</TH>
              <TH dense>Actor</TH>
              <TH dense>Action</TH>
              <TH dense>Target</TH>
              <TH dense>IP · Request</TH>
            </THead>
            <TBody>
              {events.map((e) => {
                const expanded = open === e.id;
                return (
                  <Fragment key={e.id}>
                    <tr data-testid="audit-row" className={cx('cursor-pointer hover:bg-zinc-50/70', expanded && 'bg-zinc-50/70')} onClick={() => setOpen(expanded ? null : e.id)}>
                      <TD dense>
                        <button
                          type="button"
                          aria-expanded={expanded}
                          aria-label={expanded ? `Hide details of event ${e.seq}` : `Show details of event ${e.seq}`}
                          className="inline-flex items-center gap-1 rounded py-0.5 pr-1 font-mono text-xs text-zinc-400 hover:text-zinc-700"
                        >
                          {expanded ? <ChevronDownIcon className="size-3.5" /> : <ChevronRightIcon className="size-3.5" />}
                          {e.seq}
                        </button>
                      </TD>
                      <TD dense className="whitespace-nowrap">
                        <span className="text-zinc-900">{formatRelative(e.occurredAt)}</span>
                        <p className="text-xs text-zinc-400" title={formatDateTime(e.occurredAt)}>
                          {formatShortDateTime(e.occurredAt)}
                        </p>
                      </TD>
                      <TD dense>
                        <div className="flex max-w-[13rem] flex-col items-start gap-1">
                          <span className="max-w-full truncate text-zinc-900" title={e.actorLabel}>
                            {e.actorLabel}
                          </span>
                          {e.actorType === 'api_key' ? (
                            <Badge tone="violet">
                              <KeyIcon className="size-3" /> API key
                            </Badge>
                          ) : (
                            <Badge tone="neutral">
                              <UsersIcon className="size-3" /> Session
                            </Badge>
                          )}
                        </div>
                      </TD>
                      <TD dense>
                        <Badge tone={actionTone(e.action)} className="font-mono">
                          {e.action}
                        </Badge>
                      </TD>
                      <TD dense>
                        <span className="text-zinc-700">{e.targetType}</span>
                        <p className="max-w-[8rem] truncate font-mono text-xs text-zinc-400" title={e.targetId}>
                          {e.targetId}
                        </p>
                      </TD>
                      <TD dense>
                        <span className="whitespace-nowrap font-mono text-xs text-zinc-700">{e.ip ?? '—'}</span>
                        <p className="max-w-[7rem] truncate font-mono text-xs text-zinc-400" title={e.requestId ?? undefined}>
                          {e.requestId ?? '—'}
                        </p>
                      </TD>
                    </tr>
                    {expanded && (
                      <tr className="bg-zinc-50/70">
                        <TD colSpan={6} className="pt-0">
                          <div className="grid gap-4 rounded-lg border border-zinc-200 bg-white p-4 text-[13px] md:grid-cols-2">
                            <div>
                              <p className="mb-1 font-medium text-zinc-700">Details</p>
                              <pre className="overflow-x-auto rounded bg-zinc-50 p-2 font-mono text-xs text-zinc-700">{prettyJson(e.data)}</pre>
                            </div>
                            <dl className="space-y-2">
                              <div>
                                <dt className="font-medium text-zinc-700">Hash</dt>
                                <dd className="break-all font-mono text-xs text-zinc-500">{e.hash}</dd>
                              </div>
                              <div>
                                <dt className="font-medium text-zinc-700">Request ID</dt>
                                <dd className="break-all font-mono text-xs text-zinc-500">{e.requestId ?? '—'}</dd>
                              </div>
                              <div>
                                <dt className="font-medium text-zinc-700">User agent</dt>
                                <dd className="break-all text-xs text-zinc-500">{e.userAgent ?? '—'}</dd>
                              </div>
                            </dl>
                          </div>
                        </TD>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
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
              <span className="text-zinc-400">Beginning of the log</span>
            )}
          </div>
        </>
      )}
    </Card>
  );
}

export function AuditView() {
  const { org } = useOrg();
  const viewer = useViewer();
  const allowed = viewer.data?.viewer.permissions.includes('AUDIT_READ');

  return (
    <>
      <PageHeader title="Audit log" description={`Who did what in ${org.name}, from the browser or with an API key.`} />
      {viewer.isLoading ? (
        <div className="space-y-4">
          <Skeleton className="h-20 w-full" />
          <Skeleton className="h-72 w-full" />
        </div>
      ) : viewer.error ? (
        <LoadError error={viewer.error} onRetry={() => void viewer.refetch()} />
      ) : !allowed ? (
        <Card>
          <EmptyState
            icon={<LockIcon />}
            title="The audit log is for admins only"
            description={`Your role in ${org.name} is ${viewer.data?.viewer.role}. Owners and admins can read the audit log and verify its integrity.`}
          />
        </Card>
      ) : (
        <div className="space-y-6">
          <ChainVerifier />
          <AuditTable />
        </div>
      )}
    </>
  );
}
