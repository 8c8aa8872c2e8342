'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { graphql } from '@/app/gql';
import type { AuditChainQuery, AuditFacetsQuery } from '@/app/gql/graphql';
import {
  ChevronDownIcon,
  ChevronRightIcon,
  FilterIcon,
  KeyIcon,
  LockIcon,
  RefreshIcon,
  ScrollIcon,
  ShieldIcon,
  UsersIcon,
  XIcon,
} from '@/app/components/icons';
import {
  Badge,
  Banner,
  Button,
  Card,
  CardBody,
  CardHeader,
  EmptyState,
  Input,
  LoadError,
  PageHeader,
  Select,
  Skeleton,
  Spinner,
  TBody,
  TD,
  TH,
  THead,
  Table,
  TableSkeleton,
  cx,
} from '@/app/components/ui';
import {
  actionFamilies,
  auditHref,
  isAuditFilterActive,
  isoToLocalInput,
  localInputToIso,
  parseAuditSearch,
  serializeAuditSearch,
  toAuditEventFilter,
  type AuditFilter,
} from '@/app/lib/audit-filter';
import { formatDateTime, formatRelative, formatShortDateTime } from '@/app/lib/format';
import { gqlRequest, isGraphQLRequestError, type GraphQLRequestError } from '@/app/lib/graphql-client';
import { gqlKey, useGqlInfiniteQuery, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useViewer } from '@/app/lib/viewer';

const PAGE = 25;
/** A typed filter value (target ID, dates) applies once typing pauses this long, or on Enter / leaving the field. */
const TYPING_DELAY_MS = 500;

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

type Facets = AuditFacetsQuery['auditFacets'];

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

type FilterChange = AuditFilter | ((current: AuditFilter) => AuditFilter);

/**
 * The filter in the page URL: reading it, and replacing it (which starts paging over).
 * Changes build on the last one asked for, even before the URL shows it, so two quick
 * changes (a typed date, then a select) both hold.
 */
function useAuditFilter(): [AuditFilter, (change: FilterChange) => void] {
  const { org } = useOrg();
  const router = useRouter();
  const query = useSearchParams().toString();
  const filter = useMemo(() => parseAuditSearch(new URLSearchParams(query)), [query]);
  // Queries asked for whose URL has not arrived yet, oldest first.
  const requested = useRef<string[]>([]);
  useEffect(() => {
    const asked = requested.current;
    const i = asked.indexOf(query);
    // The last one arrived, or the URL changed some other way (a link, back): nothing is pending.
    if (i === -1 || i === asked.length - 1) requested.current = [];
  }, [query]);

  const set = (change: FilterChange) => {
    const pending = requested.current.at(-1);
    const current = pending !== undefined ? parseAuditSearch(new URLSearchParams(pending)) : filter;
    const next = typeof change === 'function' ? change(current) : change;
    const qs = serializeAuditSearch(next).toString();
    if (qs === serializeAuditSearch(current).toString()) return;
    requested.current = [...requested.current, qs];
    router.replace(auditHref(org.slug, next), { scroll: false });
  };
  return [filter, set];
}

/**
 * A text or date input that holds what is being typed and hands it on once typing pauses,
 * on Enter or when focus leaves. A new value from outside (the URL) replaces the draft,
 * unless it is the echo of what this input sent, so keys typed meanwhile are kept.
 */
function DraftInput({
  value,
  onCommit,
  ...props
}: Omit<React.ComponentProps<typeof Input>, 'value' | 'onChange'> & { value: string; onCommit: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  const [shown, setShown] = useState(value);
  const [sent, setSent] = useState<string | null>(null);
  if (value !== shown) {
    setShown(value);
    if (value === sent) setSent(null);
    else setDraft(value);
  }
  const commitRef = useRef(onCommit);
  useEffect(() => {
    commitRef.current = onCommit;
  });
  const commit = (v: string) => {
    setSent(v);
    commitRef.current(v);
  };
  useEffect(() => {
    if (draft === value) return;
    const t = setTimeout(() => {
      setSent(draft);
      commitRef.current(draft);
    }, TYPING_DELAY_MS);
    return () => clearTimeout(t);
  }, [draft, value]);
  return (
    <Input
      {...props}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={() => draft !== value && commit(draft)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && draft !== value) {
          e.preventDefault();
          commit(draft);
        }
      }}
    />
  );
}

function FilterLabel({ htmlFor, children }: { htmlFor: string; children: React.ReactNode }) {
  return (
    <label htmlFor={htmlFor} className="mb-1 block text-xs font-medium text-zinc-600">
      {children}
    </label>
  );
}

/** From or To: a local date and minute; To reaches the end of its minute. Cleared, the bound is dropped. */
function TimeBound({
  label,
  field,
  edge,
  filter,
  invalid,
  onChange,
  title,
}: {
  label: string;
  field: 'since' | 'until';
  edge: 'start' | 'end';
  filter: AuditFilter;
  invalid: Set<string>;
  onChange: (change: FilterChange) => void;
  title?: string;
}) {
  const id = `audit-${field}`;
  return (
    <div className="xl:col-span-3">
      <FilterLabel htmlFor={id}>{label}</FilterLabel>
      <DraftInput
        id={id}
        type="datetime-local"
        className="text-[13px]"
        title={title}
        value={isoToLocalInput(filter[field])}
        invalid={invalid.has(field)}
        onCommit={(v) => onChange((c) => ({ ...c, [field]: v ? (localInputToIso(v, edge) ?? c[field]) : undefined }))}
      />
    </div>
  );
}

const familyLabel = (prefix: string) => `all ${prefix.replaceAll('_', ' ')} actions`;

/** Which filter controls the server's field messages point at (`since`, `actions.0`, `filter.targetType`…). */
function invalidControls(error: GraphQLRequestError | null): Set<string> {
  const out = new Set<string>();
  if (!error || error.code !== 'BAD_USER_INPUT') return out;
  for (const f of error.fields) {
    const name = f.path.split('.').find((p) => p !== 'filter');
    if (name === 'actions') out.add('action');
    else if (name === 'actorUserId' || name === 'actorApiKeyId') out.add('actor');
    else if (name) out.add(name);
  }
  return out;
}

function FilterBar({
  filter,
  onChange,
  facets,
  invalid,
}: {
  filter: AuditFilter;
  onChange: (change: FilterChange) => void;
  facets: { data?: Facets; isLoading: boolean; error: GraphQLRequestError | null };
  invalid: Set<string>;
}) {
  const f = facets.data;
  const loading = facets.isLoading;
  const families = useMemo(() => actionFamilies(f?.actions ?? []), [f]);

  const actionValue = (filter.actions ?? []).join(',');
  const knownActions = new Set([...(f?.actions ?? []).map((a) => a.action), ...families.map((x) => x.family)]);

  const people = useMemo(() => {
    const byUser = new Map<string, { label: string; count: number }>();
    for (const a of f?.actors ?? []) if (a.actorType === 'user' && a.userId) byUser.set(a.userId, { label: a.label, count: 0 });
    // Filtering by a user includes what they did with their API keys: count those too.
    for (const a of f?.actors ?? []) {
      const p = a.userId ? byUser.get(a.userId) : undefined;
      if (p) p.count += a.count;
    }
    return [...byUser.entries()].map(([userId, p]) => ({ userId, ...p }));
  }, [f]);
  const keys = (f?.actors ?? []).filter((a) => a.actorType === 'api_key' && a.apiKeyId);
  const actorValue = filter.actorApiKeyId ? `key:${filter.actorApiKeyId}` : filter.actorUserId ? `user:${filter.actorUserId}` : '';
  const knownActor = actorValue === '' || people.some((p) => `user:${p.userId}` === actorValue) || keys.some((k) => `key:${k.apiKeyId}` === actorValue);

  const knownType = !filter.targetType || (f?.targetTypes ?? []).some((t) => t.targetType === filter.targetType);

  return (
    <div className="border-b border-zinc-100 px-5 py-4" role="search" aria-label="Filter events">
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-12">
        <div className="xl:col-span-3">
          <FilterLabel htmlFor="audit-action">Action</FilterLabel>
          <Select
            id="audit-action"
            className="text-[13px]"
            value={actionValue}
            invalid={invalid.has('action')}
            disabled={loading && !actionValue}
            onChange={(e) => {
              const v = e.target.value;
              onChange((c) => ({ ...c, actions: v ? v.split(',') : undefined }));
            }}
          >
            <option value="">{loading ? 'Loading…' : 'Any action'}</option>
            {actionValue && !knownActions.has(actionValue) && <option value={actionValue}>{(filter.actions ?? []).join(', ')}</option>}
            {families.length > 0 && (
              <optgroup label="Groups">
                {families.map((x) => (
                  <option key={x.family} value={x.family}>
                    {x.family} ({familyLabel(x.prefix)}, {x.count})
                  </option>
                ))}
              </optgroup>
            )}
            {(f?.actions.length ?? 0) > 0 && (
              <optgroup label="Actions">
                {f!.actions.map((a) => (
                  <option key={a.action} value={a.action}>
                    {a.action} ({a.count})
                  </option>
                ))}
              </optgroup>
            )}
          </Select>
        </div>

        <div className="xl:col-span-5">
          <FilterLabel htmlFor="audit-actor">Actor</FilterLabel>
          <Select
            id="audit-actor"
            className="text-[13px]"
            value={actorValue}
            invalid={invalid.has('actor')}
            disabled={loading && !actorValue}
            onChange={(e) => {
              const v = e.target.value;
              const kind = v.slice(0, Math.max(0, v.indexOf(':')));
              const id = v.slice(v.indexOf(':') + 1);
              onChange((c) => ({ ...c, actorUserId: kind === 'user' ? id : undefined, actorApiKeyId: kind === 'key' ? id : undefined }));
            }}
          >
            <option value="">{loading ? 'Loading…' : 'Anyone'}</option>
            {!knownActor && <option value={actorValue}>{filter.actorApiKeyId ? `API key ${filter.actorApiKeyId}` : filter.actorUserId}</option>}
            {people.length > 0 && (
              <optgroup label="People (including their API keys)">
                {people.map((p) => (
                  <option key={p.userId} value={`user:${p.userId}`}>
                    {p.label} ({p.count})
                  </option>
                ))}
              </optgroup>
            )}
            {keys.length > 0 && (
              <optgroup label="API keys">
                {keys.map((k) => (
                  <option key={k.apiKeyId} value={`key:${k.apiKeyId}`}>
                    {keyLabel(k)} ({k.count})
                  </option>
                ))}
              </optgroup>
            )}
          </Select>
        </div>

        {/* Type and ID side by side: an ID only means something within its type. */}
        <fieldset className="min-w-0 xl:col-span-4">
          <legend className="mb-1 block text-xs font-medium text-zinc-600">Target</legend>
          <div className="flex">
            <div className="w-32 shrink-0">
              <Select
                aria-label="Target type"
                className="rounded-r-none text-[13px]"
                value={filter.targetType ?? ''}
                invalid={invalid.has('targetType')}
                disabled={loading && !filter.targetType}
                // Object IDs belong to one type: a new type starts without one.
                onChange={(e) => {
                  const v = e.target.value;
                  onChange((c) => ({ ...c, targetType: v || undefined, targetId: undefined }));
                }}
              >
                <option value="">{loading ? 'Loading…' : 'Any type'}</option>
                {!knownType && <option value={filter.targetType}>{filter.targetType}</option>}
                {(f?.targetTypes ?? []).map((t) => (
                  <option key={t.targetType} value={t.targetType}>
                    {t.targetType} ({t.count})
                  </option>
                ))}
              </Select>
            </div>
            <DraftInput
              aria-label="Target ID"
              className="relative -ml-px min-w-0 flex-1 rounded-l-none font-mono text-[13px] placeholder:font-sans focus:z-10"
              placeholder={filter.targetType ? `Any ${filter.targetType} (paste an ID)` : 'Choose a type first'}
              spellCheck={false}
              autoComplete="off"
              value={filter.targetId ?? ''}
              invalid={invalid.has('targetId')}
              disabled={!filter.targetType && !filter.targetId}
              onCommit={(v) => onChange((c) => ({ ...c, targetId: v.trim() || undefined }))}
            />
          </div>
        </fieldset>

        <TimeBound label="From" field="since" edge="start" filter={filter} invalid={invalid} onChange={onChange} />
        <TimeBound label="To" field="until" edge="end" filter={filter} invalid={invalid} onChange={onChange} title="Up to the end of this minute" />
        <p className="self-end pb-1.5 text-xs text-zinc-500 xl:col-span-4">
          Times are in your time zone ({Intl.DateTimeFormat().resolvedOptions().timeZone}).
        </p>
        <div className="flex items-end justify-end sm:col-span-2 xl:col-span-2">
          <Button variant="ghost" size="sm" onClick={() => onChange({})} disabled={!isAuditFilterActive(filter)}>
            <XIcon className="size-3.5" /> Clear filters
          </Button>
        </div>
      </div>
      {facets.error && (
        <p role="alert" className="mt-3 text-[13px] text-red-600">
          Could not load the choices for the filters: {facets.error.message}
        </p>
      )}
    </div>
  );
}

/** One active filter, readable, with a button to drop it. */
interface Chip {
  key: string;
  label: React.ReactNode;
  text: string;
  without: (current: AuditFilter) => AuditFilter;
}

/** An API key as people know it: its name and public prefix, then its owner (labels carry `email (key gty_…)`). */
function keyLabel(a: { apiKeyName?: string | null; label: string }): string {
  const m = /^(.*) \(key (gty_\w+)\)$/.exec(a.label);
  if (!a.apiKeyName || !m) return a.label;
  return `${a.apiKeyName} · ${m[2]} · ${m[1]}`;
}

function filterChips(filter: AuditFilter, facets: Facets | undefined): Chip[] {
  const chips: Chip[] = [];
  const actorLabel = (userId?: string, apiKeyId?: string) =>
    facets?.actors
      .filter((a) => (apiKeyId ? a.apiKeyId === apiKeyId && a.actorType === 'api_key' : a.userId === userId && a.actorType === 'user'))
      .map((a) => (apiKeyId ? keyLabel(a) : a.label))[0];
  if (filter.actions?.length) {
    const text = filter.actions.join(' or ');
    chips.push({ key: 'action', text: `action ${text}`, label: <>action <Strong mono>{text}</Strong></>, without: (c) => ({ ...c, actions: undefined }) });
  }
  if (filter.actorUserId) {
    const name = actorLabel(filter.actorUserId) ?? filter.actorUserId;
    chips.push({ key: 'actor', text: `by ${name}`, label: <>by <Strong>{name}</Strong></>, without: (c) => ({ ...c, actorUserId: undefined }) });
  }
  if (filter.actorApiKeyId) {
    const name = actorLabel(undefined, filter.actorApiKeyId) ?? filter.actorApiKeyId;
    chips.push({ key: 'apiKey', text: `with API key ${name}`, label: <>with API key <Strong>{name}</Strong></>, without: (c) => ({ ...c, actorApiKeyId: undefined }) });
  }
  if (filter.targetType || filter.targetId) {
    const text = filter.targetId ? `${filter.targetType ?? '?'} ${filter.targetId}` : `any ${filter.targetType}`;
    chips.push({
      key: 'target',
      text: `on ${text}`,
      label: filter.targetId ? (
        <>
          on {filter.targetType ?? '?'} <Strong mono>{filter.targetId}</Strong>
        </>
      ) : (
        <>
          on any <Strong>{filter.targetType}</Strong>
        </>
      ),
      without: (c) => ({ ...c, targetType: undefined, targetId: undefined }),
    });
  }
  const when = (iso: string) => (Number.isNaN(new Date(iso).getTime()) ? iso : formatShortDateTime(iso));
  if (filter.since) chips.push({ key: 'since', text: `from ${when(filter.since)}`, label: <>from <Strong>{when(filter.since)}</Strong></>, without: (c) => ({ ...c, since: undefined }) });
  if (filter.until) chips.push({ key: 'until', text: `to ${when(filter.until)}`, label: <>to <Strong>{when(filter.until)}</Strong></>, without: (c) => ({ ...c, until: undefined }) });
  return chips;
}

function Strong({ children, mono }: { children: React.ReactNode; mono?: boolean }) {
  return <span className={cx('font-medium text-zinc-900', mono && 'font-mono text-[12px]')}>{children}</span>;
}

/** A value in a row that narrows the log to events sharing it; keeps the row's click-to-expand. */
function FilterButton({ label, onFilter, className, children }: { label: string; onFilter: () => void; className?: string; children: React.ReactNode }) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      onClick={(e) => {
        e.stopPropagation();
        onFilter();
      }}
      className={cx(
        'group/filter inline-flex max-w-full items-center gap-1 rounded text-left focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500',
        className,
      )}
    >
      {children}
      <FilterIcon className="size-3 shrink-0 text-zinc-400 opacity-0 transition-opacity group-hover/filter:text-brand-600 group-hover/row:opacity-100 group-focus-visible/filter:opacity-100" />
    </button>
  );
}

function AuditTable() {
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
  const switching = q.isPlaceholderData;
  const chips = filterChips(filter, facets.data?.auditFacets);
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
        <div
          className="flex flex-wrap items-center gap-x-2 gap-y-1.5 border-b border-zinc-100 bg-zinc-50/60 px-5 py-2 text-[13px] text-zinc-600"
          data-testid="audit-filter-summary"
          aria-live="polite"
        >
          {q.isLoading || switching ? (
            <span className="inline-flex items-center gap-1.5 text-zinc-500">
              <Spinner className="size-3.5" /> Finding matching events…
            </span>
          ) : q.error ? null : (
            <span data-testid="audit-match-count">
              Showing {q.hasNextPage ? 'the latest ' : ''}
              {events.length} {events.length === 1 ? 'event' : 'events'} matching
            </span>
          )}
          {chips.map((c) => (
            <span key={c.key} className="inline-flex items-center gap-1 rounded-md bg-white py-0.5 pr-1 pl-2 ring-1 ring-zinc-200 ring-inset">
              {c.label}
              <button type="button" aria-label={`Remove filter: ${c.text}`} onClick={() => setFilter(c.without)} className="rounded p-0.5 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700">
                <XIcon className="size-3" />
              </button>
            </span>
          ))}
        </div>
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
                const byKey = e.actorType === 'api_key' && e.actorApiKeyId;
                return (
                  <Fragment key={e.id}>
                    <tr
                      data-testid="audit-row"
                      className={cx('group/row cursor-pointer hover:bg-zinc-50/70', expanded && 'bg-zinc-50/70')}
                      onClick={() => setOpen(expanded ? null : e.id)}
                    >
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
                          {byKey || e.actorUserId ? (
                            <FilterButton
                              label={byKey ? `Show only events with the API key ${e.actorLabel}` : `Show only events by ${e.actorLabel}`}
                              onFilter={() =>
                                setFilter((c) =>
                                  byKey
                                    ? { ...c, actorApiKeyId: e.actorApiKeyId!, actorUserId: undefined }
                                    : { ...c, actorUserId: e.actorUserId!, actorApiKeyId: undefined },
                                )
                              }
                              className="text-zinc-900 decoration-zinc-300 underline-offset-2 hover:text-brand-700 hover:underline"
                            >
                              <span className="min-w-0 truncate" data-testid="audit-actor">
                                {e.actorLabel}
                              </span>
                            </FilterButton>
                          ) : (
                            <span className="max-w-full truncate text-zinc-900" title={e.actorLabel}>
                              {e.actorLabel}
                            </span>
                          )}
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
                        <FilterButton label={`Show only ${e.action} events`} onFilter={() => setFilter((c) => ({ ...c, actions: [e.action] }))} className="hover:opacity-80">
                          <Badge tone={actionTone(e.action)} className="font-mono">
                            {e.action}
                          </Badge>
                        </FilterButton>
                      </TD>
                      <TD dense>
                        <FilterButton
                          label={`Show only events on ${e.targetType} ${e.targetId}`}
                          onFilter={() => setFilter((c) => ({ ...c, targetType: e.targetType, targetId: e.targetId }))}
                          className="text-zinc-700 hover:text-brand-700"
                        >
                          <span className="flex min-w-0 flex-col items-start">
                            <span className="underline-offset-2 group-hover/filter:underline">{e.targetType}</span>
                            <span className="max-w-[8rem] truncate font-mono text-xs text-zinc-400 group-hover/filter:text-brand-600" data-testid="audit-target-id">
                              {e.targetId}
                            </span>
                          </span>
                        </FilterButton>
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
              <span className="text-zinc-400">{filtered ? 'No older matching events' : 'Beginning of the log'}</span>
            )}
          </div>
        </div>
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
