'use client';

import { XIcon } from '@/app/components/icons';
import { Spinner, cx } from '@/app/components/ui';
import type { AuditFacetsQuery } from '@/app/gql/graphql';
import { formatShortDateTime } from '@/app/lib/format';
import type { AuditFilter } from '@/app/lib/audit-filter';
import type { FilterChange } from './use-audit-filter';

export type Facets = AuditFacetsQuery['auditFacets'];

/** One active filter, readable, with a button to drop it. */
interface Chip {
  key: string;
  label: React.ReactNode;
  text: string;
  without: (current: AuditFilter) => AuditFilter;
}

/** An API key as people know it: its name and public prefix, then its owner (labels carry `email (key gty_…)`). */
export function keyLabel(a: { apiKeyName?: string | null; label: string }): string {
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

/** What the filtered log shows: how many events match, and each filter as a chip that drops it. */
export function FilterSummary({
  filter,
  facets,
  onChange,
  finding,
  failed,
  count,
  more,
}: {
  filter: AuditFilter;
  facets: Facets | undefined;
  onChange: (change: FilterChange) => void;
  /** The matching events are still being looked up. */
  finding: boolean;
  failed: boolean;
  count: number;
  /** More matching events than the ones loaded. */
  more: boolean;
}) {
  const chips = filterChips(filter, facets);
  return (
    <div
      className="flex flex-wrap items-center gap-x-2 gap-y-1.5 border-b border-zinc-100 bg-zinc-50/60 px-5 py-2 text-[13px] text-zinc-600"
      data-testid="audit-filter-summary"
      aria-live="polite"
    >
      {finding ? (
        <span className="inline-flex items-center gap-1.5 text-zinc-500">
          <Spinner className="size-3.5" /> Finding matching events…
        </span>
      ) : failed ? null : (
        <span data-testid="audit-match-count">
          Showing {more ? 'the latest ' : ''}
          {count} {count === 1 ? 'event' : 'events'} matching
        </span>
      )}
      {chips.map((c) => (
        <span key={c.key} className="inline-flex items-center gap-1 rounded-md bg-white py-0.5 pr-1 pl-2 ring-1 ring-zinc-200 ring-inset">
          {c.label}
          <button type="button" aria-label={`Remove filter: ${c.text}`} onClick={() => onChange(c.without)} className="rounded p-0.5 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700">
            <XIcon className="size-3" />
          </button>
        </span>
      ))}
    </div>
  );
}
