'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useRef } from 'react';
import { auditHref, parseAuditSearch, serializeAuditSearch, type AuditFilter } from '@/app/lib/audit-filter';
import { useOrg } from '@/app/lib/org-context';

export type FilterChange = AuditFilter | ((current: AuditFilter) => AuditFilter);

/**
 * The filter in the page URL: reading it, and replacing it (which starts paging over).
 * Changes build on the last one asked for, even before the URL shows it, so two quick
 * changes (a typed date, then a select) both hold.
 */
export function useAuditFilter(): [AuditFilter, (change: FilterChange) => void] {
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
